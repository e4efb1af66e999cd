"""Assignment pages: list with filters, detail with hours and history, create, edit, close."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from rekrytering.redirects import next_url
from rekrytering.web import apply_service_errors, querystring_without

from .. import selectors, services
from ..filters import AssignmentFilter
from ..forms import AssignmentForm, CloseAssignmentForm, SavedFilterForm, manager_choices
from ..models import Assignment, Organisation, Package, SavedFilter
from ..permissions import can_edit_assignment
from ..suggestions import SHOWN_ON_PAGE, record_shown, suggest_consultants, suggestion_summary

MAIN_FILTERS = ("visa", "q", "year", "status")


def filtered_assignments(request, queryset):
    """The list's filter of the request; with no filter in it (a page number is none), the user's
    default (a konsult: their own)."""
    chosen = any(name in AssignmentFilter.base_filters for name in request.GET)
    data = request.GET if chosen else AssignmentFilter.default_data(request.user)
    return AssignmentFilter(data, queryset=queryset.order_by(*selectors.LIST_ORDER), request=request)


class IdPaginator(Paginator):
    """Pages through an ordered queryset of ids and reads only one page's rows, by id.

    A page's ids are cut from the sort's index (no joins, no sort of the whole register); only
    those ids' rows are then read with their joins (`rows(ids)`). A page in the later half is cut
    from the other end of the reversed order, so the last page costs what the first does and the
    middle of the register is the farthest any page has to count.
    """

    def __init__(self, object_list, per_page, *, rows, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom > self.count - top:
            ids = list(self.object_list.reverse()[self.count - top : self.count - bottom])[::-1]
        else:
            ids = list(self.object_list[bottom:top])
        return self._get_page(self.rows(ids), number, self)


class AssignmentListView(LoginRequiredMixin, ListView):
    template_name = "assignments/assignment_list.html"
    paginate_by = 25
    context_object_name = "assignments"

    def get_queryset(self):
        self.filterset = filtered_assignments(self.request, Assignment.objects.all())
        if self.filterset.is_bound and not self.filterset.is_valid():
            return selectors.assignment_list_ids(self.filterset.qs.none())
        return selectors.assignment_list_ids(self.filterset.qs)

    def get_paginator(self, queryset, per_page, **kwargs):
        return IdPaginator(queryset, per_page, rows=selectors.assignment_list_rows, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "nav": "assignments",
                "filter": self.filterset,
                "main_filters": MAIN_FILTERS,
                "more_filters_active": sum(
                    1
                    for name in self.filterset.filters
                    if name not in MAIN_FILTERS and self.request.GET.get(name)
                ),
                "querystring_without_page": querystring_without(self.request, "page"),
                "export_query": querystring_without(self.request, "page"),
                "total": context["paginator"].count,
                "filter_query": self.filterset.query(),
                "saved_filters": selectors.saved_filters(self.request.user),
            }
        )
        return context


@login_required
@require_POST
def saved_filter_create(request):
    """Save the list's applied filter under a name; back to the list with it either way."""
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            saved = services.save_filter(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Filtret ”%(name)s” är sparat.") % {"name": saved.name})
            return redirect(f"{reverse('assignment-list')}?{saved.query}")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, _("Filtret sparades inte: %(error)s") % {"error": error})
    return redirect(f"{reverse('assignment-list')}?{form.cleaned_data.get('query', '')}")


@login_required
@require_POST
def saved_filter_delete(request, pk):
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    services.delete_filter(saved, by=request.user)
    messages.success(request, _("Filtret ”%(name)s” är borttaget.") % {"name": saved.name})
    return redirect(next_url(request, reverse("assignment-list")))


@login_required
def assignment_list_xlsx(request):
    from ..exporting import xlsx_response

    filterset = filtered_assignments(request, selectors.assignment_list())
    qs = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else filterset.qs.none()
    return xlsx_response(qs, "uppdrag.xlsx", request=request)


@login_required
def manager_options(request):
    """The <option>s of the manager list for the chosen organisation (htmx partial)."""
    managers = manager_choices(request.GET.get("organisation"))
    return render(request, "assignments/_manager_options.html", {"managers": managers})


@login_required
def assignment_detail(request, pk):
    assignment = get_object_or_404(selectors.with_logged_hours(selectors.assignment_list()), pk=pk)
    time_entries = selectors.assignment_time_entries(assignment)
    hourly_rate = services.hourly_rate(assignment.year)
    tidplan = selectors.tidplan(assignment, timezone.localdate())
    return render(
        request,
        "assignments/assignment_detail.html",
        {
            "tidplan": tidplan,
            "has_standard": not tidplan and selectors.has_standard_schedule(assignment.package.code),
            "nav": "assignments",
            "assignment": assignment,
            "can_edit": can_edit_assignment(request.user, assignment),
            "time_entries": time_entries[:200],
            "time_entry_count": time_entries.count(),
            "hours_per_consultant": selectors.hours_per_consultant(assignment),
            "history": selectors.assignment_history(assignment),
            "hourly_rate": hourly_rate,
            "default_invoice": assignment.default_invoice_amount(hourly_rate),
            "redos": selectors.redos(assignment),
            "is_new_manager": selectors.is_new_manager(assignment),
            "suggestion": suggestion_summary(assignment) if request.user.edits_all_assignments else None,
        },
    )


def tidplan_moved_message(days: int) -> str:
    """What the page says when a corrected order date moved the tidplan (services.move_tidplan)."""
    values = {"days": abs(days)}
    if days > 0:
        return (
            ngettext(
                "Tidplanen flyttades %(days)s dag framåt med beställningsdatumet.",
                "Tidplanen flyttades %(days)s dagar framåt med beställningsdatumet.",
                abs(days),
            )
            % values
        )
    return (
        ngettext(
            "Tidplanen flyttades %(days)s dag bakåt med beställningsdatumet.",
            "Tidplanen flyttades %(days)s dagar bakåt med beställningsdatumet.",
            abs(days),
        )
        % values
    )


def _save_assignment(request, form, assignment=None):
    """Create or update through the services; returns the assignment or None with errors on the form."""
    fields, colleagues = form.service_fields()
    try:
        return services.save_assignment(
            assignment,
            by=request.user,
            colleagues=colleagues,
            new_manager_name=form.cleaned_data["new_manager_name"],
            new_manager_email=form.cleaned_data["new_manager_email"],
            **fields,
        )
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


@login_required
def assignment_create(request):
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            assignment = _save_assignment(request, form)
            if assignment:
                # What the panel suggested (its hidden field), kept beside the one chosen.
                record_shown(assignment, request.POST.get("suggested", ""))
        if assignment:
            messages.success(request, _("Uppdrag %(number)s är registrerat.") % {"number": assignment.number})
            return redirect(assignment)
    return render(request, "assignments/assignment_form.html", {"nav": "assignments", "form": form})


@login_required
def assignment_edit(request, pk):
    assignment = get_object_or_404(selectors.assignments_for_change(), pk=pk)
    if not can_edit_assignment(request.user, assignment):
        raise PermissionDenied(_("Du kan bara ändra uppdrag som du arbetar i."))
    form = AssignmentForm(request.POST or None, instance=assignment, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save_assignment(request, form, assignment)
        if saved:
            messages.success(request, _("Ändringarna är sparade."))
            if saved.tidplan_moved:
                messages.info(request, tidplan_moved_message(saved.tidplan_moved))
            return redirect(saved)
    return render(
        request,
        "assignments/assignment_form.html",
        {
            "nav": "assignments",
            "form": form,
            "assignment": assignment,
        },
    )


@login_required
def assignment_close(request, pk):
    assignment = get_object_or_404(selectors.assignments_for_change(), pk=pk)
    if not can_edit_assignment(request.user, assignment):
        raise PermissionDenied(_("Du kan bara avsluta uppdrag som du arbetar i."))
    if assignment.is_closed:
        messages.info(request, _("Uppdraget är redan avslutat."))
        return redirect(assignment)
    form = CloseAssignmentForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_assignment(assignment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            assignment.refresh_from_db()  # the service may have set the closing on it before refusing
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Uppdrag %(number)s är avslutat.") % {"number": assignment.number})
            return redirect(assignment)
    hourly_rate = services.hourly_rate(assignment.year)
    return render(
        request,
        "assignments/assignment_close.html",
        {
            "nav": "assignments",
            "form": form,
            "assignment": assignment,
            "default_invoice": assignment.default_invoice_amount(hourly_rate),
        },
    )


@login_required
def assignment_suggestions(request):
    """The registration page's advisory panel (htmx fragment): the top suggested consultants for the
    package, level and organisation chosen so far, needed by the planned end (the order date + the
    package's standard schedule, selectors.standard_end). Incomplete or unknown choices show a
    hint, never an error."""
    params = request.GET
    package = Package.objects.filter(pk=_whole(params.get("package"))).select_related("price_list").first()
    organisation = Organisation.objects.filter(pk=_whole(params.get("organisation"))).first()
    level = params.get("level", "")
    today = timezone.localdate()
    try:
        ordered_on = date.fromisoformat(params.get("ordered_on", ""))
    except ValueError:
        ordered_on = today
    needed_by = max(
        selectors.standard_end(package.code, ordered_on) if package else selectors.planned_end(ordered_on),
        today,
    )
    ranked = []
    if package and organisation and level in Assignment.Level.values:
        ranked = suggest_consultants(
            package=package,
            level=level,
            organisation=organisation,
            needed_by=needed_by,
            today=today,
            viewer=request.user,
        )[:SHOWN_ON_PAGE]
    return render(
        request,
        "assignments/_suggestions.html",
        {"ranked": ranked, "complete": bool(package and organisation and level), "needed_by": needed_by},
    )


def _whole(value) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None
