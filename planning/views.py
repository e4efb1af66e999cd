"""Plan pages: the plans, a plan's goal tree, the tertial follow-up saved goal by goal (htmx, or a
plain post without JavaScript) with its review and locks, deadlines, responsibles, Excel export and
import, copy.

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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from rekrytering.access import admin_required, head_required
from rekrytering.inputs import parse_int
from rekrytering.jobs import job_page
from rekrytering.web import apply_service_errors

from . import selectors, services
from .excel import export_plan, template_plan
from .forms import (
    ActivityForm,
    CopyPlanForm,
    DeadlinesForm,
    GoalFollowUpForm,
    GoalForm,
    IndicatorForm,
    NewPlanForm,
    PlanImportForm,
    ResponsiblesForm,
    ReviewForm,
    UnlockForm,
)
from .models import (
    Activity,
    Goal,
    GoalAssessment,
    GoalReview,
    Indicator,
    MeasureProposal,
    Plan,
    PlanEvent,
    PlanImportJob,
)


def _editor(request):
    if not request.user.is_head:
        raise PermissionDenied(_("Planen ändras av chefer och administratörer."))


@login_required
def plan_list(request):
    return render(request, "planning/plan_list.html", {"nav": "plan", "plans": selectors.plan_list()})


@login_required
def plan_detail(request, pk):
    """The plan: its goal tree (each goal with its light for the tertial under way), the tertials'
    deadlines and review state, and its history."""
    return _plan_page(request, get_object_or_404(Plan.objects.select_related("unit"), pk=pk))


def _plan_page(request, plan, *, deadlines_form=None):
    goals = selectors.plan_goals(plan)
    tertial = selectors.shown_tertial(plan, timezone.localdate())
    state = selectors.follow_up(plan, tertial, goals=goals) if tertial else None
    if state is None:
        rows = [{"goal": g, "depth": g.tree_depth, "children": []} for g in goals]
        by_pk = {row["goal"].pk: row for row in rows}
        roots = []
        for row in rows:
            parent = by_pk.get(row["goal"].parent_id)
            (parent["children"] if parent else roots).append(row)
    else:
        rows, roots = state.rows, state.roots
    if deadlines_form is None and request.user.is_head:
        deadlines_form = DeadlinesForm(plan=plan, deadlines=services.deadlines(plan))
    return render(
        request,
        "planning/plan_detail.html",
        {
            "nav": "plan",
            "plan": plan,
            "goals": goals,
            "rows": rows,
            "roots": roots,
            "state": state,
            "tertial": tertial,
            "tertials": selectors.tertials(plan),
            "locked": selectors.locked_tertials(plan),
            "can_edit": request.user.is_head,
            "adopted": services.is_adopted(plan),
            "next_year": plan.year + 1,
            "deadlines_form": deadlines_form,
            "history": selectors.plan_history(plan),
            "proposals_pending": MeasureProposal.objects.filter(
                indicator__goal__plan=plan, status=MeasureProposal.Status.PROPOSED
            ).count()
            if request.user.is_head
            else 0,
        },
    )


def _field(form, name: str) -> dict:
    return {
        "name": name,
        "present": name in form.fields,
        "shown": form.shown(name),
        "error": " ".join(form.errors.get(name, [])),
    }


def _shown_stored(row) -> None:
    """What the page shows where the user has no field: the stored assessment and statuses."""
    assessed = row["assessed"]
    row["assessment"] = {"name": "", "present": False, "shown": assessed.assessment if assessed else ""}
    row["analysis"] = {"name": "", "present": False, "shown": assessed.analysis if assessed else ""}


def _with_form(row, form, user, *, tertial, conflict=None) -> dict:
    """The goal's form and its fields beside each indicator, activity and the goal in the row.
    The version the form sends back: the one it was loaded with, or after a conflict the one now
    saved, so that saving again replaces it knowingly."""
    goal, status = row["goal"], row["status"]
    row["form"] = form
    row["conflict"] = conflict
    row["form_version"] = row["version"]
    if form.is_bound and conflict is None:
        row["form_version"] = form.data.get("version", row["version"])
    row["editable"] = bool(len(form.fields) > 1)
    for item in row["indicators"]:
        pk = item["indicator"].pk
        item["field"] = _field(form, f"ind-{pk}")
        item["denominator"] = _field(form, f"den-{pk}")
    for item in row["activities"]:
        pk, follow = item["activity"].pk, item["follow"]
        item["status"] = _field(form, f"act-{pk}")
        item["comment"] = _field(form, f"actc-{pk}")
        if not item["status"]["present"]:
            item["status"]["shown"] = follow.status if follow else ""
            item["comment"]["shown"] = follow.comment if follow else ""
    _shown_stored(row)
    if f"goal-{goal.pk}" in form.fields:
        row["assessment"] = _field(form, f"goal-{goal.pk}")
        row["analysis"] = _field(form, f"goala-{goal.pk}")
    row["errors"] = _error_list(form) if form.is_bound else []
    row["can_mark_ready"] = status == GoalReview.Status.UTKAST and services.may_mark_ready(user, goal)
    row["can_reopen"] = status == GoalReview.Status.KLAR and services.may_mark_ready(user, goal)
    row["can_approve"] = status == GoalReview.Status.KLAR and user.is_head
    row["can_unlock"] = status == GoalReview.Status.GODKAND and user.is_head
    row["url"] = reverse("goal-follow-up", args=[goal.plan_id, tertial, goal.pk])
    row["review_url"] = reverse("goal-review", args=[goal.plan_id, tertial, goal.pk])
    return row


def _goal_form(row, user, tertial, data=None) -> GoalFollowUpForm:
    goal, status = row["goal"], row["status"]
    return GoalFollowUpForm(
        data,
        goal=goal,
        tertial=tertial,
        version=row["version"],
        may_edit=lambda item: services.may_edit(user, goal, status, item),
    )


def _error_list(form) -> list[dict]:
    """Every error of a goal's form, each already naming its indicator, activity or goal."""
    errors = [{"id": "", "message": message} for message in form.non_field_errors()]
    for name, messages_ in form.errors.items():
        if name not in ("__all__", "version"):
            errors += [{"id": f"id_{name}", "message": message} for message in messages_]
    errors += [{"id": "", "message": message} for message in form.errors.get("version", [])]
    return errors


def _tertial(tertial: int) -> int:
    if tertial not in (1, 2, 3):
        raise Http404
    return tertial


@login_required
@require_safe
def follow_up(request, pk, tertial):
    """A tertial's follow-up: the goal tree, each goal with its light, review status and its own
    form (saved on its own by goal_follow_up)."""
    plan = get_object_or_404(Plan.objects.select_related("unit"), pk=pk)
    return _follow_up_page(request, plan, _tertial(tertial))


def _follow_up_page(request, plan, tertial, *, bound=None, conflict=None):
    """The follow-up page; `bound`: a goal's form posted without JavaScript that did not save,
    shown with its errors (or the conflict) where the goal is."""
    state = selectors.follow_up(plan, tertial)
    user = request.user
    saved = request.GET.get("sparat", "")
    for row in state.rows:
        row["saved_now"] = bound is None and saved == str(row["goal"].pk)
        if bound is not None and bound.goal.pk == row["goal"].pk:
            _with_form(row, bound, user, tertial=tertial, conflict=conflict)
        else:
            _with_form(row, _goal_form(row, user, tertial), user, tertial=tertial)
    return render(
        request,
        "planning/follow_up.html",
        {
            "nav": "plan",
            "plan": plan,
            "tertial": tertial,
            "state": state,
            "rows": state.rows,
            "locked": state.locked,
            "can_edit": user.is_head and not state.locked,
            "is_head": user.is_head,
            "mine": state.missing_of(user),
            "period": services.tertial_period(plan.year, tertial),
            "statuses": Activity.Status.choices,
            "assessments": GoalAssessment.Assessment.choices,
            "reason_max": PlanEvent.REASON_MAX,
        },
    )


def _goal_response(
    request, plan, tertial, goal_pk, *, form=None, saved=False, conflict=None, error="", done=""
):
    """The goal's part of the follow-up page, for htmx: its form (or what it shows), the status line
    and, out of band, its heading's light and status and its entry in the contents."""
    state = selectors.follow_up(plan, tertial, only=goal_pk)
    row = state.rows[0]
    user = request.user
    if form is None:
        form = _goal_form(row, user, tertial)
    _with_form(row, form, user, tertial=tertial, conflict=conflict)
    return render(
        request,
        "planning/_goal_response.html",
        {
            "plan": plan,
            "tertial": tertial,
            "row": row,
            "saved": saved,
            "conflict": conflict,
            "error": error,
            "done": done,
            "locked": state.locked,
            "statuses": Activity.Status.choices,
            "assessments": GoalAssessment.Assessment.choices,
            "is_head": user.is_head,
            "reason_max": PlanEvent.REASON_MAX,
            "now": timezone.localtime(),
        },
    )


def _anchor(plan_pk, tertial, goal_pk, *, saved=False) -> str:
    """The follow-up at the goal; `saved`: the goal's status line says so (no JavaScript needed)."""
    query = f"?sparat={goal_pk}" if saved else ""
    return reverse("plan-follow-up", args=[plan_pk, tertial]) + f"{query}#mal-{goal_pk}"


@login_required
@require_POST
def goal_follow_up(request, pk, tertial, goal_pk):
    """Save one goal's follow-up: with htmx the goal's part of the page comes back ("Sparat", the
    errors, or the conflict when someone else saved the goal meanwhile); without, a redirect back
    to the goal's anchor (or the page with the goal's errors)."""
    plan = get_object_or_404(Plan, pk=pk)
    tertial = _tertial(tertial)
    goal = get_object_or_404(Goal, pk=goal_pk, plan=plan)
    row = selectors.follow_up(plan, tertial, only=goal.pk).rows[0]
    if not services.may_edit_any(request.user, row["goal"], row["status"]):
        if row["status"] == GoalReview.Status.GODKAND:
            message = _("Målet är godkänt och låst för T%(t)s och kan inte ändras.") % {"t": tertial}
            if request.htmx:
                return _goal_response(request, plan, tertial, goal.pk, error=message)
            messages.error(request, message)
            return redirect(_anchor(plan.pk, tertial, goal.pk))
        raise PermissionDenied(
            _("Du är inte ansvarig för det här målet och kan inte ändra dess uppföljning.")
        )
    form = _goal_form(row, request.user, tertial, request.POST)
    conflict = None
    if form.is_valid():
        try:
            services.save_goal_follow_up(
                row["goal"],
                tertial=tertial,
                by=request.user,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except services.Conflict as error:
            conflict = error
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(
                    request, _("Målet är sparat (T%(t)s): %(goal)s") % {"goal": goal, "t": tertial}
                )
                return redirect(_anchor(plan.pk, tertial, goal.pk, saved=True))
            return _goal_response(request, plan, tertial, goal.pk, saved=True)
    if not request.htmx:
        return _follow_up_page(request, plan, tertial, bound=form, conflict=conflict)
    return _goal_response(request, plan, tertial, goal.pk, form=form, conflict=conflict)


REVIEW_STEPS = {
    "klar": (services.mark_ready, gettext_lazy("Målet är markerat klart för granskning.")),
    "ateruppta": (services.reopen, gettext_lazy("Målet är ett utkast igen.")),
    "godkann": (services.approve_goal, gettext_lazy("Målet är godkänt och låst.")),
    "las_upp": (services.unlock_goal, gettext_lazy("Målet är upplåst och kan ändras igen.")),
}


@login_required
@require_POST
def goal_review(request, pk, tertial, goal_pk):
    """A step of the goal's review: mark ready, take back, approve (and lock), unlock with a reason."""
    plan = get_object_or_404(Plan, pk=pk)
    tertial = _tertial(tertial)
    goal = get_object_or_404(Goal.objects.select_related("plan"), pk=goal_pk, plan=plan)
    if not services.may_mark_ready(request.user, goal):
        raise PermissionDenied(_("Målets granskning sköts av dess ansvarige och cheferna."))
    form = ReviewForm(request.POST)
    error, done = "", ""
    if form.is_valid():
        action = form.cleaned_data["action"]
        step, message = REVIEW_STEPS[action]
        extra = {"reason": form.cleaned_data["reason"]} if action == "las_upp" else {}
        try:
            step(goal, tertial=tertial, by=request.user, **extra)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            done = str(message)
    else:
        error = " ".join(m for errors in form.errors.values() for m in errors)
    if request.htmx:
        return _goal_response(request, plan, tertial, goal.pk, error=error, done=done)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_anchor(plan.pk, tertial, goal.pk))


@head_required
@require_POST
def lock(request, pk, tertial):
    plan = get_object_or_404(Plan, pk=pk)
    try:
        services.lock_tertial(plan, tertial=_tertial(tertial), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("T%(t)s är låst och alla mål godkända. Utfallen ändras inte längre när data ändras.")
            % {"t": tertial},
        )
    return redirect("plan-follow-up", pk=pk, tertial=tertial)


@head_required
@require_POST
def unlock(request, pk, tertial):
    plan = get_object_or_404(Plan, pk=pk)
    form = UnlockForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(m for errors in form.errors.values() for m in errors))
        services.unlock_tertial(
            plan, tertial=_tertial(tertial), by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("T%(t)s är upplåst. Målen är fortfarande godkända: lås upp det mål som ska ändras.")
            % {"t": tertial},
        )
    return redirect("plan-follow-up", pk=pk, tertial=tertial)


@head_required
@require_POST
def deadlines(request, pk):
    """The plan's rule for the tertials' deadlines and their own deadlines; errors are shown in the
    plan page's deadlines section, with what was typed."""
    plan = get_object_or_404(Plan.objects.select_related("unit"), pk=pk)
    form = DeadlinesForm(request.POST, plan=plan, deadlines=services.deadlines(plan))
    if form.is_valid():
        try:
            services.set_deadlines(
                plan,
                report_days_after=form.cleaned_data["report_days_after"],
                own=form.own(),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Tidsfristerna är sparade."))
            return redirect(reverse("plan-detail", args=[pk]) + "#tidsfrister")
    return _plan_page(request, plan, deadlines_form=form)


@head_required
def goal_responsibles(request, pk, goal_pk):
    """Who answers for the goal and its indicators and activities (open on an adopted plan too)."""
    plan = get_object_or_404(Plan, pk=pk)
    goal = get_object_or_404(
        Goal.objects.select_related("responsible").prefetch_related("indicators", "activities"),
        pk=goal_pk,
        plan=plan,
    )
    form = ResponsiblesForm(request.POST or None, goal=goal)
    back = reverse("plan-detail", args=[plan.pk]) + f"#mal-{goal.pk}"
    if request.method == "POST" and form.is_valid():
        try:
            services.set_responsibles(goal, by=request.user, **form.changes())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Ansvariga för %(goal)s är sparade.") % {"goal": goal})
            return redirect(back)
    return render(
        request,
        "planning/responsibles.html",
        {"nav": "plan", "plan": plan, "goal": goal, "form": form, "back": back},
    )


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
    proposal = getattr(indicator, "proposal", None) if indicator.pk else None
    if request.method == "GET" and "forslag" in request.GET and proposal is not None:
        # "Ändra" on a proposal: the form starts from what was proposed (saving settles it).
        indicator.measure, indicator.filters = proposal.measure, proposal.filters
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


@head_required
def measure_proposals(request, pk):
    """The measures proposed from the indicators' wording: accept, change or reject each, or all."""
    plan = get_object_or_404(Plan, pk=pk)
    if request.method == "POST":
        try:
            if "accept_all" in request.POST:
                count = services.accept_all_proposals(plan, by=request.user)
                messages.success(request, _("%(n)s förslag godtagna.") % {"n": count})
            else:
                action = "accept" if "accept" in request.POST else "reject"
                proposal = MeasureProposal.objects.filter(
                    pk=parse_int(request.POST.get(action)) or 0, indicator__goal__plan=plan
                ).first()
                if proposal is None:
                    messages.error(request, _("Förslaget finns inte längre. Sidan är uppdaterad."))
                elif action == "accept":
                    services.accept_proposal(proposal, by=request.user)
                    messages.success(
                        request, _("Förslaget godtaget: %(name)s") % {"name": proposal.indicator}
                    )
                else:
                    services.reject_proposal(proposal, by=request.user)
                    messages.success(
                        request,
                        _("Förslaget avvisat: %(name)s anges för hand.") % {"name": proposal.indicator},
                    )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("plan-proposals", pk=plan.pk)
    return render(
        request,
        "planning/proposals.html",
        {
            "nav": "plan",
            "plan": plan,
            "adopted": services.is_adopted(plan),
            **selectors.measure_proposals(plan, timezone.localdate()),
        },
    )
