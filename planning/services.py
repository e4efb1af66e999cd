"""Changes to plans: creating one, its status, goals, indicators and activities of a draft, outcomes,
activity status, goal assessments (one tertial's follow-up at a time), locking a tertial, copying a
plan, starting a plan import."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import Unit, User
from rekrytering.celery import enqueue_on_commit
from rekrytering.numbers import NumberError, check_bounds, to_decimal
from rekrytering.periods import period

from . import measures
from .models import (
    Activity,
    ActivityFollowUp,
    Goal,
    GoalAssessment,
    Indicator,
    IndicatorOutcome,
    MeasureProposal,
    Plan,
    PlanImportJob,
    TertialLock,
    column_bounds,
)
from .targets import is_met

CUMULATIVE = {1: "cum1", 2: "cum2", 3: "year"}


def tertial_period(year: int, tertial: int):
    """Tertial follow-up is cumulative, as the city reports: T2 is January–August."""
    return period(year, CUMULATIVE[tertial])


@dataclass
class Outcome:
    value: Decimal | None
    value_yes: bool | None
    explanation: str
    met: bool | None
    frozen: bool


def is_locked(plan: Plan, tertial: int) -> bool:
    return TertialLock.objects.filter(plan=plan, tertial=tertial).exists()


_LOOK_UP = object()


def outcome(indicator: Indicator, tertial: int, *, stored=_LOOK_UP) -> Outcome:
    """The indicator's outcome to the tertial: frozen if locked, else computed or entered.

    Pass `stored` (the tertial's IndicatorOutcome, or None) when it is already loaded.
    """
    return outcomes([(indicator, tertial, stored)])[0]


def outcomes(items) -> list[Outcome]:
    """outcome() of many (indicator, tertial[, stored]) at once: the computed indicators are
    evaluated together (measures.compute_all: one aggregate for the counts, one survey fetch per
    period for every kind), so a page of indicators costs a few queries, not a few per indicator."""
    items = [(item[0], item[1], item[2] if len(item) > 2 else _LOOK_UP) for item in items]
    loaded = []
    for indicator, tertial, stored in items:
        if stored is _LOOK_UP:
            stored = indicator.outcomes.filter(tertial=tertial).first()
        loaded.append((indicator, tertial, stored))
    wanted = [
        (indicator, tertial, stored)
        for indicator, tertial, stored in loaded
        if indicator.is_computed and not (stored is not None and stored.frozen)
    ]
    computed = iter(
        measures.compute_all(
            (
                indicator.measure,
                tertial_period(indicator.goal.plan.year, tertial),
                indicator.filters,
                stored.denominator if stored else None,
            )
            for indicator, tertial, stored in wanted
        )
    )
    result = []
    for indicator, _tertial, stored in loaded:
        if stored is not None and stored.frozen:
            result.append(
                Outcome(
                    stored.value,
                    stored.value_yes,
                    stored.explanation,
                    is_met(indicator, stored.value, stored.value_yes),
                    True,
                )
            )
        elif indicator.is_computed:
            value = next(computed)
            met = is_met(indicator, value.value)
            result.append(Outcome(value.value, None, value.explanation, met, False))
        elif stored is None:
            result.append(Outcome(None, None, "", None, False))
        else:
            result.append(
                Outcome(
                    stored.value,
                    stored.value_yes,
                    stored.explanation or _("Angivet för hand."),
                    is_met(indicator, stored.value, stored.value_yes),
                    False,
                )
            )
    return result


def _require_editor(by: User):
    if not (by.is_admin or by.is_head):
        raise PermissionDenied(_("Planen följs upp av chefer och administratörer."))


def _require_open(plan: Plan, tertial: int):
    if is_locked(plan, tertial):
        raise ValidationError(_("T%(t)s är låst och kan inte ändras.") % {"t": tertial})


def is_adopted(plan: Plan) -> bool:
    return plan.status == Plan.Status.FASTSTALLD


def require_draft(plan: Plan):
    if is_adopted(plan):
        raise ValidationError(
            _(
                "Planen är fastställd och dess mål, indikatorer och aktiviteter kan inte ändras. "
                "Gör planen till utkast först."
            )
        )


def _plan_of(item: Goal | Indicator | Activity) -> Plan:
    return item.plan if isinstance(item, Goal) else item.goal.plan


@transaction.atomic
def save_plan_item(item: Goal | Indicator | Activity, *, by: User) -> Goal | Indicator | Activity:
    """Add or change a goal, indicator or activity: only while its plan is a draft.

    Following an adopted plan up (outcomes, activity status, assessments) stays open; see below.
    """
    _require_editor(by)
    plan = Plan.objects.select_for_update().get(pk=_plan_of(item).pk)
    require_draft(plan)
    added = item.pk is None
    item.save()
    if isinstance(item, Indicator):
        # A new indicator gets a proposal from its wording; a person's save settles a pending one.
        settle_proposal(item, by=by)
        if added and not item.measure:
            propose_measures(plan, indicators=[item])
    return item


@transaction.atomic
def delete_plan_item(item: Goal | Indicator | Activity, *, by: User) -> None:
    """Delete a goal (with what hangs on it), an indicator or an activity of a draft plan."""
    _require_editor(by)
    require_draft(Plan.objects.select_for_update().get(pk=_plan_of(item).pk))
    item.delete()


def _fits(number, model, name: str, *, label: str):
    """`number` as its column keeps it; a Swedish ValidationError naming `label` if it cannot."""
    if number is None:
        return None
    try:
        return check_bounds(to_decimal(number), label=label, **column_bounds(model, name))
    except NumberError as error:
        raise ValidationError({name: str(error)}) from None


@transaction.atomic
def record_outcome(
    indicator: Indicator, *, tertial: int, by: User, value=None, value_yes=None, denominator=None
) -> IndicatorOutcome:
    _require_editor(by)
    _require_open(indicator.goal.plan, tertial)
    if indicator.is_computed and value is not None:
        raise ValidationError(_("Utfallet räknas fram ur systemets data och anges inte för hand."))
    value = _fits(value, IndicatorOutcome, "value", label=indicator.label)
    denominator = _fits(
        denominator, IndicatorOutcome, "denominator", label=_("%(name)s, nämnare") % {"name": indicator.label}
    )
    stored, _created = IndicatorOutcome.objects.get_or_create(indicator=indicator, tertial=tertial)
    stored.value, stored.value_yes, stored.denominator = value, value_yes, denominator
    stored.explanation = ""
    stored.entered_by = by
    stored.save()
    return stored


@transaction.atomic
def record_activity(
    activity: Activity, *, tertial: int, status: str, comment: str, by: User
) -> ActivityFollowUp:
    _require_editor(by)
    _require_open(activity.goal.plan, tertial)
    follow_up, _created = ActivityFollowUp.objects.update_or_create(
        activity=activity, tertial=tertial, defaults={"status": status, "comment": comment}
    )
    activity.status = status
    activity.save(update_fields=["status"])
    return follow_up


@transaction.atomic
def assess_goal(goal: Goal, *, tertial: int, assessment: str, analysis: str, by: User) -> GoalAssessment:
    _require_editor(by)
    _require_open(goal.plan, tertial)
    if assessment not in GoalAssessment.Assessment.values:
        raise ValidationError({"assessment": _("Välj uppfyllt, delvis uppfyllt eller ej uppfyllt.")})
    result, _created = GoalAssessment.objects.update_or_create(
        goal=goal,
        tertial=tertial,
        defaults={"assessment": assessment, "analysis": analysis, "assessed_by": by},
    )
    return result


@transaction.atomic
def save_follow_up(
    plan: Plan,
    *,
    tertial: int,
    by: User,
    outcomes: dict | None = None,
    denominators: dict | None = None,
    activities: dict | None = None,
    assessments: dict | None = None,
) -> None:
    """One tertial's follow-up, all or nothing: `outcomes` {indicator: (value, value_yes)},
    `denominators` {indicator: number}, `activities` {activity: (status, comment)},
    `assessments` {goal: (assessment, analysis)}. A refusal names what it refuses."""
    _require_editor(by)
    _require_open(plan, tertial)
    for indicator, (value, value_yes) in (outcomes or {}).items():
        record_outcome(indicator, tertial=tertial, by=by, value=value, value_yes=value_yes)
    for indicator, denominator in (denominators or {}).items():
        record_outcome(indicator, tertial=tertial, by=by, denominator=denominator)
    for activity, (status, comment) in (activities or {}).items():
        record_activity(activity, tertial=tertial, status=status, comment=comment, by=by)
    for goal, (assessment, analysis) in (assessments or {}).items():
        assess_goal(goal, tertial=tertial, assessment=assessment, analysis=analysis, by=by)


@transaction.atomic
def lock_tertial(plan: Plan, *, tertial: int, by: User) -> TertialLock:
    """Freeze every indicator's outcome of the tertial, so later data changes do not rewrite it."""
    _require_editor(by)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _require_open(plan, tertial)
    indicators = list(
        Indicator.objects.filter(goal__plan=plan).select_related("goal__plan").prefetch_related("outcomes")
    )
    stored = [next((o for o in i.outcomes.all() if o.tertial == tertial), None) for i in indicators]
    current_outcomes = outcomes(zip(indicators, [tertial] * len(indicators), stored, strict=True))
    for indicator, current in zip(indicators, current_outcomes, strict=True):
        IndicatorOutcome.objects.update_or_create(
            indicator=indicator,
            tertial=tertial,
            defaults={
                "value": current.value,
                "value_yes": current.value_yes,
                "explanation": current.explanation,
                "frozen": True,
            },
        )
    return TertialLock.objects.create(plan=plan, tertial=tertial, locked_by=by)


def _next_year(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def require_free_year(year: int, unit: Unit | None) -> None:
    """One plan a year for the department and for each unit."""
    if Plan.objects.filter(year=year, unit=unit).exists():
        whom = _(" för %(unit)s") % {"unit": unit} if unit else ""
        raise ValidationError(
            _("Det finns redan en plan%(whom)s för %(year)s.") % {"whom": whom, "year": year}
        )


def default_title(year: int, unit: Unit | None) -> str:
    return f"Verksamhetsplan {year}" + (f" {unit}" if unit else "")


@transaction.atomic
def create_plan(*, year: int, unit: Unit | None, by: User, title: str = "") -> Plan:
    """A new, empty plan as a draft."""
    _require_editor(by)
    require_free_year(year, unit)
    return Plan.objects.create(year=year, unit=unit, title=title or default_title(year, unit))


@transaction.atomic
def set_plan_status(plan: Plan, *, status: str, by: User) -> Plan:
    """Adopt a plan (fastställd) or make it a draft again."""
    _require_editor(by)
    if status not in Plan.Status.values:
        raise ValidationError({"status": _("Välj utkast eller fastställd.")})
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    plan.status = status
    plan.save(update_fields=["status"])
    return plan


@transaction.atomic
def start_plan_import(*, file, year: int, unit: Unit | None, by: User) -> PlanImportJob:
    """Keep the uploaded workbook and enqueue its import (tasks.run_plan_import) once committed."""
    if not by.is_admin:
        raise PermissionDenied(_("Bara administratörer importerar planer."))
    from .tasks import run_plan_import

    job = PlanImportJob.objects.create(
        file=file, original_name=file.name[:255], created_by=by, year=year, unit=unit
    )
    enqueue_on_commit(run_plan_import, job.pk)
    return job


@transaction.atomic
def copy_plan(plan: Plan, *, to_year: int, by: User) -> Plan:
    """The plan as next year's draft: goals, indicators and activities, dates a year on, no outcomes."""
    _require_editor(by)
    require_free_year(to_year, plan.unit)
    copy = Plan.objects.create(
        year=to_year,
        unit=plan.unit,
        title=plan.title.replace(str(plan.year), str(to_year)),
        status=Plan.Status.UTKAST,
    )
    new_goals = {}
    # Parents before children: sort by level in the chain, then the plan's order.
    for goal in sorted(plan.goals.all(), key=lambda g: (g.depth, g.order, g.id)):
        old_pk = goal.pk
        goal.pk = None
        goal.plan = copy
        goal.parent_id = new_goals[goal.parent_id].pk if goal.parent_id else None
        goal.save()
        new_goals[old_pk] = goal
    for indicator in Indicator.objects.filter(goal__plan=plan):
        indicator.pk = None
        indicator.goal = new_goals[indicator.goal_id]
        indicator.save()
    for activity in Activity.objects.filter(goal__plan=plan):
        activity.pk = None
        activity.goal = new_goals[activity.goal_id]
        activity.start, activity.end = _next_year(activity.start), _next_year(activity.end)
        activity.status = Activity.Status.EJ_PABORJAD
        activity.save()
    return copy


# --- Measures proposed from the indicators' wording (planning.binding) ---------------------


def propose_measures(plan: Plan, *, indicators=None) -> list[MeasureProposal]:
    """A proposal for each of the plan's indicators (or of `indicators`) that has no measure and
    no proposal yet; an indicator whose wording asks for nothing the data holds gets none."""
    from .binding import Vocabulary, propose

    indicators = list(
        indicators
        if indicators is not None
        else Indicator.objects.filter(goal__plan=plan).select_related("goal")
    )
    wanted = [
        indicator
        for indicator in indicators
        if not indicator.measure and not MeasureProposal.objects.filter(indicator=indicator).exists()
    ]
    if not wanted:
        return []
    vocabulary = Vocabulary.load(plan.year)
    made = []
    for indicator in wanted:
        proposal = propose(indicator.name, vocabulary)
        if proposal is not None:
            made.append(
                MeasureProposal(
                    indicator=indicator,
                    measure=proposal.measure,
                    filters=proposal.filters,
                    explanation=proposal.explanation,
                )
            )
    return MeasureProposal.objects.bulk_create(made)


def _decide(proposal: MeasureProposal, *, status: str, by: User | None) -> MeasureProposal:
    proposal.status = status
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


def _pending(proposal: MeasureProposal, by: User | None) -> MeasureProposal:
    if by is not None:  # None: from the shell (import_plan --bind)
        _require_editor(by)
    proposal = (
        MeasureProposal.objects.select_for_update()
        .select_related("indicator__goal__plan")
        .get(pk=proposal.pk)
    )
    require_draft(Plan.objects.select_for_update().get(pk=proposal.indicator.goal.plan_id))
    if proposal.status != MeasureProposal.Status.PROPOSED:
        raise ValidationError(
            _("Förslaget är redan %(status)s.") % {"status": proposal.get_status_display().lower()}
        )
    return proposal


@transaction.atomic
def accept_proposal(proposal: MeasureProposal, *, by: User | None) -> Indicator:
    """The indicator takes the proposed measure and selection."""
    proposal = _pending(proposal, by)
    indicator = proposal.indicator
    indicator.measure, indicator.filters = proposal.measure, proposal.filters
    indicator.save(update_fields=["measure", "filters"])
    _decide(proposal, status=MeasureProposal.Status.ACCEPTED, by=by)
    return indicator


@transaction.atomic
def reject_proposal(proposal: MeasureProposal, *, by: User) -> MeasureProposal:
    """The indicator stays as it is (entered by hand, or bound by a person)."""
    return _decide(_pending(proposal, by), status=MeasureProposal.Status.REJECTED, by=by)


@transaction.atomic
def accept_all_proposals(plan: Plan, *, by: User | None) -> int:
    """Accept every pending proposal of the plan; returns how many. `by` None: from the shell."""
    if by is not None:
        _require_editor(by)
    require_draft(Plan.objects.select_for_update().get(pk=plan.pk))
    pending = MeasureProposal.objects.filter(
        indicator__goal__plan=plan, status=MeasureProposal.Status.PROPOSED
    ).select_related("indicator")
    count = 0
    for proposal in pending:
        accept_proposal(proposal, by=by)
        count += 1
    return count


def settle_proposal(indicator: Indicator, *, by: User) -> None:
    """After a person saved the indicator: a pending proposal is accepted if the indicator now has
    exactly its measure and selection, else marked as changed by hand."""
    proposal = MeasureProposal.objects.filter(
        indicator=indicator, status=MeasureProposal.Status.PROPOSED
    ).first()
    if proposal is None:
        return
    same = proposal.measure == indicator.measure and proposal.filters == (indicator.filters or {})
    _decide(
        proposal,
        status=MeasureProposal.Status.ACCEPTED if same else MeasureProposal.Status.EDITED,
        by=by,
    )
