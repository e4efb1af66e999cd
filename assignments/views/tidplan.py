"""Tidplaner: each assignment's own (shown on its page, adjusted by its consultants) and the
standard schedules per package they are made from (read by all staff, changed by the admin)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekrytering.access import admin_required
from rekrytering.web import apply_service_errors

from .. import selectors, services
from ..competence import package_names
from ..forms import StandardScheduleForm, TidplanForm
from ..models import Assignment, StandardScheduleStep, Step
from ..permissions import can_edit_assignment


def _editable(request, pk) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("package"), pk=pk)
    if not can_edit_assignment(request.user, assignment):
        raise PermissionDenied
    return assignment


def _back(assignment):
    return redirect(assignment.get_absolute_url() + "#tidplan")


@login_required
def assignment_tidplan(request, pk):
    """Adjust an assignment's tidplan: planned and done dates per step (an open assignment's)."""
    assignment = _editable(request, pk)
    if assignment.is_closed:
        messages.error(request, services.CLOSED_TIDPLAN)
        return _back(assignment)
    steps = list(assignment.steps.all())
    form = TidplanForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.save_tidplan(assignment, form.tidplan_rows(), by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if changed:
                message = _("Tidplanen för %(number)s är sparad.") % {"number": assignment.number}
                messages.success(request, message)
            else:
                messages.info(request, _("Inget i tidplanen ändrades."))
            return _back(assignment)
    return render(
        request,
        "assignments/tidplan_form.html",
        {
            "nav": "assignments",
            "assignment": assignment,
            "form": form,
            "standard": selectors.standard_schedule_dates(assignment.package.code, assignment.ordered_on),
        },
    )


@require_POST
@login_required
def assignment_tidplan_standard(request, pk):
    """Give an open assignment without a tidplan its package's standard schedule."""
    assignment = _editable(request, pk)
    try:
        made = services.apply_standard_schedule(assignment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(assignment)
    if made:
        message = _("Tidplanen är skapad från standardtidplanen (%(count)s steg).") % {"count": made}
        messages.success(request, message)
    else:
        messages.info(request, _("Uppdraget har redan en tidplan, eller paketet saknar standardtidplan."))
    return _back(assignment)


@login_required
def schedule_list(request):
    """Every package code with its standard schedule (or none), by the package's newest name."""
    return render(
        request,
        "assignments/registers/schedule_list.html",
        {"nav": "settings", "rows": selectors.standard_schedules()},
    )


@admin_required
def schedule_edit(request, code):
    names = package_names()
    if code not in names:
        raise Http404(_("Inget paket har koden %(code)s.") % {"code": code})
    steps = list(StandardScheduleStep.objects.filter(package_code=code))
    form = StandardScheduleForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.save_standard_schedule(
                code, {value: form.cleaned_data[value] for value in Step.values}, by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            message = (
                _("Standardtidplanen för %(name)s är sparad.")
                if kept
                else _("%(name)s har nu ingen standardtidplan.")
            )
            messages.success(request, message % {"name": names[code]})
            return redirect("schedule-list")
    return render(
        request,
        "assignments/registers/schedule_form.html",
        {"nav": "settings", "form": form, "code": code, "name": names[code]},
    )
