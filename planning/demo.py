"""Demo plans: the department's 2024 and 2025 plans as transcribed from the source plans
(planning/data/plan-YEAR.yaml), each indicator bound to the measure planning.binding proposes from
its wording (the proposals recorded as accepted), as an administrator accepting them all would.

Called by `load_demo` after the other apps' demo data; idempotent.
"""

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


def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    for path in sorted(DATA.glob("plan-*.yaml")):
        plan = load_plan(path)
        if plan is not None:
            computed = Indicator.objects.filter(goal__plan=plan).exclude(measure="").count()
            total = Indicator.objects.filter(goal__plan=plan).count()
            stdout(f"{plan}: {plan.goals.count()} mål, {total} indikatorer ({computed} räknas fram)")
    # This year's draft, copied from last year's plan as the unit would start it.
    last = Plan.objects.filter(year=today.year - 1, unit__isnull=True).first()
    if last and not Plan.objects.filter(year=today.year, unit__isnull=True).exists():
        from assignments.models import User

        from .services import copy_plan

        admin = User.objects.filter(role=User.Role.ADMIN).first()
        if admin:
            copy = copy_plan(last, to_year=today.year, by=admin)
            stdout(f"{copy}: utkast kopierat från {last.year}")
