"""Changes to plans: creating one, its status, goals, indicators and activities of a draft; who is
responsible for what; the tertials' deadlines; the follow-up goal by goal (outcomes, activity
status, assessments, with optimistic concurrency); review, approval, locks and unlocks; reminders
of what is missing; copying a plan, starting a plan import."""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import Unit, User
from rekrytering.audit import log_change
from rekrytering.celery import enqueue_on_commit
from rekrytering.numbers import NumberError, check_bounds, to_decimal
from rekrytering.periods import period, tertial_bounds

from . import measures
from .models import (
    Activity,
    ActivityFollowUp,
    Goal,
    GoalAssessment,
    GoalReview,
    Indicator,
    IndicatorOutcome,
    MeasureProposal,
    Plan,
    PlanEvent,
    PlanImportJob,
    PlanReminder,
    TertialDeadline,
    TertialLock,
    column_bounds,
)
from .targets import is_met

CUMULATIVE = {1: "cum1", 2: "cum2", 3: "year"}
log = logging.getLogger(__name__)


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
                    stored.explanation or ("" if indicator.is_computed else _("Angivet för hand.")),
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
    if isinstance(item, Activity) and item.responsible_user_id is None:
        item.responsible_user = user_by_initials(item.responsible)
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


# --- Responsibility ------------------------------------------------------------------------------

INITIALS_SEPARATORS = re.compile(r"[\s,;/&()+]+")


def initials_in(text: str) -> list[str]:
    """The words of an activity's responsibility as the plan writes it: "(KTL, AN)" → KTL, AN."""
    return [part for part in INITIALS_SEPARATORS.split(text or "") if part and part.lower() != "och"]


def user_by_initials(text: str, users: dict | None = None) -> User | None:
    """The first active user whose initials (User.initials, any case) the text names, or None.
    `users` ({initials in lower case: user}) when many texts are matched at once."""
    words = [word.lower() for word in initials_in(text)]
    if not words:
        return None
    if users is None:
        users = _users_by_initials()
    return next((users[word] for word in words if word in users), None)


def _users_by_initials() -> dict:
    return {u.initials.lower(): u for u in User.objects.filter(is_active=True).exclude(initials="")}


def link_responsibles(plan: Plan) -> int:
    """Give each activity of the plan without a responsible person the user its initials name.
    Returns how many were linked. Called after an import and by the demo loader."""
    users = _users_by_initials()
    linked = 0
    for activity in Activity.objects.filter(goal__plan=plan, responsible_user__isnull=True).exclude(
        responsible=""
    ):
        user = user_by_initials(activity.responsible, users)
        if user is not None:
            Activity.objects.filter(pk=activity.pk).update(responsible_user=user)
            linked += 1
    return linked


@transaction.atomic
def set_responsibles(
    goal: Goal,
    *,
    by: User,
    responsible: User | None,
    indicators: dict | None = None,
    activities: dict | None = None,
) -> Goal:
    """Who answers for a goal and, where someone else does, for its indicators ({indicator: user or
    None}) and activities ({activity: user or None}). Open on an adopted plan too: responsibility
    is part of following the plan up, not of the plan's content."""
    _require_editor(by)
    for item in [*(indicators or {}), *(activities or {})]:
        if item.goal_id != goal.pk:
            raise ValidationError(_("%(item)s hör inte till målet.") % {"item": item})
    goal.responsible = responsible
    goal.save(update_fields=["responsible"])
    for indicator, user in (indicators or {}).items():
        Indicator.objects.filter(pk=indicator.pk).update(responsible=user)
    for activity, user in (activities or {}).items():
        Activity.objects.filter(pk=activity.pk).update(responsible_user=user)
    return goal


def responsible_for(item: Indicator | Activity, goal: Goal) -> int | None:
    """The user id answering for an indicator or activity: its own responsible, else the goal's."""
    own = item.responsible_id if isinstance(item, Indicator) else item.responsible_user_id
    return own or goal.responsible_id


# --- Deadlines -----------------------------------------------------------------------------------


@dataclass
class Deadline:
    tertial: int
    due_on: date
    default_on: date  # the plan's rule: report_days_after days after the tertial's end
    own: bool  # the tertial has a deadline of its own


def default_deadline(plan: Plan, tertial: int) -> date:
    return tertial_bounds(plan.year, tertial)[1] + timedelta(days=plan.report_days_after)


def deadlines(plan: Plan) -> dict[int, Deadline]:
    """Each tertial's last day for the follow-up: its own deadline, else the plan's rule."""
    own = {d.tertial: d.due_on for d in TertialDeadline.objects.filter(plan=plan)}
    result = {}
    for tertial in (1, 2, 3):
        default_on = default_deadline(plan, tertial)
        result[tertial] = Deadline(tertial, own.get(tertial, default_on), default_on, tertial in own)
    return result


DEADLINE_LATEST_DAYS = 365


@transaction.atomic
def set_deadlines(plan: Plan, *, report_days_after: int, own: dict[int, date | None], by: User) -> Plan:
    """The plan's rule (days after a tertial's end) and each tertial's own deadline (None: the rule).
    A tertial's own deadline lies between its end and a year after it."""
    _require_editor(by)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    errors = {}
    if not 0 <= report_days_after <= 120:
        errors["report_days_after"] = _("Antalet dagar efter tertialets slut ska vara 0–120.")
    for tertial, due_on in own.items():
        end = tertial_bounds(plan.year, tertial)[1]
        if due_on is not None and due_on < end:
            errors[f"t{tertial}"] = _("T%(t)s: sista dagen kan inte vara före tertialets slut (%(end)s).") % {
                "t": tertial,
                "end": f"{end:%Y-%m-%d}",
            }
        elif due_on is not None and due_on > end + timedelta(days=DEADLINE_LATEST_DAYS):
            errors[f"t{tertial}"] = _(
                "T%(t)s: sista dagen kan vara högst ett år efter tertialets slut (%(end)s)."
            ) % {"t": tertial, "end": f"{end:%Y-%m-%d}"}
    if errors:
        raise ValidationError(errors)
    before = deadlines(plan)
    plan.report_days_after = report_days_after
    plan.save(update_fields=["report_days_after"])
    for tertial, due_on in own.items():
        if due_on is None:
            TertialDeadline.objects.filter(plan=plan, tertial=tertial).delete()
        else:
            TertialDeadline.objects.update_or_create(plan=plan, tertial=tertial, defaults={"due_on": due_on})
    after = deadlines(plan)
    changed = [
        f"T{t}: {before[t].due_on:%Y-%m-%d} → {after[t].due_on:%Y-%m-%d}"
        for t in (1, 2, 3)
        if before[t].due_on != after[t].due_on
    ]
    if changed:
        _event(plan, PlanEvent.Action.DEADLINES, by=by, detail="; ".join(changed))
    return plan


# --- Following a tertial up, goal by goal ----------------------------------------------------------

Status = GoalReview.Status


def may_edit(user: User, goal: Goal, status: str, item: Indicator | Activity | None = None) -> bool:
    """Whether `user` may change the goal's follow-up (`item` None: its assessment and analysis;
    else that indicator's outcome or activity's status). Heads until the goal is approved; the
    goal's responsible, and an indicator's or activity's own responsible, while it is a draft."""
    if status == Status.GODKAND:
        return False
    if user.is_admin or user.is_head:
        return True
    if status != Status.UTKAST:
        return False
    if goal.responsible_id == user.pk:
        return True
    return item is not None and responsible_for(item, goal) == user.pk


def may_edit_any(user: User, goal: Goal, status: str) -> bool:
    """Whether there is anything in the goal's follow-up the user may change."""
    return may_edit(user, goal, status) or any(
        may_edit(user, goal, status, item) for item in [*goal.indicators.all(), *goal.activities.all()]
    )


def may_mark_ready(user: User, goal: Goal) -> bool:
    return user.is_admin or user.is_head or goal.responsible_id == user.pk


class Conflict(ValidationError):
    """The goal's follow-up was saved by someone else after the form was loaded."""

    def __init__(self, review: GoalReview):
        self.review = review
        who = str(review.updated_by) if review.updated_by else _("någon annan")
        when = timezone.localtime(review.updated_at).strftime("%H:%M") if review.updated_at else ""
        super().__init__(
            _(
                "%(who)s sparade målet kl. %(when)s medan du skrev. Dina ändringar är inte sparade: "
                "de står kvar i formuläret."
            )
            % {"who": who, "when": when},
            code="conflict",
        )


def _review_for_update(goal: Goal, tertial: int) -> GoalReview:
    """The goal's review row for the tertial, locked until the transaction ends (made if missing;
    a concurrent maker waits on the unique constraint and then reads this one)."""
    review, _created = GoalReview.objects.get_or_create(goal=goal, tertial=tertial)
    return GoalReview.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=review.pk)


def _status(review: GoalReview, locked: bool) -> str:
    return Status.GODKAND if locked else review.status


def _record_outcome(
    indicator: Indicator, *, tertial: int, by: User, value=None, value_yes=None, denominator=None
):
    if indicator.is_computed and (value is not None or value_yes is not None):
        raise ValidationError(_("Utfallet räknas fram ur systemets data och anges inte för hand."))
    value = _fits(value, IndicatorOutcome, "value", label=indicator.label)
    denominator = _fits(
        denominator, IndicatorOutcome, "denominator", label=_("%(name)s, nämnare") % {"name": indicator.label}
    )
    stored, _created = IndicatorOutcome.objects.get_or_create(indicator=indicator, tertial=tertial)
    if indicator.is_computed:
        stored.denominator = denominator  # the value of a computed indicator is never stored open
    else:
        stored.value, stored.value_yes = value, value_yes
    stored.explanation = ""
    stored.entered_by = by
    stored.save()
    return stored


def _record_activity(activity: Activity, *, tertial: int, status: str, comment: str) -> ActivityFollowUp:
    if status not in Activity.Status.values:
        raise ValidationError(_("%(activity)s: välj en status.") % {"activity": activity.text[:60]})
    follow_up, _created = ActivityFollowUp.objects.update_or_create(
        activity=activity, tertial=tertial, defaults={"status": status, "comment": comment}
    )
    activity.status = status
    activity.save(update_fields=["status"])
    return follow_up


def _assess(goal: Goal, *, tertial: int, assessment: str, analysis: str, by: User) -> GoalAssessment:
    if assessment not in GoalAssessment.Assessment.values:
        raise ValidationError({"assessment": _("Välj uppfyllt, delvis uppfyllt eller ej uppfyllt.")})
    result, _created = GoalAssessment.objects.update_or_create(
        goal=goal,
        tertial=tertial,
        defaults={"assessment": assessment, "analysis": analysis, "assessed_by": by},
    )
    return result


@transaction.atomic
def save_goal_follow_up(
    goal: Goal,
    *,
    tertial: int,
    by: User,
    version: int | None,
    outcomes: dict | None = None,
    denominators: dict | None = None,
    activities: dict | None = None,
    assessment: tuple[str, str] | None = None,
) -> GoalReview:
    """One goal's follow-up for a tertial, all or nothing: `outcomes` {indicator: (value, value_yes)},
    `denominators` {indicator: number}, `activities` {activity: (status, comment)}, `assessment`
    (assessment, analysis). Each part only by someone who may change it (may_edit).

    Optimistic concurrency: `version` is the goal's version the form was loaded with; under the
    review row's lock, a save from an older version is refused with Conflict, so two people
    editing the same goal never overwrite each other unseen (None: no check, for calls that do
    not come from a form). Goals are versioned apart, so edits of different goals never clash."""
    review = _review_for_update(goal, tertial)
    plan = goal.plan
    status = _status(review, is_locked(plan, tertial))
    if status == Status.GODKAND:
        raise ValidationError(
            _("Målet är godkänt och låst för T%(t)s. En chef kan låsa upp det med ett skäl.") % {"t": tertial}
        )
    if version is not None and version != review.version:
        raise Conflict(review)
    items = [*(outcomes or {}), *(denominators or {}), *(activities or {})]
    for item in items:
        if item.goal_id != goal.pk:
            raise ValidationError(_("%(item)s hör inte till målet.") % {"item": item})
        if not may_edit(by, goal, status, item):
            raise PermissionDenied(
                _("Du är inte ansvarig för %(item)s och kan inte ändra det.") % {"item": item}
            )
    if assessment is not None and not may_edit(by, goal, status):
        raise PermissionDenied(_("Målet bedöms av dess ansvarige eller en chef."))
    for indicator, (value, value_yes) in (outcomes or {}).items():
        _record_outcome(indicator, tertial=tertial, by=by, value=value, value_yes=value_yes)
    for indicator, denominator in (denominators or {}).items():
        _record_outcome(indicator, tertial=tertial, by=by, denominator=denominator)
    for activity, (activity_status, comment) in (activities or {}).items():
        _record_activity(activity, tertial=tertial, status=activity_status, comment=comment)
    if assessment is not None:
        _assess(goal, tertial=tertial, assessment=assessment[0], analysis=assessment[1], by=by)
    review.version += 1
    review.updated_by = by
    review.updated_at = timezone.now()
    review.save(update_fields=["version", "updated_by", "updated_at"])
    return review


def record_outcome(
    indicator: Indicator, *, tertial: int, by: User, value=None, value_yes=None, denominator=None
) -> IndicatorOutcome:
    """An indicator's outcome entered by hand (or a computed share's denominator)."""
    if denominator is not None or (indicator.is_computed and value is None and value_yes is None):
        save_goal_follow_up(
            indicator.goal, tertial=tertial, by=by, version=None, denominators={indicator: denominator}
        )
    else:
        save_goal_follow_up(
            indicator.goal, tertial=tertial, by=by, version=None, outcomes={indicator: (value, value_yes)}
        )
    return IndicatorOutcome.objects.get(indicator=indicator, tertial=tertial)


def record_activity(
    activity: Activity, *, tertial: int, status: str, comment: str, by: User
) -> ActivityFollowUp:
    save_goal_follow_up(
        activity.goal, tertial=tertial, by=by, version=None, activities={activity: (status, comment)}
    )
    return ActivityFollowUp.objects.get(activity=activity, tertial=tertial)


def assess_goal(goal: Goal, *, tertial: int, assessment: str, analysis: str, by: User) -> GoalAssessment:
    save_goal_follow_up(goal, tertial=tertial, by=by, version=None, assessment=(assessment, analysis))
    return GoalAssessment.objects.get(goal=goal, tertial=tertial)


# --- Review and lock -------------------------------------------------------------------------------


def _event(
    plan: Plan, action: str, *, by: User, goal: Goal | None = None, tertial=None, reason="", detail=""
):
    PlanEvent.objects.create(
        plan=plan, goal=goal, tertial=tertial, action=action, by=by, reason=reason, detail=detail
    )


def _audit(action: str, *, by: User, plan: Plan, tertial: int, goal: Goal | None = None, reason: str = ""):
    details = {"plan": plan.pk, "year": plan.year, "tertial": tertial}
    if goal is not None:
        details["goal"] = goal.pk
    if reason:
        details["reason"] = reason
    log_change(user=by, action=action, **details)


def _freeze(indicators: list[Indicator], tertial: int) -> None:
    """Keep each indicator's outcome to the tertial as it is now: later data changes do not move it.
    An entered outcome keeps its own note (a frozen one without says "Angivet för hand.")."""
    stored = [next((o for o in i.outcomes.all() if o.tertial == tertial), None) for i in indicators]
    current = outcomes(zip(indicators, [tertial] * len(indicators), stored, strict=True))
    for indicator, kept, now in zip(indicators, stored, current, strict=True):
        if now.frozen:
            continue
        note = now.explanation if indicator.is_computed else (kept.explanation if kept else "")
        IndicatorOutcome.objects.update_or_create(
            indicator=indicator,
            tertial=tertial,
            defaults={"value": now.value, "value_yes": now.value_yes, "explanation": note, "frozen": True},
        )


def _thaw(goals, tertial: int) -> None:
    IndicatorOutcome.objects.filter(indicator__goal__in=goals, tertial=tertial, frozen=True).update(
        frozen=False
    )


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Skriv varför det ska låsas upp.")})
    if len(reason) > PlanEvent.REASON_MAX:
        raise ValidationError(
            {"reason": _("Skälet får vara högst %(n)s tecken.") % {"n": PlanEvent.REASON_MAX}}
        )
    return reason


@transaction.atomic
def mark_ready(goal: Goal, *, tertial: int, by: User) -> GoalReview:
    """The goal's responsible (or a head) says its follow-up is done: draft → ready for review."""
    if not may_mark_ready(by, goal):
        raise PermissionDenied(_("Målet markeras klart av dess ansvarige eller en chef."))
    review = _review_for_update(goal, tertial)
    status = _status(review, is_locked(goal.plan, tertial))
    if status != Status.UTKAST:
        raise ValidationError(_("Målet är redan %(status)s.") % {"status": Status(status).label.lower()})
    if not GoalAssessment.objects.filter(goal=goal, tertial=tertial).exists():
        raise ValidationError(
            _("Bedöm målet (uppfyllt, delvis eller ej uppfyllt) innan du markerar det klart.")
        )
    review.status = Status.KLAR
    review.ready_by, review.ready_at = by, timezone.now()
    review.save(update_fields=["status", "ready_by", "ready_at"])
    _event(goal.plan, PlanEvent.Action.READY, by=by, goal=goal, tertial=tertial)
    return review


@transaction.atomic
def reopen(goal: Goal, *, tertial: int, by: User) -> GoalReview:
    """Ready for review → draft again (the responsible takes it back, or the head sends it back)."""
    if not may_mark_ready(by, goal):
        raise PermissionDenied(_("Klarmarkeringen ångras av målets ansvarige eller en chef."))
    review = _review_for_update(goal, tertial)
    if _status(review, is_locked(goal.plan, tertial)) != Status.KLAR:
        raise ValidationError(_("Målet är inte markerat klart för granskning."))
    review.status = Status.UTKAST
    review.save(update_fields=["status"])
    _event(goal.plan, PlanEvent.Action.REOPENED, by=by, goal=goal, tertial=tertial)
    return review


@transaction.atomic
def approve_goal(goal: Goal, *, tertial: int, by: User) -> GoalReview:
    """A head approves a goal that is ready: its indicators' outcomes are frozen as they are, and its
    assessment, analysis, outcomes and activity statuses can no longer be changed."""
    _require_editor(by)
    review = _review_for_update(goal, tertial)
    status = _status(review, is_locked(goal.plan, tertial))
    if status == Status.GODKAND:
        raise ValidationError(_("Målet är redan godkänt och låst."))
    if status != Status.KLAR:
        raise ValidationError(_("Målet är inte markerat klart för granskning än."))
    _freeze(list(goal.indicators.select_related("goal__plan").prefetch_related("outcomes")), tertial)
    review.status = Status.GODKAND
    review.approved_by, review.approved_at = by, timezone.now()
    review.save(update_fields=["status", "approved_by", "approved_at"])
    _event(goal.plan, PlanEvent.Action.APPROVED, by=by, goal=goal, tertial=tertial)
    _audit("plan_goal_approved", by=by, plan=goal.plan, tertial=tertial, goal=goal)
    return review


@transaction.atomic
def unlock_goal(goal: Goal, *, tertial: int, by: User, reason: str) -> GoalReview:
    """A head opens an approved goal again, with a reason (the plan's history and the audit log).
    Its outcomes follow the data again. If the whole tertial was locked, that lock goes too."""
    _require_editor(by)
    reason = _reason(reason)
    plan = Plan.objects.select_for_update().get(pk=goal.plan_id)
    review = _review_for_update(goal, tertial)
    if _status(review, is_locked(plan, tertial)) != Status.GODKAND:
        raise ValidationError(_("Målet är inte låst."))
    lock = TertialLock.objects.filter(plan=plan, tertial=tertial).first()
    if lock is not None:
        lock.delete()
        _event(plan, PlanEvent.Action.UNLOCKED, by=by, tertial=tertial, reason=reason, detail=str(goal))
        _audit("plan_tertial_unlocked", by=by, plan=plan, tertial=tertial, reason=reason)
    _thaw([goal], tertial)
    review.status = Status.UTKAST
    review.approved_by, review.approved_at = None, None
    review.save(update_fields=["status", "approved_by", "approved_at"])
    _event(plan, PlanEvent.Action.GOAL_UNLOCKED, by=by, goal=goal, tertial=tertial, reason=reason)
    _audit("plan_goal_unlocked", by=by, plan=plan, tertial=tertial, goal=goal, reason=reason)
    return review


@transaction.atomic
def lock_tertial(plan: Plan, *, tertial: int, by: User) -> TertialLock:
    """Freeze every indicator's outcome of the tertial, so later data changes do not rewrite it, and
    approve every goal not yet approved (the head's last step: the tertial is reported)."""
    _require_editor(by)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _require_open(plan, tertial)
    goals = list(plan.goals.all())
    GoalReview.objects.bulk_create(
        [GoalReview(goal=goal, tertial=tertial) for goal in goals], ignore_conflicts=True
    )
    # Every goal's row locked: a save in flight finishes first, one after this sees the lock.
    reviews = list(GoalReview.objects.select_for_update().filter(goal__plan=plan, tertial=tertial))
    indicators = list(
        Indicator.objects.filter(goal__plan=plan).select_related("goal__plan").prefetch_related("outcomes")
    )
    _freeze(indicators, tertial)
    now = timezone.now()
    approved = [r.pk for r in reviews if r.status != Status.GODKAND]
    GoalReview.objects.filter(pk__in=approved).update(status=Status.GODKAND, approved_by=by, approved_at=now)
    lock = TertialLock.objects.create(plan=plan, tertial=tertial, locked_by=by)
    _event(
        plan,
        PlanEvent.Action.LOCKED,
        by=by,
        tertial=tertial,
        detail=_("%(n)s mål godkända vid låsningen.") % {"n": len(approved)} if approved else "",
    )
    _audit("plan_tertial_locked", by=by, plan=plan, tertial=tertial)
    return lock


@transaction.atomic
def unlock_tertial(plan: Plan, *, tertial: int, by: User, reason: str) -> None:
    """A head lifts the tertial's lock, with a reason. The goals stay approved (their values frozen)
    until each is unlocked: the lock is lifted to change one or two, not to redo the tertial."""
    _require_editor(by)
    reason = _reason(reason)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    deleted, _rows = TertialLock.objects.filter(plan=plan, tertial=tertial).delete()
    if not deleted:
        raise ValidationError(_("T%(t)s är inte låst.") % {"t": tertial})
    _event(plan, PlanEvent.Action.UNLOCKED, by=by, tertial=tertial, reason=reason)
    _audit("plan_tertial_unlocked", by=by, plan=plan, tertial=tertial, reason=reason)


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
    """The plan as next year's draft: goals, indicators and activities with their responsibles,
    dates a year on, no outcomes; the rule for deadlines, not the tertials' own deadlines."""
    _require_editor(by)
    plan = Plan.objects.get(pk=plan.pk)
    require_free_year(to_year, plan.unit)
    copy = Plan.objects.create(
        year=to_year,
        unit=plan.unit,
        title=plan.title.replace(str(plan.year), str(to_year)),
        status=Plan.Status.UTKAST,
        report_days_after=plan.report_days_after,
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


# --- The goal's traffic light and what is not yet reported -----------------------------------


@dataclass(frozen=True)
class Light:
    key: str  # gron, gul, rod, gra: the CSS class
    label: str  # the light in words, so that it is never told by colour alone
    symbol: str
    basis: str  # what it comes from, in words


LIGHTS = {
    "gron": (_("Uppfyllt"), "✓"),
    "gul": (_("Delvis uppfyllt"), "◐"),
    "rod": (_("Ej uppfyllt"), "✗"),
    "gra": (_("Inget underlag"), "○"),
}
ASSESSMENT_LIGHT = {"uppfyllt": "gron", "delvis": "gul", "ej": "rod"}


def _light(key: str, basis: str) -> Light:
    label, symbol = LIGHTS[key]
    return Light(key, str(label), symbol, basis)


def goal_light(assessment: str | None, met: int, not_met: int, *, below: bool = False) -> Light:
    """A goal's traffic light. Its assessment when it has one: the department's own judgement of the
    goal weighs in what the indicators cannot. Else its indicators' marks (targets.is_met, through
    `outcomes`): all met green, none met red, some yellow (`below`: the marks are those of the goals
    under it, for a goal without indicators of its own). Grey when there is neither."""
    if assessment in ASSESSMENT_LIGHT:
        return _light(ASSESSMENT_LIGHT[assessment], _("enligt bedömningen"))
    if not met and not not_met:
        return _light("gra", _("ingen bedömning och inga utfall mot mål"))
    basis = _("enligt indikatorerna under målet") if below else _("enligt indikatorerna")
    if not not_met:
        return _light("gron", basis)
    if not met:
        return _light("rod", basis)
    return _light("gul", basis)


@dataclass
class Missing:
    goal: Goal
    person: int | None  # the user id answering for it; None: nobody is responsible
    kind: str  # assessment, outcome, denominator, status
    label: str


def reported_this_tertial(indicator: Indicator, tertial: int) -> bool:
    """Whether the tertial asks for the indicator: tertial ones every tertial, yearly ones at T3."""
    return indicator.periodicity == Indicator.Periodicity.TERTIAL or tertial == 3


def missing_items(goals, tertial: int, statuses: dict[int, str]) -> list[Missing]:
    """What is not reported for the tertial in goals still in draft (`statuses` {goal id: status}):
    the goal's assessment (of a goal with a responsible, indicators or activities), outcomes
    entered by hand, denominators of shares, activity statuses.
    `goals` have their indicators (with outcomes), activities (with follow-ups) and assessments
    prefetched, as selectors.goal_tree gives them."""
    found = []
    for goal in goals:
        if statuses.get(goal.pk, Status.UTKAST) != Status.UTKAST:
            continue
        # A goal that is only a heading of the chain (nobody's, nothing under it of its own) is
        # assessed if a head wants to, but not asked for.
        asked = goal.responsible_id or goal.indicators.all() or goal.activities.all()
        if asked and not any(a.tertial == tertial for a in goal.assessments.all()):
            found.append(Missing(goal, goal.responsible_id, "assessment", _("Bedömning och analys av målet")))
        for indicator in goal.indicators.all():
            if not reported_this_tertial(indicator, tertial):
                continue
            stored = next((o for o in indicator.outcomes.all() if o.tertial == tertial), None)
            person = responsible_for(indicator, goal)
            if not indicator.is_computed:
                if stored is None or (stored.value is None and stored.value_yes is None):
                    found.append(
                        Missing(goal, person, "outcome", _("Utfall: %(n)s") % {"n": indicator.label})
                    )
            elif indicator.measure == "share_of_entered" and (stored is None or stored.denominator is None):
                if not (stored and stored.frozen):
                    found.append(
                        Missing(goal, person, "denominator", _("Nämnare: %(n)s") % {"n": indicator.label})
                    )
        for activity in goal.activities.all():
            if not any(f.tertial == tertial for f in activity.follow_ups.all()):
                found.append(
                    Missing(
                        goal,
                        responsible_for(activity, goal),
                        "status",
                        _("Status: %(a)s") % {"a": _short(activity.text)},
                    )
                )
    return found


def _short(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- Reminders of what is missing ----------------------------------------------------------------

REMINDER_GRACE_DAYS = 7  # an occasion missed (beat or the server down) is still sent this long after
REMINDER_MAX_TRIES = 5


def reminder_occasions(due_on: date) -> list[tuple[str, date]]:
    """The days a tertial with this deadline has reminders, in order: ("fore-5", day), ("efter-3", day)."""
    days = [(f"fore-{n}", due_on - timedelta(days=n)) for n in settings.PLAN_REMINDER_DAYS_BEFORE]
    days += [(f"efter-{n}", due_on + timedelta(days=n)) for n in settings.PLAN_REMINDER_DAYS_AFTER]
    return sorted(days, key=lambda occasion: occasion[1])


def due_occasion(due_on: date, today: date) -> tuple[str, date] | None:
    """The latest occasion on or before today, if it is less than REMINDER_GRACE_DAYS old: a missed
    day is caught up, an old tertial never reminds anyone."""
    passed = [occasion for occasion in reminder_occasions(due_on) if occasion[1] <= today]
    if passed and today < passed[-1][1] + timedelta(days=REMINDER_GRACE_DAYS):
        return passed[-1]
    return None


def _goals_for_reminders(plan: Plan, tertial: int) -> list[Goal]:
    from django.db.models import Prefetch

    return list(
        plan.goals.prefetch_related(
            Prefetch("indicators__outcomes", queryset=IndicatorOutcome.objects.filter(tertial=tertial)),
            Prefetch("activities__follow_ups", queryset=ActivityFollowUp.objects.filter(tertial=tertial)),
            Prefetch("assessments", queryset=GoalAssessment.objects.filter(tertial=tertial)),
        )
    )


def _statuses(plan: Plan, tertial: int) -> dict[int, str]:
    return dict(GoalReview.objects.filter(goal__plan=plan, tertial=tertial).values_list("goal_id", "status"))


def missing_for(plan: Plan, tertial: int) -> list[Missing]:
    """What is missing in the plan's follow-up for the tertial (nothing once it is locked)."""
    if is_locked(plan, tertial):
        return []
    return missing_items(_goals_for_reminders(plan, tertial), tertial, _statuses(plan, tertial))


def schedule_plan_reminders(now: datetime | None = None) -> int:
    """Make a reminder row for each responsible with something missing in a tertial whose occasion
    (days before or after its deadline) is due today, once per occasion (the unique constraint:
    a second sweep makes none). Not before PLAN_REMINDER_HOUR o'clock. Returns how many were made."""
    now = timezone.localtime(now or timezone.now())
    if now.hour < settings.PLAN_REMINDER_HOUR:
        return 0
    today = now.date()
    made = 0
    for plan in Plan.objects.filter(year__in=(today.year - 1, today.year)):
        for tertial, deadline in deadlines(plan).items():
            occasion = due_occasion(deadline.due_on, today)
            if occasion is None:
                continue
            people = {m.person for m in missing_for(plan, tertial) if m.person is not None}
            for person in sorted(people):
                _reminder, created = PlanReminder.objects.get_or_create(
                    plan=plan, tertial=tertial, user_id=person, occasion=occasion[0], due_on=deadline.due_on
                )
                made += created
    return made


def due_plan_reminder_ids(now: datetime | None = None) -> list[int]:
    """Beat's sweep: today's reminders made, and every reminder still to send (also those whose
    message never reached the broker) to be enqueued. A send of one already sent does nothing."""
    schedule_plan_reminders(now)
    return list(
        PlanReminder.objects.filter(status=PlanReminder.Status.PENDING, attempts__lt=REMINDER_MAX_TRIES)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )


def _reminder_message(reminder: PlanReminder, items: list[Missing], today: date) -> EmailMultiAlternatives:
    plan, user = reminder.plan, reminder.user
    page = settings.SITE_URL + reverse("plan-follow-up", args=[plan.pk, reminder.tertial])
    goals = {}
    for item in items:
        goals.setdefault(item.goal.pk, {"goal": item.goal, "url": f"{page}#mal-{item.goal.pk}", "items": []})
        goals[item.goal.pk]["items"].append(item.label)
    days = (reminder.due_on - today).days
    context = {
        "user": user,
        "plan": plan,
        "tertial": reminder.tertial,
        "due_on": reminder.due_on,
        "days_left": days,
        "days_late": -days,
        "goals": list(goals.values()),
        "count": len(items),
        "url": page,
    }
    subject = render_to_string("planning/email/reminder_subject.txt", context).strip()
    body = render_to_string("planning/email/reminder.txt", context)
    return EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def send_plan_reminder(reminder_id: int, *, now: datetime | None = None) -> bool:
    """Send one reminder, once: the row is locked while the mail goes and marked sent in the same
    transaction, so a redelivered task or a second sweep finds it sent (or locked, and leaves it).
    What is missing is read again now: someone who has reported since gets no e-mail."""
    now = now or timezone.now()
    with transaction.atomic():
        reminder = (
            PlanReminder.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("plan", "user")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.status != PlanReminder.Status.PENDING:
            return False
        user = reminder.user
        items = [m for m in missing_for(reminder.plan, reminder.tertial) if m.person == user.pk]
        if not items or not user.is_active or not user.email:
            reminder.status = PlanReminder.Status.SKIPPED
            reminder.last_error = "" if items else _("Inget saknas längre.")
            if items:
                reminder.last_error = _("Ingen e-postadress eller inaktiv användare.")
            reminder.save(update_fields=["status", "last_error"])
            return False
        reminder.status = PlanReminder.Status.SENT
        reminder.sent_at = now
        reminder.items = len(items)
        reminder.save(update_fields=["status", "sent_at", "items"])
        _reminder_message(reminder, items, timezone.localtime(now).date()).send()
    log.info("Plan reminder %s sent (%s items)", reminder_id, len(items))
    return True


def record_reminder_failure(
    reminder_id: int,
    error: Exception,
    *,
    backoff: Callable[[int], float],
    max_tries: int = REMINDER_MAX_TRIES,
) -> float | None:
    """Count a failed send; the seconds until the next try (`backoff` of the tries so far), or None
    once `max_tries` have failed (the reminder is then marked failed and no sweep takes it up)."""
    with transaction.atomic():
        reminder = PlanReminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.status != PlanReminder.Status.PENDING:
            return None
        reminder.attempts += 1
        reminder.last_error = f"{type(error).__name__}: {error}"[:300]
        retry_in = None
        if reminder.attempts >= max_tries:
            reminder.status = PlanReminder.Status.FAILED
        else:
            retry_in = backoff(reminder.attempts)
        reminder.save(update_fields=["attempts", "last_error", "status"])
    return retry_in
