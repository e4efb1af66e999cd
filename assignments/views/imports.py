"""Upload of the Access export: the form, the job's progress (polled with htmx) and its result."""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekrytering.access import admin_required
from rekrytering.jobs import job_page

from .. import selectors, services
from ..exporting import COLUMN_HELP, EXPORT_COLUMNS, XLSX_TYPE, template_csv, template_xlsx
from ..forms import ImportForm


@admin_required
def import_start(request):
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        job = services.start_import(upload=form.cleaned_data["file"], by=request.user)
        return redirect("import-detail", pk=job.pk)
    return render(
        request,
        "assignments/import_start.html",
        {
            "nav": "import",
            "form": form,
            "jobs": selectors.recent_import_jobs(),
            "columns": [(name, COLUMN_HELP[name]) for name in EXPORT_COLUMNS],
        },
    )


@admin_required
def import_detail(request, pk):
    job = get_object_or_404(selectors.import_jobs(), pk=pk)
    return job_page(request, job, status_template="assignments/_import_status.html", nav="import")


@admin_required
@require_POST
def import_confirm(request, pk):
    """The confirmation of what an import listed (look-alike names, price lists from the file):
    the same file is imported again, as a new job, with those confirmed."""
    job = get_object_or_404(selectors.import_jobs(), pk=pk)
    if request.POST.get("confirm") != "ja":
        messages.error(request, _("Kryssa i rutan för att bekräfta listan innan du importerar."))
        return redirect(job)
    try:
        confirmed = services.confirm_import(job, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job)
    return redirect(confirmed)


@admin_required
def import_template(request, fmt):
    if fmt == "xlsx":
        buffer = io.BytesIO()
        template_xlsx(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    elif fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404(_("Mallen finns som .xlsx och .csv."))
    response["Content-Disposition"] = f'attachment; filename="uppdrag-mall.{fmt}"'
    return response
