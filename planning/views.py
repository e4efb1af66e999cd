"""Plan pages: the plans, a plan's goal chain, the tertial follow-up, Excel export and import, copy."""

import io
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assignments.models import Unit
from rekrytering.celery import enqueue_on_commit
from rekrytering.jobs import job_page
from rekrytering.web import apply_service_errors

from . import services
from .excel import export_plan
from .forms import ActivityForm, GoalForm, IndicatorForm, PlanImportForm
from .measures import MEASURES
from .models import Activity, Goal, GoalAssessment, Indicator, Plan, PlanImportJob
from .targets import format_target, format_value
from .tasks import run_plan_import


def _editor(request):
    if not (request.user.is_head or request.user.is_admin):
        raise PermissionDenied(_("Planen ändras av chefer och administratörer."))


def _goal_tree(plan):
    """Goals in chain order: each goal followed by its children, with indicators and activities."""
    goals = list(plan.goals.prefetch_related("indicators__outcomes", "activities__follow_ups", "assessments"))
    children = {}
    for goal in goals:
        children.setdefault(goal.parent_id, []).append(goal)
    ordered = []

    def walk(parent_id, depth):
        for goal in sorted(children.get(parent_id, []), key=lambda g: (g.order, g.id)):
            goal.tree_depth = depth
            ordered.append(goal)
            walk(goal.pk, depth + 1)

    walk(None, 0)
    return ordered


@login_required
def plan_list(request):
    plans = Plan.objects.select_related("unit").order_by("-year", "unit__name")
    return render(request, "planning/plan_list.html", {"nav": "plan", "plans": plans})


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(Plan.objects.select_related("unit"), pk=pk)
    goals = _goal_tree(plan)
    for goal in goals:
        for indicator in goal.indicators.all():
            indicator.target_text = format_target(indicator)
            indicator.measure_label = MEASURES.get(indicator.measure, ("",))[0]
    return render(
        request,
        "planning/plan_detail.html",
        {
            "nav": "plan",
            "plan": plan,
            "goals": goals,
            "locked": set(plan.locks.values_list("tertial", flat=True)),
            "can_edit": request.user.is_head or request.user.is_admin,
            "adopted": services.is_adopted(plan),
            "next_year": plan.year + 1,
        },
    )


def _parse_number(text):
    text = (text or "").replace("\xa0", "").replace(" ", "").replace(",", ".").rstrip("%").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(_("”%(text)s” är inget tal.") % {"text": text}) from None


@login_required
def follow_up(request, pk, tertial):
    plan = get_object_or_404(Plan, pk=pk)
    if tertial not in (1, 2, 3):
        raise Http404
    locked = services.is_locked(plan, tertial)
    goals = _goal_tree(plan)
    errors = {}
    if request.method == "POST":
        _editor(request)
        try:
            with transaction.atomic():
                _save_follow_up(request, plan, tertial, goals, errors)
                if errors:
                    raise ValidationError("fel")
        except ValidationError as error:
            if not errors:
                messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Uppföljningen för T%(t)s är sparad.") % {"t": tertial})
            return redirect("plan-follow-up", pk=pk, tertial=tertial)
    rows = []
    for goal in goals:
        assessment = next((a for a in goal.assessments.all() if a.tertial == tertial), None)
        indicators = []
        for indicator in goal.indicators.all():
            stored = next((o for o in indicator.outcomes.all() if o.tertial == tertial), None)
            result = services.outcome(indicator, tertial, stored=stored)
            indicators.append(
                {
                    "indicator": indicator,
                    "target": format_target(indicator),
                    "result": result,
                    "value_text": ("Ja" if result.value_yes else "Nej")
                    if result.value_yes is not None
                    else format_value(result.value, indicator.target_unit)
                    if result.value is not None
                    else "",
                    "input": request.POST.get(f"ind-{indicator.pk}", "")
                    if request.method == "POST"
                    else (
                        ("ja" if stored.value_yes else "nej")
                        if stored and stored.value_yes is not None
                        else (
                            str(stored.value).rstrip("0").rstrip(".").replace(".", ",")
                            if stored and stored.value is not None
                            else ""
                        )
                    ),
                    "denominator": stored.denominator if stored else None,
                    "error": errors.get(f"ind-{indicator.pk}"),
                }
            )
        activities = []
        for activity in goal.activities.all():
            follow = next((f for f in activity.follow_ups.all() if f.tertial == tertial), None)
            activities.append(
                {
                    "activity": activity,
                    "status": follow.status if follow else activity.status,
                    "comment": follow.comment if follow else "",
                }
            )
        rows.append(
            {
                "goal": goal,
                "indicators": indicators,
                "activities": activities,
                "assessment": assessment,
                "error": errors.get(f"goal-{goal.pk}"),
            }
        )
    return render(
        request,
        "planning/follow_up.html",
        {
            "nav": "plan",
            "plan": plan,
            "tertial": tertial,
            "rows": rows,
            "locked": locked,
            "can_edit": (request.user.is_head or request.user.is_admin) and not locked,
            "period": services.tertial_period(plan.year, tertial),
            "statuses": Activity.Status.choices,
            "assessments": GoalAssessment.Assessment.choices,
            "has_errors": bool(errors),
        },
    )


def _save_follow_up(request, plan, tertial, goals, errors):
    by = request.user
    for goal in goals:
        for indicator in goal.indicators.all():
            if indicator.is_computed:
                denominator = request.POST.get(f"den-{indicator.pk}")
                if indicator.measure == "share_of_entered" and denominator is not None:
                    try:
                        services.record_outcome(
                            indicator, tertial=tertial, by=by, denominator=_parse_number(denominator)
                        )
                    except ValueError as error:
                        errors[f"ind-{indicator.pk}"] = str(error)
                continue
            raw = (request.POST.get(f"ind-{indicator.pk}") or "").strip()
            try:
                if indicator.target_kind == Indicator.TargetKind.YESNO:
                    value_yes = {"ja": True, "nej": False, "": None}.get(raw.lower())
                    if raw and value_yes is None:
                        raise ValueError(_("Svara Ja eller Nej."))
                    services.record_outcome(indicator, tertial=tertial, by=by, value_yes=value_yes)
                else:
                    services.record_outcome(indicator, tertial=tertial, by=by, value=_parse_number(raw))
            except ValueError as error:
                errors[f"ind-{indicator.pk}"] = str(error)
        for activity in goal.activities.all():
            status = request.POST.get(f"act-{activity.pk}")
            if status in Activity.Status.values:
                services.record_activity(
                    activity,
                    tertial=tertial,
                    status=status,
                    comment=request.POST.get(f"actc-{activity.pk}", "")[:2000],
                    by=by,
                )
        assessment = request.POST.get(f"goal-{goal.pk}")
        if assessment:
            try:
                services.assess_goal(
                    goal,
                    tertial=tertial,
                    assessment=assessment,
                    analysis=request.POST.get(f"goala-{goal.pk}", "")[:5000],
                    by=by,
                )
            except ValidationError as error:
                errors[f"goal-{goal.pk}"] = " ".join(error.messages)


@login_required
@require_POST
def lock(request, pk, tertial):
    plan = get_object_or_404(Plan, pk=pk)
    _editor(request)
    try:
        services.lock_tertial(plan, tertial=tertial, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("T%(t)s är låst. Utfallen ändras inte längre när data ändras.") % {"t": tertial}
        )
    return redirect("plan-follow-up", pk=pk, tertial=tertial)


@login_required
@require_POST
def copy(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    _editor(request)
    try:
        copy = services.copy_plan(
            plan, to_year=int(request.POST.get("to_year", plan.year + 1)), by=request.user
        )
    except (ValidationError, ValueError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("plan-detail", pk=pk)
    messages.success(request, _("Planen är kopierad till %(year)s som utkast.") % {"year": copy.year})
    return redirect("plan-detail", pk=copy.pk)


@login_required
@require_POST
def set_status(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    _editor(request)
    status = request.POST.get("status")
    if status in Plan.Status.values:
        plan.status = status
        plan.save(update_fields=["status"])
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


@login_required
def import_view(request):
    if not request.user.is_admin:
        raise PermissionDenied(_("Bara administratörer importerar planer."))
    form = PlanImportForm(
        request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year + 1}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = PlanImportJob.objects.create(
                file=upload,
                original_name=upload.name[:255],
                created_by=request.user,
                year=form.cleaned_data["year"],
                unit=form.cleaned_data["unit"],
            )
            enqueue_on_commit(run_plan_import, job.pk)
        return redirect("plan-import-detail", pk=job.pk)
    jobs = PlanImportJob.objects.select_related("created_by", "unit", "plan")[:10]
    return render(request, "planning/import.html", {"nav": "plan", "form": form, "jobs": jobs})


@login_required
def import_detail(request, pk):
    if not request.user.is_admin:
        raise PermissionDenied(_("Bara administratörer importerar planer."))
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


@login_required
def goal_edit(request, pk, goal_pk=None):
    plan = get_object_or_404(Plan, pk=pk)
    _editor(request)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan) if goal_pk else None
    form = GoalForm(request.POST or None, instance=goal, plan=plan)
    return _edit(
        request, plan, form, str(goal) if goal else _("Nytt mål"), reverse("plan-detail", args=[plan.pk])
    )


@login_required
def indicator_edit(request, pk, goal_pk, indicator_pk=None):
    plan = get_object_or_404(Plan, pk=pk)
    _editor(request)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan)
    indicator = (
        get_object_or_404(Indicator, pk=indicator_pk, goal=goal) if indicator_pk else Indicator(goal=goal)
    )
    form = IndicatorForm(request.POST or None, instance=indicator)
    return _edit(
        request, plan, form, indicator.name or _("Ny indikator"), reverse("plan-detail", args=[plan.pk])
    )


@login_required
def activity_edit(request, pk, goal_pk, activity_pk=None):
    plan = get_object_or_404(Plan, pk=pk)
    _editor(request)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan)
    activity = get_object_or_404(Activity, pk=activity_pk, goal=goal) if activity_pk else Activity(goal=goal)
    form = ActivityForm(request.POST or None, instance=activity)
    return _edit(
        request, plan, form, activity.text[:60] or _("Ny aktivitet"), reverse("plan-detail", args=[plan.pk])
    )


class NewPlanForm(forms.Form):
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100)
    unit = forms.ModelChoiceField(
        label=_("Gäller"), queryset=Unit.objects.all(), required=False, empty_label=_("Avdelningen")
    )

    def clean(self):
        data = super().clean()
        if data.get("year") and Plan.objects.filter(year=data["year"], unit=data.get("unit")).exists():
            raise forms.ValidationError(
                _("Det finns redan en sådan plan för %(year)s.") % {"year": data["year"]}
            )
        return data


@login_required
def plan_create(request):
    _editor(request)
    form = NewPlanForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        year, unit = form.cleaned_data["year"], form.cleaned_data["unit"]
        plan = Plan.objects.create(
            year=year, unit=unit, title=f"Verksamhetsplan {year}" + (f" {unit}" if unit else "")
        )
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
