"""Demo plans: the department's 2024 and 2025 plans as transcribed from the source plans
(planning/data/plan-YEAR.yaml), each indicator bound to the measure planning.binding proposes from
its wording (the proposals recorded as accepted, as an administrator accepting them all would), a
responsible (a fictional demo user) for every nämndmål and enhetsmål, the staff indicators with
the head, and the tertials' deadlines (10 days after each tertial, the annual report in January).

Called by `load_demo` after the other apps' demo data; idempotent.
"""

import re
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from .binding import Vocabulary, propose
from .models import Activity, Goal, Indicator, MeasureProposal, Plan
from .targets import apply_target

DATA = Path(__file__).resolve().parent / "data"


def _date(value):
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@transaction.atomic
def load_plan(path: Path) -> Plan | None:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    year = int(data["year"])
    if Plan.objects.filter(year=year, unit__isnull=True).exists():
        return None
    plan = Plan.objects.create(
        year=year, title=data.get("title") or f"Verksamhetsplan {year}", status=Plan.Status.FASTSTALLD
    )
    by_title = {}
    vocabulary = Vocabulary.load(year)
    proposals = []
    for order, spec in enumerate(data.get("goals", [])):
        goal = Goal.objects.create(
            plan=plan,
            level=spec["level"],
            number=str(spec.get("number") or ""),
            title=spec["title"].strip(),
            parent=by_title.get((spec.get("parent") or "").strip()),
            order=order,
            description=spec.get("description") or "",
            expected_result=spec.get("expected_result") or "",
            approach=spec.get("approach") or "",
            follow_up=spec.get("follow_up") or "",
        )
        by_title[goal.title] = goal
        for i, ind in enumerate(spec.get("indicators") or []):
            indicator = Indicator(
                goal=goal,
                name=ind["name"],
                kf_target=(ind.get("kf_target") or "")[:200],
                periodicity="ar" if str(ind.get("periodicity", "")).lower() == "år" else "tertial",
                direction=ind.get("direction") or "at_least",
                order=i,
            )
            try:
                apply_target(indicator, str(ind.get("target") or ""))
            except ValueError:
                apply_target(indicator, "")
                indicator.kf_target = indicator.kf_target or str(ind.get("target"))[:200]
            proposal = propose(indicator.name, vocabulary)
            if proposal is not None:
                indicator.measure, indicator.filters = proposal.measure, proposal.filters
            indicator.save()
            if proposal is not None:
                proposals.append(
                    MeasureProposal(
                        indicator=indicator,
                        measure=proposal.measure,
                        filters=proposal.filters,
                        explanation=proposal.explanation,
                        status=MeasureProposal.Status.ACCEPTED,
                        decided_at=timezone.now(),
                    )
                )
        for i, act in enumerate(spec.get("activities") or []):
            start, end = _date(act.get("start")), _date(act.get("end"))
            if start and end and end < start:
                start, end = end, start
            Activity.objects.create(
                goal=goal,
                text=act["text"],
                start=start,
                end=end,
                responsible=(act.get("responsible") or "")[:200],
                order=i,
            )
    MeasureProposal.objects.bulk_create(proposals)
    return plan


# Who answers for the demo plans' goals, in turn (demo users of assignments.demo.DEMO_USERS): the
# demo konsult and chef among them, so that logging in as either shows goals of one's own.
GOAL_RESPONSIBLES = ["chef", "konsult", "samordnare", "alva.berg", "leo.nord", "karin.mark", "bo.dahl"]
# Indicators about the staff (sick leave, the staff survey) are the head's, whoever has the goal.
HEAD_INDICATORS = re.compile(r"sjukfrånvaro|medarbetar|\bAMI\b|medskapande|arbetsmiljö", re.IGNORECASE)


def assign_responsibles(plan: Plan) -> int:
    """Give the plan's nämndmål and enhetsmål a responsible each, the staff indicators to the head,
    and the activities the users their initials name (services.link_responsibles). Only a plan
    whose goals have no responsible yet; returns how many goals got one."""
    from assignments.models import User

    from .services import link_responsibles

    if plan.goals.filter(responsible__isnull=False).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=GOAL_RESPONSIBLES + ["chef"])}
    people = [users[name] for name in GOAL_RESPONSIBLES if name in users]
    if not people:
        return 0
    goals = list(plan.goals.filter(level__in=[Goal.Level.NAMND, Goal.Level.ENHET]).order_by("order", "id"))
    for i, goal in enumerate(goals):
        goal.responsible = people[i % len(people)]
        goal.save(update_fields=["responsible"])
    head = users.get("chef")
    if head is not None:
        for indicator in Indicator.objects.filter(goal__plan=plan, measure=""):
            if HEAD_INDICATORS.search(indicator.name):
                indicator.responsible = head
                indicator.save(update_fields=["responsible"])
    link_responsibles(plan)
    return len(goals)


def set_demo_deadlines(plan: Plan) -> None:
    """The plan's rule (10 days after a tertial) and the annual report's own deadline in January."""
    from .models import TertialDeadline

    TertialDeadline.objects.get_or_create(
        plan=plan, tertial=3, defaults={"due_on": date(plan.year + 1, 1, 20)}
    )


ANALYSES = {
    "uppfyllt": "Målet är uppfyllt för perioden: {met} av {n} indikatorer med utfall når årsmålet. "
    "Arbetet fortsätter enligt planen.",
    "delvis": "Målet är delvis uppfyllt: {met} av {n} indikatorer med utfall når årsmålet. De {not_met} "
    "som ligger under följs upp med ansvariga till nästa tertial.",
    "ej": "Målet är inte uppfyllt ännu: ingen av de {n} indikatorer som har utfall når årsmålet. "
    "Åtgärder tas fram till nästa uppföljning.",
}


def assess_demo(plan: Plan, today: date) -> int:
    """Assessments with a short analysis for every goal with indicators measured against a target,
    for each tertial of the plan that has ended, as the responsibles would have written them (from
    the indicators' marks). Only for a plan with no assessments yet; returns how many."""
    from .models import GoalAssessment
    from .services import outcomes, tertial_period

    if GoalAssessment.objects.filter(goal__plan=plan).exists():
        return 0
    goals = list(plan.goals.prefetch_related("indicators"))
    made = []
    for tertial in (1, 2, 3):
        if tertial_period(plan.year, tertial).end >= today:
            break
        for goal in goals:
            indicators = list(goal.indicators.all())
            for indicator in indicators:
                indicator.goal = goal
            marks = [o.met for o in outcomes([(i, tertial) for i in indicators]) if o.met is not None]
            if not marks:
                continue
            met, n = sum(marks), len(marks)
            grade = "uppfyllt" if met == n else "ej" if not met else "delvis"
            analysis = ANALYSES[grade].format(met=met, n=n, not_met=n - met)
            made.append(GoalAssessment(goal=goal, tertial=tertial, assessment=grade, analysis=analysis))
    GoalAssessment.objects.bulk_create(made)
    return len(made)


def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    for path in sorted(DATA.glob("plan-*.yaml")):
        plan = load_plan(path)
        if plan is not None:
            computed = Indicator.objects.filter(goal__plan=plan).exclude(measure="").count()
            total = Indicator.objects.filter(goal__plan=plan).count()
            stdout(f"{plan}: {plan.goals.count()} mål, {total} indikatorer ({computed} räknas fram)")
    for plan in Plan.objects.filter(unit__isnull=True, year__lt=today.year):
        if assign_responsibles(plan):
            set_demo_deadlines(plan)
            stdout(f"{plan}: ansvariga och tidsfrister satta")
        if plan.year == today.year - 1 and (assessed := assess_demo(plan, today)):
            stdout(f"{plan}: {assessed} målbedömningar med analys")
    # This year's draft, copied from last year's plan as the unit would start it.
    last = Plan.objects.filter(year=today.year - 1, unit__isnull=True).first()
    if last and not Plan.objects.filter(year=today.year, unit__isnull=True).exists():
        from assignments.models import User

        from .services import copy_plan

        admin = User.objects.filter(role=User.Role.ADMIN).first()
        if admin:
            copy = copy_plan(last, to_year=today.year, by=admin)
            set_demo_deadlines(copy)
            stdout(f"{copy}: utkast kopierat från {last.year}, med ansvariga")
            if assessed := assess_demo(copy, today):
                stdout(f"{copy}: {assessed} målbedömningar med analys för tertialen som gått")
