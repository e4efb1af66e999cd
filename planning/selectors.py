"""What the plan pages read: the plans, a plan's goal chain in order, a tertial's follow-up rows."""

from .labels import describe_filters, measure_label, package_names
from .models import Plan, PlanImportJob, TertialLock
from .services import outcomes
from .targets import format_target, format_value


def plan_list():
    return Plan.objects.select_related("unit").order_by("-year", "unit__name")


def recent_plan_imports(limit: int = 10):
    return PlanImportJob.objects.select_related("created_by", "unit", "plan")[:limit]


def locked_tertials(plan: Plan) -> set[int]:
    return set(TertialLock.objects.filter(plan=plan).values_list("tertial", flat=True))


def goal_tree(plan: Plan) -> list:
    """Goals in chain order: each goal followed by its children (`tree_depth` set), with their
    indicators (and outcomes), activities (and follow-ups) and assessments prefetched."""
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


def plan_goals(plan: Plan) -> list:
    """The goal tree for the plan page, each indicator with its target and measure in Swedish."""
    goals = goal_tree(plan)
    packages = package_names()
    for goal in goals:
        for indicator in goal.indicators.all():
            indicator.target_text = format_target(indicator)
            indicator.measure_label = measure_label(indicator.measure)
            indicator.filters_text = describe_filters(indicator.filters, packages=packages)
    return goals


def outcome_text(result, unit: str = "") -> str:
    if result.value_yes is not None:
        return "Ja" if result.value_yes else "Nej"
    return format_value(result.value, unit)


def follow_up_rows(goals: list, tertial: int) -> list[dict]:
    """Per goal of `goal_tree`: its indicators with target and outcome to the tertial, its
    activities. The computed outcomes are evaluated together (services.outcomes)."""
    pairs = [
        (indicator, next((o for o in indicator.outcomes.all() if o.tertial == tertial), None))
        for goal in goals
        for indicator in goal.indicators.all()
    ]
    results = dict(
        zip(
            (indicator.pk for indicator, _stored in pairs),
            outcomes((indicator, tertial, stored) for indicator, stored in pairs),
            strict=True,
        )
    )
    stored_of = {indicator.pk: stored for indicator, stored in pairs}
    rows = []
    for goal in goals:
        indicators = []
        for indicator in goal.indicators.all():
            stored, result = stored_of[indicator.pk], results[indicator.pk]
            indicators.append(
                {
                    "indicator": indicator,
                    "target": format_target(indicator),
                    "result": result,
                    "value_text": outcome_text(result, indicator.target_unit),
                    # e.g. that a value too large to keep was cleared (migration 0003)
                    "note": stored.explanation
                    if stored and not stored.frozen and not indicator.is_computed
                    else "",
                }
            )
        rows.append({"goal": goal, "indicators": indicators, "activities": list(goal.activities.all())})
    return rows


def measure_proposals(plan: Plan, today) -> dict:
    """The plan's proposed measures in the plan's order, each with what it would give for the
    year so far (today's year: a plan made before its year has no data of its own yet), and the
    indicators no proposal was found for."""
    from rekrytering.numbers import format_number
    from rekrytering.periods import default_period

    from .measures import compute_all
    from .models import Indicator, MeasureProposal

    proposals = list(
        MeasureProposal.objects.filter(indicator__goal__plan=plan)
        .select_related("indicator__goal")
        .order_by("indicator__goal__order", "indicator__goal_id", "indicator__order", "indicator_id")
    )
    now = default_period(today)
    values = compute_all((p.measure, now, p.filters, None) for p in proposals)
    names = package_names()
    rows = []
    for proposal, value in zip(proposals, values, strict=True):
        label = measure_label(proposal.measure)
        unit = next((u for u in ("%", "kr", "h") if label.endswith(f"({u})")), "")
        shown = format_number(value.value) if value.value is not None else ""
        rows.append(
            {
                "proposal": proposal,
                "indicator": proposal.indicator,
                "goal": proposal.indicator.goal,
                "measure": label,
                "selection": describe_filters(proposal.filters, packages=names),
                "value": f"{shown} {unit}".strip() if shown else "",
                "value_note": value.explanation,
            }
        )
    without = Indicator.objects.filter(goal__plan=plan, measure="", proposal__isnull=True).select_related(
        "goal"
    )
    return {
        "rows": rows,
        "pending": sum(1 for row in rows if row["proposal"].status == MeasureProposal.Status.PROPOSED),
        "without": list(without.order_by("goal__order", "goal_id", "order", "id")),
        "period": now,
    }
