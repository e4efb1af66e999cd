"""What the plan pages read: the plans, a plan's goal chain in order, a tertial's follow-up as a tree
(each goal with its light, counts, review status and what is not yet reported), the tertials'
deadlines and state, the plan's history."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from rekrytering.periods import tertial_of

from .labels import describe_filters, measure_label, package_names
from .models import (
    Activity,
    GoalAssessment,
    GoalReview,
    Indicator,
    Plan,
    PlanEvent,
    PlanImportJob,
    TertialLock,
)
from .services import Deadline, Missing, deadlines, goal_light, missing_items, outcomes
from .targets import format_target, format_value


def plan_list():
    return Plan.objects.select_related("unit").order_by("-year", "unit__name")


def recent_plan_imports(limit: int = 10):
    return PlanImportJob.objects.select_related("created_by", "unit", "plan")[:limit]


def locked_tertials(plan: Plan) -> set[int]:
    return set(TertialLock.objects.filter(plan=plan).values_list("tertial", flat=True))


def goal_tree(plan: Plan) -> list:
    """Goals in chain order: each goal followed by its children (`tree_depth` set), with their
    responsibles, indicators (and outcomes), activities (and follow-ups), assessments and reviews
    prefetched: a fixed number of queries however many goals the plan has."""
    goals = list(
        plan.goals.select_related("responsible").prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.select_related("responsible")),
            "indicators__outcomes",
            Prefetch("activities", queryset=Activity.objects.select_related("responsible_user")),
            "activities__follow_ups",
            Prefetch("assessments", queryset=GoalAssessment.objects.select_related("assessed_by")),
            Prefetch(
                "reviews", queryset=GoalReview.objects.select_related("updated_by", "ready_by", "approved_by")
            ),
        )
    )
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


def subtree(goals: list, root_pk: int) -> list:
    """The goal `root_pk` of goal_tree's list and the goals under it, in the same order."""
    start = next(i for i, goal in enumerate(goals) if goal.pk == root_pk)
    depth = goals[start].tree_depth
    end = start + 1
    while end < len(goals) and goals[end].tree_depth > depth:
        end += 1
    return goals[start:end]


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
    activities with their follow-up, its assessment and review. The computed outcomes are
    evaluated together (services.outcomes)."""
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
                    "stored": stored,
                    # e.g. that a value too large to keep was cleared (migration 0003)
                    "note": stored.explanation
                    if stored and not stored.frozen and not indicator.is_computed
                    else "",
                }
            )
        rows.append(
            {
                "goal": goal,
                "indicators": indicators,
                "activities": [
                    {
                        "activity": a,
                        "follow": next((f for f in a.follow_ups.all() if f.tertial == tertial), None),
                    }
                    for a in goal.activities.all()
                ],
                "assessed": next((a for a in goal.assessments.all() if a.tertial == tertial), None),
                "review": next((r for r in goal.reviews.all() if r.tertial == tertial), None),
            }
        )
    return rows


@dataclass
class FollowUp:
    """A tertial's follow-up of a plan, as a tree: `rows` in chain order (each row's `children`
    are rows too), `roots` the top goals."""

    plan: Plan
    tertial: int
    locked: bool
    deadline: Deadline
    rows: list
    roots: list
    missing: list[Missing]
    people: dict = field(default_factory=dict)  # user id: user, everyone named as responsible
    counts: dict = field(default_factory=dict)

    def missing_of(self, user) -> list[dict]:
        """What `user` has left to report, per goal: [{"row": row, "items": [label, ...]}]."""
        mine = {}
        for item in self.missing:
            if item.person == user.pk:
                mine.setdefault(item.goal.pk, []).append(item.label)
        return [{"row": row, "items": mine[row["goal"].pk]} for row in self.rows if row["goal"].pk in mine]


def follow_up(plan: Plan, tertial: int, *, goals: list | None = None, only: int | None = None) -> FollowUp:
    """The tertial's follow-up of the plan (`only`: the goal of that id and those under it). Each
    row gets its review `status` (approved for all once the tertial is locked), `version`, its
    `light` (services.goal_light from its assessment and its indicators' marks, or the marks of
    the goals under it), the counts `met`/`not_met`/`no_mark` and `missing` per person."""
    goals = goal_tree(plan) if goals is None else goals
    if only is not None:
        goals = subtree(goals, only)
    locked = TertialLock.objects.filter(plan=plan, tertial=tertial).exists()
    rows = follow_up_rows(goals, tertial)
    by_pk = {row["goal"].pk: row for row in rows}
    roots = []
    for row in rows:
        goal, review = row["goal"], row["review"]
        row["depth"] = goal.tree_depth
        row["children"] = []
        row["status"] = GoalReview.Status.GODKAND if locked else (review.status if review else "utkast")
        row["version"] = review.version if review else 0
        marks = [item["result"].met for item in row["indicators"]]
        row["met"], row["not_met"] = marks.count(True), marks.count(False)
        row["no_mark"] = len(marks) - row["met"] - row["not_met"]
        parent = by_pk.get(goal.parent_id)
        (parent["children"] if parent else roots).append(row)
    statuses = {row["goal"].pk: row["status"] for row in rows}
    missing = missing_items(goals, tertial, statuses)
    people = _people(goals)

    def light(row) -> tuple[int, int]:
        met, not_met = row["met"], row["not_met"]
        below = [light(child) for child in row["children"]]
        below_met, below_not = sum(m for m, _n in below), sum(n for _m, n in below)
        assessed = row["assessed"].assessment if row["assessed"] else None
        if row["indicators"]:
            row["light"] = goal_light(assessed, met, not_met)
        else:
            row["light"] = goal_light(assessed, below_met, below_not, below=True)
            row["below"] = {"met": below_met, "not_met": below_not}
        return met + below_met, not_met + below_not

    for root in roots:
        light(root)
    per_goal = {}
    for item in missing:
        per_goal.setdefault(item.goal.pk, {}).setdefault(item.person, []).append(item.label)
    for row in rows:
        row["missing"] = [
            {"person": people.get(person), "items": labels}
            for person, labels in sorted(
                per_goal.get(row["goal"].pk, {}).items(), key=lambda pair: str(people.get(pair[0], ""))
            )
        ]
    counts = {
        "goals": len(rows),
        "met": sum(row["met"] for row in rows),
        "not_met": sum(row["not_met"] for row in rows),
        "no_mark": sum(row["no_mark"] for row in rows),
        "missing": len(missing),
        **{status: sum(row["status"] == status for row in rows) for status in GoalReview.Status.values},
    }
    return FollowUp(
        plan=plan,
        tertial=tertial,
        locked=locked,
        deadline=deadlines(plan)[tertial],
        rows=rows,
        roots=roots,
        missing=missing,
        people=people,
        counts=counts,
    )


def _people(goals) -> dict:
    people = {}
    for goal in goals:
        if goal.responsible:
            people[goal.responsible.pk] = goal.responsible
        for indicator in goal.indicators.all():
            if indicator.responsible:
                people[indicator.responsible.pk] = indicator.responsible
        for activity in goal.activities.all():
            if activity.responsible_user:
                people[activity.responsible_user.pk] = activity.responsible_user
    return people


def shown_tertial(plan: Plan, today) -> int | None:
    """The tertial the plan page shows its lights for: the current one during the plan's year, T3
    after it, none before it starts."""
    if plan.year < today.year:
        return 3
    if plan.year == today.year:
        return tertial_of(today)
    return None


def tertials(plan: Plan) -> list[dict]:
    """Each tertial's deadline, lock and how many goals stand where in the review."""
    due = deadlines(plan)
    locked = locked_tertials(plan)
    total = plan.goals.count()
    counts = {}
    for row in GoalReview.objects.filter(goal__plan=plan).values("tertial", "status").annotate(n=Count("id")):
        counts.setdefault(row["tertial"], {})[row["status"]] = row["n"]
    result = []
    for tertial in (1, 2, 3):
        mine = counts.get(tertial, {})
        ready = mine.get("klar", 0)
        approved = total if tertial in locked else mine.get("godkand", 0)
        result.append(
            {
                "tertial": tertial,
                "deadline": due[tertial],
                "locked": tertial in locked,
                "ready": 0 if tertial in locked else ready,
                "approved": approved,
                "total": total,
            }
        )
    return result


def plan_history(plan: Plan, limit: int = 100) -> list[PlanEvent]:
    return list(PlanEvent.objects.filter(plan=plan).select_related("goal", "by")[:limit])


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
