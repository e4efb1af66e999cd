from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assignments.permissions import sees_everyones_load
from assignments.selectors import (
    DEFAULT_LEAD_WEEKS,
    LOAD_WEEKS,
    LOAD_WEEKS_MAX,
    LOAD_WEEKS_MESSAGE,
    consultant_load,
)
from rekrytering import charts
from rekrytering.access import head_required
from rekrytering.inputs import parse_int
from rekrytering.jobs import job_page
from rekrytering.periods import PERIOD_CODES, default_period, period, tertial_of

from . import dashboard, figures, selectors
from .excel import table_response
from .figures import Scope
from .forms import EconomyForm
from .load import TOTAL_LABEL, heat_table
from .models import TertialReport
from .services import request_tertial_report, save_economy


def _int(value, default=None):
    number = parse_int(value)
    return default if number is None else number


def _scope(request) -> Scope:
    today = timezone.localdate()
    fallback = default_period(today)
    year = _int(request.GET.get("ar"), fallback.year)
    if not 2000 <= year <= 2100:
        year = fallback.year
    code = request.GET.get("period") or fallback.code
    if code not in dict(PERIOD_CODES):
        code = fallback.code
    chosen = period(year, code)
    user = request.user
    unit = consultant = None
    if user.is_head:
        unit = selectors.unit(_int(request.GET.get("enhet")))
        consultant = selectors.consultant(_int(request.GET.get("konsult")))
    else:
        consultant = user  # a konsult (and samordnare) sees their own slice
    return Scope(chosen, unit=unit, consultant=consultant)


def _tables_context(request, scope: Scope, tables: dict, url_name: str) -> dict:
    """What _table.html needs: each table's chart and the page's query for the download links."""
    query = request.GET.copy()
    query.pop("tabell", None)
    return {
        "tables": tables,
        "charts": {k: charts.render(t) for k, t in tables.items()},
        "query": query.urlencode(),
        "table_url": reverse(url_name),
    }


def _download(request, scope: Scope, tables: dict):
    """The table asked for with ?tabell=KEY as .xlsx, or None when none is asked for."""
    key = request.GET.get("tabell")
    if not key:
        return None
    if key not in tables:
        raise Http404(_("Det finns ingen sådan tabell."))
    return table_response(tables[key], f"{key}-{scope.period.year}-{scope.period.code}.xlsx")


@login_required
def dashboard_view(request):
    scope = _scope(request)
    everyone = figures.consultants() if request.user.is_head else None
    data = dashboard.build(scope, timezone.localdate(), everyone=everyone)
    download = _download(request, scope, data["tables"])
    if download:
        return download
    today = timezone.localdate()
    context = _tables_context(request, scope, data["tables"], "reporting-dashboard") | {
        "nav": "reports",
        "scope": scope,
        "data": data,
        "periods": PERIOD_CODES,
        "years": list(range(today.year, today.year - 6, -1)),
        "units": selectors.units() if request.user.is_head else [],
        "consultants": everyone or [],
        "december_share": round(100 * settings.REPORTING_DECEMBER_SHARE),
    }
    return render(request, "reporting/dashboard.html", context)


@login_required
def plan_view(request):
    """The dashboard's plan section: each indicator against its target, activities, assessments."""
    scope = _scope(request)
    plan = figures.plan_figures(scope) if scope.consultant is None else None
    tables = {t.key: t for t in dashboard.plan_tables(plan)}
    download = _download(request, scope, tables)
    if download:
        return download
    context = _tables_context(request, scope, tables, "reporting-plan") | {"scope": scope, "plan": plan}
    template = "reporting/_plan.html" if request.htmx else "reporting/plan_page.html"
    return render(request, template, context)


@head_required
def economy_edit(request, year):
    if not 2000 <= year <= 2100:
        raise Http404(_("Året finns inte."))
    if request.method == "POST":
        form = EconomyForm(request.POST)
        if form.is_valid():
            save_economy(year=year, monthly_costs=form.monthly_costs, outcome=form.outcome, by=request.user)
            messages.success(request, _("Kostnader och utfall för %(year)s är sparade.") % {"year": year})
            return redirect(f"{reverse('reporting-dashboard')}?ar={year}&period=year")
    else:
        form = EconomyForm(initial=selectors.economy_initial(year))
    return render(request, "reporting/economy_form.html", {"nav": "reports", "form": form, "year": year})


@head_required
def report_list(request):
    today = timezone.localdate()
    page = Paginator(selectors.tertial_reports(), 20).get_page(request.GET.get("sida"))
    # Offer the last tertial that has ended.
    default_year, default_tertial = today.year, tertial_of(today) - 1
    if default_tertial == 0:
        default_year, default_tertial = today.year - 1, 3
    return render(
        request,
        "reporting/report_list.html",
        {
            "nav": "reports",
            "page": page,
            "years": list(range(today.year, today.year - 6, -1)),
            "default_year": default_year,
            "default_tertial": default_tertial,
            "tertials": [(1, "T1 (jan–apr)"), (2, "T2 (jan–aug)"), (3, "T3 (helår)")],
        },
    )


@head_required
@require_POST
def report_create(request):
    year, tertial = _int(request.POST.get("ar")), _int(request.POST.get("tertial"))
    errors = []
    if year is None or not 2000 <= year <= 2100:
        errors.append(_("Välj ett år mellan 2000 och 2100."))
    if tertial not in (1, 2, 3):
        errors.append(_("Välj tertial 1, 2 eller 3."))
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("report-list")
    report = request_tertial_report(year=year, tertial=tertial, by=request.user)
    return redirect(report)


@head_required
def report_detail(request, pk):
    report = get_object_or_404(selectors.tertial_reports(), pk=pk)
    return job_page(
        request,
        report,
        status_template="reporting/_report_status.html",
        page_template="reporting/report_detail.html",
        nav="reports",
    )


@head_required
def report_download(request, pk):
    report = get_object_or_404(TertialReport, pk=pk, state=TertialReport.State.DONE)
    if not report.file:
        raise Http404(_("Rapportfilen finns inte."))
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename)


@head_required
def report_document(request, pk):
    """The report as a Word document; a report built before the document was part of it has none."""
    report = get_object_or_404(TertialReport, pk=pk, state=TertialReport.State.DONE)
    if not report.document:
        raise Http404(_("Rapporten har inget Word-dokument. Skapa rapporten på nytt för att få det."))
    return FileResponse(report.document.open("rb"), as_attachment=True, filename=report.document_filename)


LOAD_WEEK_CHOICES = (4, 8, 13, 26)


@login_required
def load_view(request):
    """Beläggning: capacity, planned and free hours per consultant and week. Samordnare, chef and
    admin see everyone; a konsult sees their own row and the department's totals."""
    weeks, error = LOAD_WEEKS, ""
    if request.GET.get("veckor"):
        weeks = parse_int(request.GET["veckor"], low=1, high=LOAD_WEEKS_MAX)
        if weeks is None:
            weeks, error = LOAD_WEEKS, LOAD_WEEKS_MESSAGE
    load = consultant_load(timezone.localdate(), weeks=weeks)
    everyone = sees_everyones_load(request.user)
    if not everyone:
        load = load.only(request.user)
    table = heat_table(load)
    return render(
        request,
        "reporting/load.html",
        {
            "nav": "load",
            "load": load,
            "everyone": everyone,
            "weeks": weeks,
            "week_choices": sorted({*LOAD_WEEK_CHOICES, weeks}),
            "error": error,
            "heat_map": charts.render(table),
            "table": table,
            "total_label": TOTAL_LABEL,
            "lead_weeks": DEFAULT_LEAD_WEEKS,
        },
    )
