"""Plan pages: the plans, a plan's goal chain, the tertial follow-up, Excel export and import, copy.

Thin: forms read the input, services change the plan, selectors read it."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekrytering.access import admin_required, head_required
from rekrytering.jobs import job_page
from rekrytering.web import apply_service_errors

from . import selectors, services
from .excel import export_plan, template_plan
from .forms import (
    ActivityForm,
    CopyPlanForm,
    FollowUpForm,
    GoalForm,
    IndicatorForm,
    NewPlanForm,
    PlanImportForm,
)
from .models import Activity, Goal, GoalAssessment, Indicator, Plan, PlanImportJob


def _editor(request):
    if not request.user.is_head:
        raise PermissionDenied(_("Planen ändras av chefer och administratörer."))


@login_required
def plan_list(request):
    return render(request, "planning/plan_list.html", {"nav": "plan", "plans": selectors.plan_list()})


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(Plan.objects.select_related("unit"), pk=pk)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "nav": "plan",
            "plan": plan,
            "goals": selectors.plan_goals(plan),
            "locked": selectors.locked_tertials(plan),
            "can_edit": request.user.is_head,
            "adopted": services.is_adopted(plan),
            "next_year": plan.year + 1,
        },
    )


def _field(form, name: str) -> dict:
    return {
        "name": name,
        "present": name in form.fields,
        "shown": form.shown(name),
        "error": " ".join(form.errors.get(name, [])),
    }


def _with_fields(rows, form):
    """The form's fields beside each indicator, activity and goal of the follow-up rows."""
    for row in rows:
        goal = row["goal"]
        for item in row["indicators"]:
            pk = item["indicator"].pk
            item["field"] = _field(form, f"ind-{pk}")
            item["denominator"] = _field(form, f"den-{pk}")
        row["activities"] = [
            {"activity": a, "status": _field(form, f"act-{a.pk}"), "comment": _field(form, f"actc-{a.pk}")}
            for a in row["activities"]
        ]
        row["assessment"] = _field(form, f"goal-{goal.pk}")
        row["analysis"] = _field(form, f"goala-{goal.pk}")
    return rows


def _error_list(form) -> list[dict]:
    """Every error of the follow-up, each already naming its indicator, activity or goal."""
    errors = [{"id": "", "message": message} for message in form.non_field_errors()]
    for name, messages_ in form.errors.items():
        if name != "__all__":
            errors += [{"id": f"id_{name}", "message": message} for message in messages_]
    return errors


@login_required
def follow_up(request, pk, tertial):
    plan = get_object_or_404(Plan, pk=pk)
    if tertial not in (1, 2, 3):
        raise Http404
    goals = selectors.goal_tree(plan)
    form = FollowUpForm(request.POST if request.method == "POST" else None, goals=goals, tertial=tertial)
    if request.method == "POST":
        _editor(request)
        if form.is_valid():
            try:
                services.save_follow_up(plan, tertial=tertial, by=request.user, **form.changes())
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Uppföljningen för T%(t)s är sparad.") % {"t": tertial})
                return redirect("plan-follow-up", pk=pk, tertial=tertial)
    locked = services.is_locked(plan, tertial)
    return render(
        request,
        "planning/follow_up.html",
        {
            "nav": "plan",
            "plan": plan,
            "tertial": tertial,
            "rows": _with_fields(selectors.follow_up_rows(goals, tertial), form),
            "locked": locked,
            "can_edit": request.user.is_head and not locked,
            "period": services.tertial_period(plan.year, tertial),
            "statuses": Activity.Status.choices,
            "assessments": GoalAssessment.Assessment.choices,
            "errors": _error_list(form) if form.is_bound else [],
        },
    )


@head_required
@require_POST
def lock(request, pk, tertial):
    plan = get_object_or_404(Plan, pk=pk)
    try:
        services.lock_tertial(plan, tertial=tertial, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("T%(t)s är låst. Utfallen ändras inte längre när data ändras.") % {"t": tertial}
        )
    return redirect("plan-follow-up", pk=pk, tertial=tertial)


@head_required
@require_POST
def copy(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    form = CopyPlanForm(request.POST)
    if form.is_valid():
        try:
            copy = services.copy_plan(plan, to_year=form.cleaned_data["to_year"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
    if form.errors:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("plan-detail", pk=pk)
    messages.success(request, _("Planen är kopierad till %(year)s som utkast.") % {"year": copy.year})
    return redirect("plan-detail", pk=copy.pk)


@head_required
@require_POST
def set_status(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    try:
        plan = services.set_plan_status(plan, status=request.POST.get("status", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Planen är %(status)s.") % {"status": plan.get_status_display().lower()})
    return redirect("plan-detail", pk=pk)


@login_required
def export(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    buffer = io.BytesIO()
    export_plan(plan, buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="verksamhetsplan-{plan.year}.xlsx"'
    return response


@admin_required
def import_view(request):
    form = PlanImportForm(
        request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year + 1}
    )
    if request.method == "POST" and form.is_valid():
        job = services.start_plan_import(
            file=form.cleaned_data["file"],
            year=form.cleaned_data["year"],
            unit=form.cleaned_data["unit"],
            by=request.user,
        )
        return redirect("plan-import-detail", pk=job.pk)
    return render(
        request,
        "planning/import.html",
        {"nav": "plan", "form": form, "jobs": selectors.recent_plan_imports()},
    )


@admin_required
def import_template(request):
    """An empty plan to fill in, with the outcome columns that a plan written before the year leaves out."""
    buffer = io.BytesIO()
    template_plan(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="verksamhetsplan-mall.xlsx"'
    return response


@admin_required
def import_detail(request, pk):
    job = get_object_or_404(PlanImportJob.objects.select_related("created_by", "unit", "plan"), pk=pk)
    return job_page(request, job, status_template="planning/_import_status.html", nav="plan")


# --- Editing goals, indicators and activities -----------------------------------------------


def _edit(request, plan, form, title, back):
    if request.method == "POST":
        if "delete" in request.POST and form.instance.pk:
            try:
                services.delete_plan_item(form.instance, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Borttaget."))
            return redirect(back)
        if form.is_valid():
            try:
                services.save_plan_item(form.save(commit=False), by=request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Sparat."))
                return redirect(back)
    adopted = services.is_adopted(plan)
    return render(
        request,
        "planning/edit.html",
        {
            "nav": "plan",
            "plan": plan,
            "form": form,
            "title": title,
            "back": back,
            "adopted": adopted,
            "can_delete": bool(form.instance.pk) and not adopted,
        },
    )


@head_required
def goal_edit(request, pk, goal_pk=None):
    plan = get_object_or_404(Plan, pk=pk)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan) if goal_pk else None
    form = GoalForm(request.POST or None, instance=goal, plan=plan)
    return _edit(
        request, plan, form, str(goal) if goal else _("Nytt mål"), reverse("plan-detail", args=[plan.pk])
    )


@head_required
def indicator_edit(request, pk, goal_pk, indicator_pk=None):
    plan = get_object_or_404(Plan, pk=pk)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan)
    indicator = (
        get_object_or_404(Indicator, pk=indicator_pk, goal=goal) if indicator_pk else Indicator(goal=goal)
    )
    form = IndicatorForm(request.POST or None, instance=indicator)
    return _edit(
        request, plan, form, indicator.name or _("Ny indikator"), reverse("plan-detail", args=[plan.pk])
    )


@head_required
def activity_edit(request, pk, goal_pk, activity_pk=None):
    plan = get_object_or_404(Plan, pk=pk)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan)
    activity = get_object_or_404(Activity, pk=activity_pk, goal=goal) if activity_pk else Activity(goal=goal)
    form = ActivityForm(request.POST or None, instance=activity)
    return _edit(
        request, plan, form, activity.text[:60] or _("Ny aktivitet"), reverse("plan-detail", args=[plan.pk])
    )


@head_required
def plan_create(request):
    form = NewPlanForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(
                year=form.cleaned_data["year"], unit=form.cleaned_data["unit"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Planen är skapad som utkast. Lägg till mål nedan."))
            return redirect("plan-detail", pk=plan.pk)
    return render(
        request,
        "planning/edit.html",
        {
            "nav": "plan",
            "plan": None,
            "form": form,
            "title": _("Ny verksamhetsplan"),
            "back": reverse("plan-list"),
        },
    )
