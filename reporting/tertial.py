"""What the tertial report says, shared by its two files: the workbook (workbook.py) and the Word
document (document.py).

The figures are the dashboard's (dashboard.build, for the period the report covers: cumulative from
January as the city reports), so the report and the page agree; here they are only arranged: the
key figures with their Swedish names and kinds of number, the tables that have a chart, and the
plan's goals in goal-chain order, each with its assessment and analysis for the tertial, its
indicators against their targets and its activities with their status and comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from planning.models import Activity, Goal, GoalAssessment, Indicator
from planning.selectors import goal_tree, outcome_text
from rekrytering.charts import Table
from rekrytering.numbers import NBSP, format_number
from rekrytering.periods import CUMULATIVE, Period, period

from . import dashboard
from .figures import COUNT_KEYS, KEY_FIGURES, Scope

MONTHS_COVERED = {1: "januari–april", 2: "januari–augusti", 3: "januari–december"}
# The dashboard's tables that have a chart, in the order the report shows them.
CHART_TABLES = [
    "paket",
    "organisationstyp",
    "verksamhet",
    "intakter-manad",
    "intakter-ackumulerat",
    "tid-paket",
    "aktiviteter",
]
NOT_ASSESSED = "Ej bedömt"


def title(year: int, tertial: int) -> str:
    return f"Tertialrapport {tertial} {year}"


def period_words(chosen: Period) -> str:
    """`januari–augusti 2026`."""
    return f"{MONTHS_COVERED[chosen.tertial]} {chosen.year}"


def period_text(chosen: Period) -> str:
    """`januari–augusti 2026 (2026-01-01–2026-08-31)`."""
    return f"{period_words(chosen)} ({chosen.start:%Y-%m-%d}–{chosen.end:%Y-%m-%d})"


def report_period(year: int, tertial: int) -> Period:
    return period(year, CUMULATIVE[tertial])


def report_data(year: int, tertial: int, today: date | None = None) -> dict:
    """The dashboard's figures for the period the report covers. Today's date as on the
    dashboard: the forecast for the year is made from it."""
    return dashboard.build(Scope(report_period(year, tertial)), today or timezone.localdate())


# --- Key figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    key: str  # the summary API's key, never shown
    label: str
    value: Decimal | int | None
    kind: str  # "count", "kr", "pct" or "dec": how it is written

    @property
    def text(self) -> str:
        """As the dashboard writes it: `14 680 650 kr`, `98,7 %`, `9,4`; "–" for no data."""
        if self.value is None:
            return "–"
        if self.kind == "kr":
            return f"{format_number(self.value, 0)}{NBSP}kr"
        if self.kind == "pct":
            return f"{format_number(self.value, 1)}{NBSP}%"
        if self.kind == "dec":
            return format_number(self.value, 1)
        return format_number(self.value)


UNIT_SUFFIXES = {" (kr)": "kr", " (%)": "pct"}


def key_figures(keys: dict) -> list[KeyFigure]:
    """The summary's figures (reporting.figures.KEY_FIGURES) with their Swedish names; the unit
    the name ends with is left to the number's format."""
    rows = []
    for key, label in KEY_FIGURES:
        kind = "count" if key in COUNT_KEYS else "dec"
        for suffix, unit in UNIT_SUFFIXES.items():
            if label.endswith(suffix):
                label, kind = label.removesuffix(suffix), unit
        value = keys[key]
        if kind == "count" and value is not None:
            value = int(value)
        rows.append(KeyFigure(key, label, value, kind))
    return rows


def chart_tables(tables: dict[str, Table]) -> list[Table]:
    """The dashboard's tables with a chart and rows to draw it from, in the report's order."""
    return [tables[key] for key in CHART_TABLES if key in tables and tables[key].chart and tables[key].rows]


# --- The plan's goals ------------------------------------------------------------------------


@dataclass
class IndicatorLine:
    indicator: Indicator
    target: str  # as the plan writes it, e.g. "97 %"
    value: Decimal | None  # the outcome as a number, when it is one
    value_text: str  # the outcome as written, e.g. "96,5 %" or "Ja"
    mark: str  # "✓ Uppfyllt", "✗ Ej uppfyllt" or "– Ej bedömt": not colour alone
    explanation: str


@dataclass
class ActivityLine:
    activity: Activity
    status: str
    comment: str


@dataclass
class GoalSection:
    goal: Goal
    depth: int  # 0 for the top of the chain
    assessment: GoalAssessment | None
    indicators: list[IndicatorLine] = field(default_factory=list)
    activities: list[ActivityLine] = field(default_factory=list)

    @property
    def level(self) -> str:
        return str(self.goal.get_level_display())

    @property
    def heading(self) -> str:
        return f"{self.goal.number} {self.goal.title}".strip()

    @property
    def assessment_text(self) -> str:
        return str(self.assessment.get_assessment_display()) if self.assessment else NOT_ASSESSED

    @property
    def analysis(self) -> str:
        return self.assessment.analysis if self.assessment else ""

    @property
    def met_text(self) -> str:
        """`2 av 3 uppfyllda` over the indicators that have a target to meet."""
        judged = [line for line in self.indicators if not line.mark.startswith("–")]
        if not judged:
            return ""
        met = sum(1 for line in judged if line.mark.startswith("✓"))
        return f"{met} av {len(judged)} uppfyllda"


def goal_sections(plan: dict | None, tertial: int) -> list[GoalSection]:
    """The plan's goals in goal-chain order, from the dashboard's plan figures (`dashboard.build`'s
    `plan`: the indicators' outcomes are computed there once) and the goal tree."""
    if not plan:
        return []
    outcomes = {item["indicator"].pk: item for item in plan["indicators"]}
    statuses = {k: str(v) for k, v in Activity.Status.choices}
    sections = []
    for goal in goal_tree(plan["plan"]):
        assessment = next((a for a in goal.assessments.all() if a.tertial == tertial), None)
        section = GoalSection(goal, goal.tree_depth, assessment)
        for indicator in goal.indicators.all():
            item = outcomes.get(indicator.pk)
            if item is None:  # added since the figures were read
                continue
            target, value, mark = dashboard.indicator_cells(item)
            result = item["outcome"]
            section.indicators.append(
                IndicatorLine(
                    indicator=indicator,
                    target=target or "",
                    value=value if isinstance(value, Decimal) else None,
                    value_text=outcome_text(result, indicator.target_unit),
                    mark=mark,
                    explanation=result.explanation or "",
                )
            )
        for activity in goal.activities.all():
            follow = next((f for f in activity.follow_ups.all() if f.tertial == tertial), None)
            section.activities.append(
                ActivityLine(
                    activity=activity,
                    status=statuses[follow.status if follow else activity.status],
                    comment=follow.comment if follow else "",
                )
            )
        sections.append(section)
    return sections
