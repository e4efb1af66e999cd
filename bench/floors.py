"""The floors: each measured page's figures computed with plain SQL and nothing else.

A page's floor is its own work without the framework: exactly the figures the page shows, fetched
with a few straightforward PostgreSQL queries written here and arranged in plain Python. It is the
denominator of the page's ratio, so it must be the page's work — no figure fewer, none more — and
the bench checks, before it times them, that a floor's figures equal the page's (bench.pages).

The queries are the floor's own: it calls nothing of the app that reads the database. What it
shares with the app are the definitions that take plain numbers — the survey figures with their
thresholds and rounding (surveys.metrics), the budget's spread over the months
(assignments.figures.budget_months), a ratio's rounding (assignments.figures.ratio,
mean_hours), whether an outcome meets its target (planning.targets) — the period bounds
(rekrytering.periods), the models' labels and the question catalogue. Which figure is settled how
(entered outcome over counted, the forecast's parts) is written out here, so a page that changes
its definitions shows up as a mismatch.

PostgreSQL only (FILTER, DISTINCT ON, = ANY).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from assignments.figures import MONTHS, budget_months, mean_hours, ratio
from assignments.models import Assignment, Organisation, User
from planning.models import Activity, GoalAssessment
from planning.services import tertial_period
from planning.targets import format_target, is_met
from rekrytering.periods import Period, month_start, period
from surveys import metrics
from surveys.models import ANONYMOUS_KINDS, Kind, Question
from surveys.questionnaires import published, question_specs
from surveys.selectors import MAIN_QUESTION, SENT_STATES

ZERO = Decimal(0)
CLOSED = Assignment.Status.AVSLUTAD.value
HEAD_KINDS = [Kind.KUND.value, Kind.KANDIDAT.value, Kind.MATCHNING.value]
ALL_KINDS = [kind.value for kind in Kind]
ANONYMOUS = [kind.value for kind in ANONYMOUS_KINDS]
KIND_LABELS = {value: str(label) for value, label in Organisation.Kind.choices}
SURVEY_LABELS = {value: str(label) for value, label in Kind.choices}
REPORT_SHEETS = {
    Kind.KUND.value: "Kundenkät",
    Kind.KANDIDAT.value: "Kandidatenkät",
    Kind.MATCHNING.value: "Matchning",
}
NO_SECTOR = "Ej angiven"
MARKS = {True: "✓ Uppfyllt", False: "✗ Ej uppfyllt", None: "– Ej bedömt"}
SURVEY_MEASURES = [
    ("Svar", "responses"),
    ("Svarsfrekvens (%)", "response_rate"),
    ("NPS", "nps"),
    ("Andel nöjda (%)", "share_satisfied"),
    ("Snittbetyg", "mean"),
]
COMMENT_LIMIT = 30


def _sum(values):
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def _dec(value):
    return None if value is None else Decimal(str(value))


def _share(part, whole):
    return _dec(metrics.share_from_counts(part, whole))


def _rows(cursor, sql: str, params=None) -> list[tuple]:
    cursor.execute(sql, params or {})
    return cursor.fetchall()


def _span(p: Period, prefix: str = "") -> dict:
    first, after = p.moments
    return {f"{prefix}start": p.start, f"{prefix}end": p.end, f"{prefix}from": first, f"{prefix}to": after}


# --- What an assignment brings in ----------------------------------------------------------

# The hourly rate of each price list: its first hourly package by name, as the app picks it.
RATE = """
    rate AS (
        SELECT DISTINCT ON (price_list_id) price_list_id, price
          FROM assignments_package
         WHERE is_hourly_rate
         ORDER BY price_list_id, name
    )"""
AGREED = "(a.price + a.extra_hours * COALESCE(rate.price, 0))"
INVOICED = f"COALESCE(a.invoiced_amount, {AGREED})"
WITH_RATE = """
      FROM assignments_assignment a
      JOIN assignments_package p ON p.id = a.package_id
      LEFT JOIN rate ON rate.price_list_id = p.price_list_id"""


# --- Assignments ---------------------------------------------------------------------------

PER_PACKAGE = """
    SELECT p.code, MAX(p.name),
           COUNT(*) FILTER (WHERE a.ordered_on BETWEEN %(start)s AND %(end)s),
           COUNT(*) FILTER (WHERE a.closed_on BETWEEN %(start)s AND %(end)s),
           COUNT(*) FILTER (WHERE a.ordered_on BETWEEN %(start)s AND %(end)s AND NOT a.personal_letter),
           COUNT(*) FILTER (WHERE a.ordered_on BETWEEN %(start)s AND %(end)s AND a.screening)
      FROM assignments_assignment a
      JOIN assignments_package p ON p.id = a.package_id
     WHERE a.ordered_on BETWEEN %(start)s AND %(end)s OR a.closed_on BETWEEN %(start)s AND %(end)s
     GROUP BY p.code
"""
PER_KIND_AND_SECTOR = """
    SELECT o.kind, s.name, COUNT(*)
      FROM assignments_assignment a
      JOIN assignments_organisation o ON o.id = a.organisation_id
      LEFT JOIN assignments_sector s ON s.id = a.sector_id
     WHERE a.ordered_on BETWEEN %(start)s AND %(end)s
     GROUP BY 1, 2
"""
NEW_MANAGERS = """
    SELECT COUNT(*) FROM (
        SELECT manager_id FROM assignments_assignment
         GROUP BY manager_id HAVING MIN(ordered_on) BETWEEN %(start)s AND %(end)s
    ) first_orders
"""
YEAR_PACKAGES = """
    SELECT p.code, p.name, p.standard_hours
      FROM assignments_package p JOIN assignments_pricelist pl ON pl.id = p.price_list_id
     WHERE pl.year = %(year)s
"""


def _year_packages(cursor, year: int) -> dict:
    return {code: (name, hours) for code, name, hours in _rows(cursor, YEAR_PACKAGES, {"year": year})}


def _assignments(cursor, p: Period, packages: dict) -> dict:
    span = _span(p)
    rows, totals = [], [0, 0, 0, 0]
    for code, name, ordered, closed, without_letter, screening in _rows(cursor, PER_PACKAGE, span):
        rows.append([packages[code][0] if code in packages else name, code, ordered, closed])
        for i, n in enumerate((ordered, closed, without_letter, screening)):
            totals[i] += n
    rows.sort(key=lambda r: (-r[2], r[0]))
    per_kind, per_sector = defaultdict(int), defaultdict(int)
    for kind, sector, n in _rows(cursor, PER_KIND_AND_SECTOR, span):
        per_kind[KIND_LABELS.get(kind, kind)] += n
        per_sector[sector or NO_SECTOR] += n
    (new_managers,) = _rows(cursor, NEW_MANAGERS, span)[0]
    return {
        "ordered": totals[0],
        "closed": totals[1],
        "share_without_letter": _share(totals[2], totals[0]),
        "share_screening": _share(totals[3], totals[0]),
        "new_managers": new_managers,
        "per_package": rows,
        "per_kind": sorted(([k, n] for k, n in per_kind.items()), key=lambda r: (-r[1], r[0])),
        "per_sector": sorted(([k, n] for k, n in per_sector.items()), key=lambda r: (-r[1], r[0])),
    }


# --- Economy -------------------------------------------------------------------------------

# Intäkter by day kind (invoiced by invoice date, booked by close date), year and month, and
# whether the day falls on or before the forecast's cut (today this year, the same day last year).
REVENUE = f"""
    WITH {RATE},
    dated AS (
        SELECT 'invoiced' AS what, a.invoiced_on AS day, {INVOICED} AS amount {WITH_RATE}
         WHERE a.invoiced_on BETWEEN %(first)s AND %(last)s
        UNION ALL
        SELECT 'booked', a.closed_on, {AGREED} {WITH_RATE}
         WHERE a.closed_on BETWEEN %(first)s AND %(last)s AND a.invoiced_on IS NULL
           AND a.status = %(closed)s
    )
    SELECT what, EXTRACT(YEAR FROM day)::int, EXTRACT(MONTH FROM day)::int,
           CASE EXTRACT(YEAR FROM day)::int WHEN %(this_year)s THEN day <= %(today)s
                                            WHEN %(this_year)s - 1 THEN day <= %(last_day)s END,
           SUM(amount)
      FROM dated GROUP BY 1, 2, 3, 4
"""
ONGOING = """
    SELECT COALESCE(SUM(price), 0) FROM assignments_assignment
     WHERE ordered_on <= %(today)s AND closed_on IS NULL AND status <> %(closed)s
"""
FINANCE = """
    SELECT 'budget', year, NULL::int, revenue, costs, ftes FROM assignments_budget
     WHERE year BETWEEN %(first_year)s AND %(last_year)s
    UNION ALL
    SELECT 'outcome', year, NULL, revenue, costs, ftes FROM reporting_yearoutcome
     WHERE year BETWEEN %(first_year)s AND %(last_year)s
    UNION ALL
    SELECT 'cost', year, month, amount, NULL, NULL FROM reporting_monthlycost
     WHERE year BETWEEN %(first_year)s AND %(last_year)s
"""


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Finance:
    budgets: dict = field(default_factory=dict)  # year → (revenue, costs, ftes)
    outcomes: dict = field(default_factory=dict)  # year → (revenue, costs, ftes)
    costs: dict = field(default_factory=dict)  # year → {month: amount}


def _finance(cursor, first_year: int, last_year: int) -> Finance:
    fin = Finance()
    for what, year, month, a, b, c in _rows(
        cursor, FINANCE, {"first_year": first_year, "last_year": last_year}
    ):
        if what == "budget":
            fin.budgets[year] = (a, b, c)
        elif what == "outcome":
            fin.outcomes[year] = (a, b, c)
        else:
            fin.costs.setdefault(year, {})[month] = a
    return fin


@dataclass
class Revenue:
    """Invoiced and booked per (year, month), and the forecast's sums around its cut."""

    invoiced: dict = field(default_factory=dict)
    booked: dict = field(default_factory=dict)
    years: dict = field(default_factory=dict)  # year → intäkter
    early: dict = field(default_factory=dict)  # year → intäkter on or before the cut
    late: dict = field(default_factory=dict)  # year → intäkter after it


def _revenue(cursor, first_year: int, last_year: int, today: date) -> Revenue:
    params = {
        "first": date(first_year, 1, 1),
        "last": date(last_year, 12, 31),
        "closed": CLOSED,
        "this_year": today.year,
        "today": today,
        "last_day": _same_day_last_year(today),
    }
    found = Revenue()
    for what, year, month, early, amount in _rows(cursor, REVENUE, params):
        target = found.invoiced if what == "invoiced" else found.booked
        target[year, month] = target.get((year, month), ZERO) + amount
        found.years[year] = found.years.get(year, ZERO) + amount
        side = found.early if early else found.late
        side[year] = side.get(year, ZERO) + amount
    return found


def _cost_months(year: int, today: date, fin: Finance) -> list:
    budget = fin.budgets.get(year)
    spread = budget_months(budget[1] if budget else None)
    entered = fin.costs.get(year, {})
    return [
        entered.get(m, spread[m - 1] if (year, m) < (today.year, today.month) else None) for m in range(1, 13)
    ]


def _settle(year: int, whole_year: bool, today: date, revenue, costs, fin: Finance) -> dict:
    """A closed year's entered outcome replaces each counted figure it gives."""
    budget = fin.budgets.get(year)
    ftes = budget[2] if budget else None
    entered = []
    outcome = fin.outcomes.get(year) if whole_year and year < today.year else None
    if outcome is not None:
        for i, name in enumerate(("revenue", "costs", "ftes")):
            if outcome[i] is not None:
                entered.append(name)
        revenue = outcome[0] if outcome[0] is not None else revenue
        costs = outcome[1] if outcome[1] is not None else costs
        ftes = outcome[2] if outcome[2] is not None else ftes
    return {
        "revenue": revenue,
        "costs": costs,
        "ftes": ftes,
        "revenue_per_fte": ratio(revenue, ftes, "1"),
        "result": None if revenue is None or costs is None else revenue - costs,
        "entered": sorted(entered),
    }


def _months(year: int, end_month: int, today: date, found: Revenue, fin: Finance) -> list[dict]:
    budget = fin.budgets.get(year)
    revenue_budget = budget_months(budget[0] if budget else None)
    costs = _cost_months(year, today, fin)
    last = end_month if year < today.year else (min(end_month, today.month) if year == today.year else 0)
    months, cumulative, cumulative_budget = [], ZERO, ZERO
    for m in range(1, 13):
        inv, bok = found.invoiced.get((year, m)), found.booked.get((year, m))
        revenue = None if inv is None and bok is None else (inv or ZERO) + (bok or ZERO)
        cumulative += revenue or ZERO
        if revenue_budget[m - 1] is not None:
            cumulative_budget += revenue_budget[m - 1]
        months.append(
            {
                "month": MONTHS[m - 1],
                "invoiced": inv,
                "booked": bok,
                "revenue": revenue,
                "budget": revenue_budget[m - 1],
                "cumulative": cumulative if m <= last else None,
                "cumulative_budget": cumulative_budget if revenue_budget[m - 1] is not None else None,
                "costs": costs[m - 1],
            }
        )
    return months


def _forecast(cursor, year: int, today: date, found: Revenue, fin: Finance, whole_year) -> dict:
    """*Prognos helår* as of today, whatever the period."""
    if year > today.year:
        return {"value": None, "so_far": None, "ongoing": None, "remaining": None, "factor": None}
    if year < today.year:
        value = _settle(year, True, today, whole_year, None, fin)["revenue"]
        return {"value": value, "so_far": None, "ongoing": None, "remaining": None, "factor": None}
    (ongoing,) = _rows(cursor, ONGOING, {"today": today, "closed": CLOSED})[0]
    so_far, same = found.early.get(year, ZERO), found.early.get(year - 1, ZERO)
    rest = found.late.get(year - 1, ZERO)
    if not (so_far or same or rest or ongoing):
        return {"value": None, "so_far": None, "ongoing": None, "remaining": None, "factor": None}
    factor = (so_far / same) if same else None
    remaining = (rest * factor) if factor is not None else ZERO
    return {
        "value": (so_far + ongoing + remaining).quantize(Decimal("1")),
        "so_far": so_far,
        "ongoing": ongoing,
        "remaining": remaining.quantize(Decimal("1")),
        "factor": None if factor is None else factor.quantize(Decimal("0.001")),
    }


def _economy(cursor, p: Period, today: date, *, years: int = 1, forecast: bool = True) -> dict:
    """The department's economy of a period within one year, the `years`-long yearly summary to it
    and the forecast."""
    year = p.year
    first_year = year - years + 1
    if forecast and year == today.year:
        first_year = min(first_year, year - 1)
    fin = _finance(cursor, year - years + 1, year)
    found = _revenue(cursor, first_year, year, today)
    months = _months(year, p.end.month, today, found, fin)
    shown = months[p.start.month - 1 : p.end.month]
    whole_year = (p.start, p.end) == (date(year, 1, 1), date(year, 12, 31))
    settled = _settle(
        year, whole_year, today, _sum(m["revenue"] for m in shown), _sum(m["costs"] for m in shown), fin
    )
    budget = fin.budgets.get(year)
    prognosis = (
        _forecast(cursor, year, today, found, fin, _sum(m["revenue"] for m in months)) if forecast else None
    )
    summary = []
    for y in range(year - years + 1, year + 1):
        b = fin.budgets.get(y)
        summary.append(
            {"year": y, "revenue_budget": b[0] if b else None, "costs_budget": b[1] if b else None}
            | _settle(y, True, today, found.years.get(y), _sum(_cost_months(y, today, fin)), fin)
        )
    return {
        "months": months,
        "invoiced": _sum(m["invoiced"] for m in shown),
        "booked": _sum(m["booked"] for m in shown),
        "budget": _sum(m["budget"] for m in shown),
        "budget_year": budget[0] if budget else None,
        "forecast": prognosis,
        "summary": summary,
        **settled,
    }


def _year_rows(summary: list[dict]) -> list[list]:
    """The dashboard's yearly summary (its source column left out) with its average row."""
    rows = [
        [
            str(r["year"]),
            r["ftes"],
            r["revenue_budget"],
            r["revenue"],
            r["revenue_per_fte"],
            r["costs_budget"],
            r["costs"],
            r["result"],
        ]
        for r in summary
        if any(r[k] is not None for k in ("ftes", "revenue_budget", "revenue", "costs"))
    ]

    def mean(key):
        values = [r[key] for r in summary if r[key] is not None]
        return (sum(values, ZERO) / len(values)).quantize(Decimal("1")) if values else None

    rows.append(
        ["Genomsnitt", None, None, mean("revenue"), mean("revenue_per_fte"), None, None, mean("result")]
    )
    return rows


# --- Time ----------------------------------------------------------------------------------

HOURS_ON_CLOSED = """
    SELECT p.code, SUM(t.hours)
      FROM assignments_timeentry t
      JOIN assignments_assignment a ON a.id = t.assignment_id
      JOIN assignments_package p ON p.id = a.package_id
     WHERE a.closed_on BETWEEN %(start)s AND %(end)s
     GROUP BY p.code ORDER BY p.code
"""
HOURS_PER_USER = """
    SELECT t.user_id, SUM(t.hours), SUM(t.hours) FILTER (WHERE t.assignment_id IS NOT NULL),
           SUM(t.hours) FILTER (WHERE c.is_absence)
      FROM assignments_timeentry t
      LEFT JOIN assignments_timecategory c ON c.id = t.category_id
     WHERE t.date BETWEEN %(start)s AND %(end)s
       AND (t.date <= %(today)s OR c.is_absence IS NOT TRUE)
     GROUP BY t.user_id
"""


def _time(cursor, p: Period, packages: dict, closed_per_code: dict, today: date) -> dict:
    span = _span(p)
    rows = []
    for code, hours in _rows(cursor, HOURS_ON_CLOSED, span):
        name, standard = packages.get(code, (code, None))
        closed = closed_per_code.get(code, 0)
        rows.append([name, closed, hours, mean_hours(hours, closed), standard])
    per_user = {
        user: (total, on, away)
        for user, total, on, away in _rows(cursor, HOURS_PER_USER, span | {"today": today})
    }
    total = sum((t or ZERO for t, _on, _away in per_user.values()), ZERO)
    on_assignments = sum((on or ZERO for _t, on, _away in per_user.values()), ZERO)
    absence = sum((away or ZERO for _t, _on, away in per_user.values()), ZERO)
    return {
        "per_package": rows,
        "per_user": per_user,
        "share_assignment_time": _share(on_assignments, total - absence),
    }


# --- Surveys -------------------------------------------------------------------------------

COUNTED = "(r.kind <> ALL(%(anonymous)s) OR r.answered_on < %(counted_before)s)"
IN_PERIODS = """(r.{day} BETWEEN %(start)s AND %(end)s
                 OR (%(previous)s AND r.{day} BETWEEN %(before_start)s AND %(before_end)s))"""
SURVEY_COUNTS = f"""
    SELECT 'responses', r.kind, r.answered_on >= %(start)s, r.consultant_id, COUNT(*)
      FROM surveys_response r
     WHERE r.kind = ANY(%(kinds)s) AND {IN_PERIODS.format(day="answered_on")} AND {COUNTED}
     GROUP BY 2, 3, 4
    UNION ALL
    SELECT 'answered', r.kind, r.sent_in >= %(start)s, NULL, COUNT(*)
      FROM surveys_response r
     WHERE r.kind = ANY(%(kinds)s) AND {IN_PERIODS.format(day="sent_in")} AND {COUNTED}
     GROUP BY 2, 3
    UNION ALL
    SELECT 'sent', q.kind, i.sent_at >= %(from)s, NULL, COUNT(*)
      FROM surveys_invitation i JOIN surveys_questionnaire q ON q.id = i.questionnaire_id
     WHERE q.kind = ANY(%(kinds)s) AND NOT i.shared AND i.status = ANY(%(sent_states)s)
       AND ((i.sent_at >= %(from)s AND i.sent_at < %(to)s)
            OR (%(previous)s AND i.sent_at >= %(before_from)s AND i.sent_at < %(before_to)s))
     GROUP BY 2, 3
"""
ANSWER_STATS = f"""
    SELECT r.kind, r.answered_on >= %(start)s, {{consultant}}, an.question_key, an.type,
           COUNT(*) FILTER (WHERE an.number IS NOT NULL OR an.yes IS NOT NULL),
           SUM(an.number),
           COUNT(*) FILTER (WHERE an.number >= %(satisfied_min)s),
           COUNT(*) FILTER (WHERE an.yes),
           COUNT(*) FILTER (WHERE an.number >= %(promoter_min)s),
           COUNT(*) FILTER (WHERE an.number <= %(detractor_max)s)
      FROM surveys_answer an JOIN surveys_response r ON r.id = an.response_id
     WHERE an.type <> %(text)s AND r.kind = ANY(%(kinds)s)
       AND {IN_PERIODS.format(day="answered_on")} AND {COUNTED}
     GROUP BY 1, 2, 3, 4, 5
"""
STATS = ("count", "total", "satisfied", "yes", "promoters", "detractors")


@dataclass
class Surveys:
    """One period's survey counts: responses, invitations sent and answered, answer statistics."""

    responses: dict = field(default_factory=lambda: defaultdict(int))  # kind → n
    by_consultant: dict = field(default_factory=lambda: defaultdict(int))  # consultant → customer n
    sent: dict = field(default_factory=dict)
    answered: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)  # (kind, key, type) → [count, total, …]
    consultant_stats: dict = field(default_factory=dict)  # (consultant, type) → […] (customer)


def _survey_counts(cursor, p: Period, today: date, kinds, *, previous=True, by_consultant=False) -> dict:
    """The period's (and the same period a year before) survey counts, in two queries."""
    before = p.previous_year
    params = {
        **_span(p),
        **_span(before, "before_"),
        "previous": previous,
        "kinds": list(kinds),
        "anonymous": ANONYMOUS,
        "counted_before": month_start(today),
        "sent_states": [state.value for state in SENT_STATES],
        "text": Question.Type.TEXT.value,
        "satisfied_min": metrics.SATISFIED_MIN,
        "promoter_min": metrics.PROMOTER_MIN,
        "detractor_max": metrics.DETRACTOR_MAX,
    }
    found = {True: Surveys(), False: Surveys()}
    for what, kind, now, consultant, n in _rows(cursor, SURVEY_COUNTS, params):
        bucket = found[now]
        if what == "responses":
            bucket.responses[kind] += n
            if kind == Kind.KUND and consultant is not None:
                bucket.by_consultant[consultant] += n
        else:
            getattr(bucket, what)[kind] = n
    sql = ANSWER_STATS.format(consultant="r.consultant_id" if by_consultant else "NULL")
    for kind, now, consultant, key, qtype, *numbers in _rows(cursor, sql, params):
        bucket = found[now]
        numbers = [n or 0 for n in numbers]
        row = bucket.stats.setdefault((kind, key, qtype), [0] * 6)
        for i, n in enumerate(numbers):
            row[i] += n
        if by_consultant and kind == Kind.KUND and consultant is not None:
            row = bucket.consultant_stats.setdefault((consultant, qtype), [0] * 6)
            for i, n in enumerate(numbers):
                row[i] += n
    return {"now": found[True], "before": found[False]}


def _rate(s: Surveys, kind: str) -> tuple[int, int, float | None]:
    sent, answered = s.sent.get(kind, 0), s.answered.get(kind, 0)
    return sent, answered, metrics.response_rate(answered, sent)


def _headline(s: Surveys, kind: str) -> dict:
    """responses, response rate, NPS, share satisfied and the headline mean of one kind."""
    sent, answered, rate = _rate(s, kind)
    head = {"responses": s.responses.get(kind, 0), "response_rate": rate, "nps": None}
    head |= {"share_satisfied": None, "mean": None, "sent": sent, "answered": answered}
    total = counted = 0
    pooled = False
    for (k, key, qtype), (count, sum_, satisfied, _yes, promoters, detractors) in s.stats.items():
        if k != kind:
            continue
        if qtype == Question.Type.NPS and count:
            head["nps"] = metrics.nps_from_counts(promoters, detractors, count)
        if qtype == Question.Type.SCALE:
            total, counted, pooled = total + sum_, counted + count, True
        if kind == Kind.KUND and key == metrics.OVERALL_KEY:
            head["share_satisfied"] = metrics.share_from_counts(satisfied, count)
        if MAIN_QUESTION.get(kind) == key:
            head["mean"] = metrics.mean_from_sum(sum_, count)
    if kind == Kind.KUND and pooled:
        head["mean"] = metrics.mean_from_sum(total, counted)
    return head


def _change(now, before):
    if now is None or before is None:
        return None
    return _dec(round(float(now) - float(before), 1) + 0.0)


def _survey_rows(counts: dict, kinds) -> list[list]:
    rows = []
    for kind in kinds:
        now, before = _headline(counts["now"], kind), _headline(counts["before"], kind)
        for label, attr in SURVEY_MEASURES:
            if kind != Kind.KUND and attr in ("nps", "share_satisfied"):
                continue
            a, b = now[attr], before[attr]
            rows.append([SURVEY_LABELS[kind], label, _dec(a), _dec(b), _change(a, b)])
    return rows


QUESTIONS = """
    SELECT qn.kind, q.key, q.text, q.type
      FROM surveys_question q JOIN surveys_questionnaire qn ON qn.id = q.questionnaire_id
     WHERE qn.id IN (SELECT DISTINCT ON (kind) id FROM surveys_questionnaire
                      WHERE kind = ANY(%(kinds)s) AND year <= %(year)s ORDER BY kind, year DESC)
     ORDER BY q.questionnaire_id, q."order", q.id
"""


def _questions(cursor, year: int, kinds) -> dict:
    """kind → {key: (text, type)} of the latest version up to the year (else the catalogue's)."""
    asked = {kind: {} for kind in kinds}
    for kind, key, text, qtype in _rows(cursor, QUESTIONS, {"kinds": list(kinds), "year": year}):
        asked[kind][key] = (text, qtype)
    for kind in kinds:
        if not asked[kind]:
            asked[kind] = {spec["key"]: (spec["text"], spec["type"]) for spec in question_specs(kind, year)}
    return asked


def _kind_result(s: Surveys, kind: str, asked: dict) -> dict:
    """One kind's results for the department, per question, as the survey page shows them."""
    sent, answered, rate = _rate(s, kind)
    every = {spec["key"]: (spec["text"], spec["type"]) for spec in published()[kind]["questions"]}
    stats = {key: row for (k, key, qtype), row in s.stats.items() if k == kind}
    types = {key: qtype for (k, key, qtype) in s.stats if k == kind}
    keys = [key for key in asked if asked[key][1] != "text"] + [key for key in stats if key not in asked]
    questions, nps = {}, None
    for key in keys:
        text, qtype = asked.get(key) or every.get(key) or (key, types[key])
        row = stats.get(key)
        entry = {"text": text, "type": qtype, "count": row[0] if row else 0}
        if row and qtype in ("scale", "nps"):
            entry["mean"] = metrics.mean_from_sum(row[1], row[0])
            entry["share_satisfied"] = metrics.share_from_counts(row[2], row[0])
        if row and qtype == "yesno":
            entry["share_yes"] = metrics.share_from_counts(row[3], row[0])
        if row and qtype == "nps":
            nps = (row[4], row[0] - row[4] - row[5], row[5])
        questions[key] = entry
    result = {
        "responses": s.responses.get(kind, 0),
        "sent": sent,
        "answered": answered,
        "response_rate": rate,
        "questions": questions,
        "nps": nps,
        "pooled_mean": None,
        "share_satisfied": None,
    }
    if kind == Kind.KUND:
        scale = [row for (k, _key, qtype), row in s.stats.items() if k == kind and qtype == "scale"]
        result["pooled_mean"] = metrics.mean_from_sum(sum(r[1] for r in scale), sum(r[0] for r in scale))
        overall = stats.get(metrics.OVERALL_KEY)
        if overall:
            result["share_satisfied"] = metrics.share_from_counts(overall[2], overall[0])
    return result


# --- People --------------------------------------------------------------------------------

CONSULTANTS = """
    SELECT id, first_name, last_name, username FROM assignments_user
     WHERE is_active AND role = ANY(%(roles)s) ORDER BY first_name, last_name
"""
PER_CONSULTANT = f"""
    WITH {RATE}
    SELECT a.responsible_id,
           COUNT(*) FILTER (WHERE a.ordered_on BETWEEN %(start)s AND %(end)s),
           COUNT(*) FILTER (WHERE a.closed_on BETWEEN %(start)s AND %(end)s),
           SUM({INVOICED}) FILTER (WHERE a.invoiced_on BETWEEN %(start)s AND %(end)s) {WITH_RATE}
     WHERE a.ordered_on BETWEEN %(start)s AND %(end)s OR a.closed_on BETWEEN %(start)s AND %(end)s
        OR a.invoiced_on BETWEEN %(start)s AND %(end)s
     GROUP BY 1
"""
UNITS = "SELECT id FROM assignments_unit ORDER BY name"
FOLLOW_UPS = """
    SELECT COUNT(*), COUNT(*) FILTER (WHERE due_on < %(today)s) FROM surveys_followup WHERE NOT done
"""


def _consultants(cursor) -> list[tuple]:
    roles = [User.Role.KONSULT.value, User.Role.SAMORDNARE.value]
    return _rows(cursor, CONSULTANTS, {"roles": roles})


def _consultant_rows(cursor, p: Period, users, time: dict, surveys: Surveys) -> list[list]:
    figures = {row[0]: row[1:] for row in _rows(cursor, PER_CONSULTANT, _span(p))}
    rows = []
    for pk, first_name, last_name, username in users:
        ordered, closed, revenue = figures.get(pk, (0, 0, None))
        hours, on_assignments, absence = time["per_user"].get(pk, (None, None, None))
        nps = mean = None
        if pk in surveys.by_consultant:
            n = surveys.consultant_stats.get((pk, "nps"))
            if n and n[0]:
                nps = metrics.nps_from_counts(n[4], n[5], n[0])
            scale = surveys.consultant_stats.get((pk, "scale"))
            mean = metrics.mean_from_sum(scale[1], scale[0]) if scale else None
        rows.append(
            [
                f"{first_name} {last_name}".strip() or username,
                ordered,
                closed,
                revenue,
                hours,
                _share(on_assignments or 0, None if hours is None else hours - (absence or ZERO)),
                surveys.by_consultant.get(pk, 0),
                _dec(nps),
                _dec(mean),
            ]
        )
    return rows


# --- The plan ------------------------------------------------------------------------------

PLAN_INDICATORS = """
    SELECT pl.id, pl.year, g.id, g.parent_id, g."order", i.id, i.name, i.target_kind, i.target_value,
           i.target_unit, i.target_yes, i.direction, i.measure, i.filters,
           o.value, o.value_yes, o.denominator, o.frozen
      FROM planning_plan pl
      LEFT JOIN planning_goal g ON g.plan_id = pl.id
      LEFT JOIN planning_indicator i ON i.goal_id = g.id
      LEFT JOIN planning_indicatoroutcome o ON o.indicator_id = i.id AND o.tertial = %(tertial)s
     WHERE {plan}
     ORDER BY g."order", g.id, i."order", i.id
"""
DEPARTMENT_PLAN = "pl.id = (SELECT id FROM planning_plan WHERE year = %(year)s AND unit_id IS NULL LIMIT 1)"
PLAN_COUNTS = """
    SELECT 'activity', a.status, COUNT(*)
      FROM planning_activity a JOIN planning_goal g ON g.id = a.goal_id
     WHERE g.plan_id = %(plan)s GROUP BY 2
    UNION ALL
    SELECT 'assessment', ga.assessment, COUNT(*)
      FROM planning_goalassessment ga JOIN planning_goal g ON g.id = ga.goal_id
     WHERE g.plan_id = %(plan)s AND ga.tertial = %(tertial)s GROUP BY 2
"""


@dataclass
class Target:
    """What planning.targets reads of an indicator."""

    target_kind: str
    target_value: Decimal | None
    target_unit: str
    target_yes: bool | None
    direction: str


@dataclass
class PlanIndicator:
    pk: int
    goal: int
    name: str
    target: Target
    measure: str
    filters: dict
    stored: tuple | None  # (value, value_yes, denominator, frozen)


def _plan(cursor, tertial: int, *, year: int | None = None, pk: int | None = None):
    """The plan's (id, year), goals (id, parent, order) and indicators with their stored outcomes."""
    where = DEPARTMENT_PLAN if pk is None else "pl.id = %(plan)s"
    rows = _rows(cursor, PLAN_INDICATORS.format(plan=where), {"year": year, "plan": pk, "tertial": tertial})
    if not rows:
        return None, [], []
    goals, indicators = {}, []
    for _plan_id, _year, goal, parent, order, ind, name, kind, value, unit, yes, direction, *rest in rows:
        if goal is not None:
            goals.setdefault(goal, (parent, order))
        if ind is None:
            continue
        measure, filters, o_value, o_yes, o_denominator, o_frozen = rest
        stored = None if o_frozen is None else (o_value, o_yes, o_denominator, o_frozen)
        indicators.append(
            PlanIndicator(
                ind, goal, name, Target(kind, value, unit, yes, direction), measure, _json(filters), stored
            )
        )
    return (rows[0][0], rows[0][1]), [(pk, *rest) for pk, rest in goals.items()], indicators


def _json(value) -> dict:
    # Django reads jsonb as text and decodes it itself; so does the floor.
    return json.loads(value) if isinstance(value, str) else (value or {})


# Assignment filters of a computed indicator, as planning.measures.assignment_filter reads them.
def _assignment_condition(filters: dict, params: dict) -> str:
    parts = []

    def param(value):
        name = f"f{len(params)}"
        params[name] = value
        return f"%({name})s"

    packages = filters.get("package")
    if packages:
        parts.append(f"p.code = ANY({param([packages] if isinstance(packages, str) else list(packages))})")
    if filters.get("level"):
        parts.append(f"a.level = {param(filters['level'])}")
    if filters.get("sector"):
        parts.append(f"UPPER(s.name) = UPPER({param(filters['sector'])})")
    if filters.get("organisation_kind"):
        parts.append(f"o.kind = {param(filters['organisation_kind'])}")
    if filters.get("organisation"):
        parts.append(f"UPPER(o.name) = UPPER({param(filters['organisation'])})")
    if filters.get("outcome"):
        parts.append(f"a.outcome = {param(filters['outcome'])}")
    return " AND ".join(parts) or "TRUE"


FLAGS = ("personal_letter", "screening", "psychometric_tests", "search")
ASSIGNMENT_MEASURES = {"ordered", "closed", "distinct_organisations", "flag_count", "flag_share"}
ASSIGNMENT_MEASURES |= {"share_of_entered", "mean_hours", "new_managers"}
SURVEY_MEASURE_KEYS = {"nps", "share_satisfied", "pooled_mean", "question_mean", "question_share_yes"}
SURVEY_MEASURE_KEYS |= {"question_share_satisfied", "response_count", "response_rate"}
ECONOMY_MEASURES = {"revenue", "revenue_per_fte"}


MEASURE_JOINS = """
      JOIN assignments_package p ON p.id = a.package_id
      JOIN assignments_organisation o ON o.id = a.organisation_id
      LEFT JOIN assignments_sector s ON s.id = a.sector_id"""


def _assignment_measures(cursor, p: Period, indicators: list[PlanIndicator]) -> dict:
    """Each assignment indicator's counts, in one query over the period's assignments (and one over
    the hours of those closed, when an indicator asks for mean hours)."""
    params = _span(p)
    ordered = "a.ordered_on BETWEEN %(start)s AND %(end)s"
    closed = "a.closed_on BETWEEN %(start)s AND %(end)s"
    columns, hours_columns = [], []
    for ind in indicators:
        if ind.measure not in ASSIGNMENT_MEASURES or ind.measure == "new_managers":
            continue
        cond = _assignment_condition(ind.filters, params)
        if ind.measure in ("ordered", "share_of_entered"):
            columns.append((ind.pk, f"COUNT(*) FILTER (WHERE {ordered} AND {cond})"))
        elif ind.measure in ("closed", "mean_hours"):
            columns.append((ind.pk, f"COUNT(*) FILTER (WHERE {closed} AND {cond})"))
            if ind.measure == "mean_hours":
                hours_columns.append((ind.pk, f"SUM(t.hours) FILTER (WHERE {cond})"))
        elif ind.measure == "distinct_organisations":
            columns.append((ind.pk, f"COUNT(DISTINCT a.organisation_id) FILTER (WHERE {ordered} AND {cond})"))
        else:
            flag = ind.filters.get("flag", "personal_letter")
            if flag not in FLAGS:
                raise ValueError(f"Okänd flagga: {flag}")
            hit = "NOT " if ind.filters.get("without") else ""
            columns.append((ind.pk, f"COUNT(*) FILTER (WHERE {ordered} AND {cond} AND {hit}a.{flag})"))
            if ind.measure == "flag_share":
                columns.append((-ind.pk, f"COUNT(*) FILTER (WHERE {ordered} AND {cond})"))
    found = {}
    if columns:
        sql = (
            f"SELECT {', '.join(c for _pk, c in columns)} FROM assignments_assignment a {MEASURE_JOINS} "
            f"WHERE {ordered} OR {closed}"
        )
        found.update(zip((pk for pk, _c in columns), _rows(cursor, sql, params)[0], strict=True))
    if hours_columns:
        sql = (
            f"SELECT {', '.join(c for _pk, c in hours_columns)} FROM assignments_timeentry t "
            f"JOIN assignments_assignment a ON a.id = t.assignment_id {MEASURE_JOINS} WHERE {closed}"
        )
        for pk, hours in zip((pk for pk, _c in hours_columns), _rows(cursor, sql, params)[0], strict=True):
            found["hours", pk] = hours
    if any(ind.measure == "new_managers" for ind in indicators):
        found["new_managers"] = _rows(cursor, NEW_MANAGERS, params)[0][0]
    return found


def _computed(ind: PlanIndicator, p: Period, counts: dict, surveys: dict, economy: dict | None):
    """The value of a computed indicator for the period, as planning.measures computes it."""
    m, f = ind.measure, ind.filters
    if m in ("ordered", "closed", "distinct_organisations", "flag_count"):
        return Decimal(counts[ind.pk])
    if m == "flag_share":
        return _share(counts[ind.pk], counts[-ind.pk])
    if m == "share_of_entered":
        denominator = ind.stored[2] if ind.stored else None
        return _share(int(counts[ind.pk]), denominator) if denominator else None
    if m == "mean_hours":
        return mean_hours(counts[("hours", ind.pk)] or ZERO, counts[ind.pk])
    if m == "new_managers":
        return Decimal(counts["new_managers"])
    if m == "revenue":
        return economy["revenue"]
    if m == "revenue_per_fte":
        return economy["revenue_per_fte"] if economy["ftes"] else None
    result = surveys[f.get("kind", Kind.KUND.value)]
    if m == "nps":
        nps = result["nps"]
        return None if not nps or not sum(nps) else _dec(metrics.nps_from_counts(nps[0], nps[2], sum(nps)))
    if m == "share_satisfied":
        return _dec(result["share_satisfied"])
    if m == "pooled_mean":
        return _dec(result["pooled_mean"])
    if m == "response_count":
        return Decimal(result["responses"])
    if m == "response_rate":
        return _dec(result["response_rate"])
    entry = result["questions"].get(f.get("question"))
    key = {"question_mean": "mean", "question_share_yes": "share_yes"}.get(m, "share_satisfied")
    return _dec(entry.get(key)) if entry else None


def _outcomes(cursor, year: int, tertial: int, indicators: list[PlanIndicator], today: date) -> list:
    """(indicator, value, value_yes, met) of each indicator to the tertial: frozen, computed or entered."""
    p = tertial_period(year, tertial)
    live = [ind for ind in indicators if ind.measure and not (ind.stored and ind.stored[3])]
    for ind in live:
        if ind.measure in SURVEY_MEASURE_KEYS and ind.filters.get("package"):
            raise NotImplementedError("golvet räknar inte enkätmått med paketurval")
    counts = _assignment_measures(cursor, p, live)
    kinds = sorted(
        {ind.filters.get("kind", Kind.KUND.value) for ind in live if ind.measure in SURVEY_MEASURE_KEYS}
    )
    surveys = {}
    if kinds:
        s = _survey_counts(cursor, p, today, kinds, previous=False)["now"]
        asked = _questions(cursor, p.year, kinds)
        surveys = {kind: _kind_result(s, kind, asked[kind]) for kind in kinds}
    economy = None
    if any(ind.measure in ECONOMY_MEASURES for ind in live):
        economy = _economy(cursor, p, today, forecast=False)
    found = []
    for ind in indicators:
        if ind.stored and ind.stored[3]:
            value, yes = ind.stored[0], ind.stored[1]
        elif ind.measure:
            value, yes = _computed(ind, p, counts, surveys, economy), None
        elif ind.stored:
            value, yes = ind.stored[0], ind.stored[1]
        else:
            value = yes = None
        found.append((ind, value, yes, is_met(ind.target, value, yes)))
    return found


def plan_section(cursor, year: int, tertial: int, today: date) -> dict | None:
    """The dashboard's plan section: indicators against targets, activities by status, assessments."""
    plan, _goals, indicators = _plan(cursor, tertial, year=year)
    if plan is None:
        return None
    outcomes = _outcomes(cursor, year, tertial, indicators, today)
    statuses = {k: str(v) for k, v in Activity.Status.choices}
    grades = {k: str(v) for k, v in GoalAssessment.Assessment.choices}
    activities, assessments = [], []
    for what, key, n in _rows(cursor, PLAN_COUNTS, {"plan": plan[0], "tertial": tertial}):
        if what == "activity":
            activities.append([statuses.get(key, key), n, key])
        else:
            assessments.append([grades.get(key, key), n])
    activities.sort(key=lambda r: r[2])
    rows = []
    for ind, value, yes, met in outcomes:
        shown = value if value is not None else (None if yes is None else ("Ja" if yes else "Nej"))
        rows.append([ind.name, format_target(ind.target) or None, shown, MARKS[met]])
    return {
        "met": sum(1 for *_rest, met in outcomes if met is True),
        "not_met": sum(1 for *_rest, met in outcomes if met is False),
        "tables": {
            "indikatorer": rows,
            "aktiviteter": [r[:2] for r in activities],
            "bedomningar": sorted(assessments),
        },
    }


# --- Lead times and omtag ------------------------------------------------------------------

CLOSED_DAYS = """
    SELECT a.id, a.ordered_on, a.closed_on, a.level, a.close_reason, p.code, p.name,
           a.responsible_id, u.first_name, u.last_name, u.username,
           a.started_on - a.ordered_on, a.closed_on - a.started_on,
           CASE WHEN a.outcome = 'tillsatt' THEN a.closed_on - a.ordered_on END,
           a.closed_on - a.ordered_on,
           a.outcome = 'tillsatt',
           EXISTS (SELECT 1 FROM assignments_assignment r WHERE r.redo_of_id = a.id)
      FROM assignments_assignment a
      JOIN assignments_package p ON p.id = a.package_id
      JOIN assignments_user u ON u.id = a.responsible_id
     WHERE a.status = 'avslutad' AND a.closed_on BETWEEN %(first)s AND %(end)s
"""
LEAD_SHOWN = (11, 13, 14)  # to start, to a hire, to close (start → close is in the API only)
LEVEL_NAMES = {k: str(v) for k, v in Assignment.Level.choices}
REASON_NAMES = {k: str(v) for k, v in Assignment.CloseReason.choices}


def _stat(values) -> tuple:
    """Median and 80th percentile (linear between the nearest two), one decimal."""
    import statistics

    values = sorted(v for v in values if v is not None)
    if not values:
        return None, None
    p80 = values[0] if len(values) == 1 else statistics.quantiles(values, n=5, method="inclusive")[3]
    return tuple(Decimal(str(round(float(v), 1))) for v in (statistics.median(values), p80))


def _lead_groups(rows, by: str) -> list[tuple[str, list]]:
    """(label, rows) per group in the page's order."""
    groups = defaultdict(list)
    for row in rows:
        key = {"package": row[5], "level": row[3], "consultant": row[7], "year": str(row[2].year)}[by]
        groups[key].append(row)
    if by == "level":
        return [(LEVEL_NAMES[k], groups[k]) for k in LEVEL_NAMES if k in groups]
    if by == "year":
        return [(k, groups[k]) for k in sorted(groups)]
    labelled = []
    for key, members in groups.items():
        if by == "package":
            newest = max(members, key=lambda r: (r[1], r[0]))
            label = f"{newest[6]} ({key})"
        else:
            first = members[0]
            label = " ".join(filter(None, [first[8], first[9]])) or first[10]
        labelled.append((label, members))
    return sorted(labelled, key=lambda item: item[0].lower())


def _lead_rows(rows, by: str, *, total: bool = True) -> list[list]:
    def line(label, members):
        cells = [label, len(members)]
        for column in LEAD_SHOWN:
            cells += list(_stat([r[column] for r in members]))
        return cells

    groups = _lead_groups(rows, by)
    out = [line(label, members) for label, members in groups]
    if total and len(groups) > 1:
        out.append(line("Alla", rows))
    return out


def _redo_rows(rows, by: str) -> list[list]:
    out = []
    for label, members in _lead_groups(rows, by):
        not_hired = [r for r in members if not r[15]]
        redone = sum(1 for r in members if r[16])
        reasons = defaultdict(int)
        for r in not_hired:
            reasons[REASON_NAMES.get(r[4], "Inget skäl angivet")] += 1
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        share = Decimal(str(round(100 * redone / len(members), 1)))
        text = ", ".join(f"{reason} {n}" for reason, n in ordered)
        out.append([label, len(members), len(not_hired), redone, share, text])
    return out


def _lead_tables(cursor, p: Period) -> dict:
    years = _rows(cursor, CLOSED_DAYS, {"first": date(p.year - 3, 1, 1), "end": p.end})
    period_rows = [r for r in years if r[2] >= p.start]
    return {
        "ledtider-paket": _lead_rows(period_rows, "package"),
        "ledtider-niva": _lead_rows(period_rows, "level"),
        "ledtider-konsult": _lead_rows(period_rows, "consultant"),
        "ledtider-ar": _lead_rows(years, "year", total=False),
        "omtag-paket": _redo_rows(period_rows, "package"),
        "omtag-konsult": _redo_rows(period_rows, "consultant"),
    }


# --- Pages ---------------------------------------------------------------------------------

KEY_FIGURES = [
    "uppdrag_bestallda",
    "uppdrag_avslutade",
    "nya_bestallare",
    "intakter_fakturerade",
    "intakter_bokade",
    "intakter",
    "kostnader",
    "intakt_per_arsarbetare",
    "intakter_prognos_ar",
    "resultat",
    "kund_nps",
    "kund_andel_nojda",
    "kund_snittbetyg",
    "kund_svarsfrekvens",
    "kandidat_svarsfrekvens",
    "kandidat_helhetsbetyg",
    "matchning_snitt",
    "matchning_svarsfrekvens",
]
COUNT_KEYS = {"uppdrag_bestallda", "uppdrag_avslutade", "nya_bestallare"}


def _keys(assignments: dict, economy: dict, heads: dict) -> dict:
    kund, kandidat, matchning = (heads[kind] for kind in HEAD_KINDS)
    return {
        "uppdrag_bestallda": assignments["ordered"],
        "uppdrag_avslutade": assignments["closed"],
        "nya_bestallare": assignments["new_managers"],
        "intakter_fakturerade": economy["invoiced"],
        "intakter_bokade": economy["booked"],
        "intakter": economy["revenue"],
        "kostnader": economy["costs"],
        "intakt_per_arsarbetare": economy["revenue_per_fte"],
        "intakter_prognos_ar": economy["forecast"]["value"],
        "resultat": economy["result"],
        "kund_nps": _dec(kund["nps"]),
        "kund_andel_nojda": _dec(kund["share_satisfied"]),
        "kund_snittbetyg": _dec(kund["mean"]),
        "kund_svarsfrekvens": _dec(kund["response_rate"]),
        "kandidat_svarsfrekvens": _dec(kandidat["response_rate"]),
        "kandidat_helhetsbetyg": _dec(kandidat["mean"]),
        "matchning_snitt": _dec(matchning["mean"]),
        "matchning_svarsfrekvens": _dec(matchning["response_rate"]),
    }


def _dashboard(cursor, p: Period, today: date, *, plan: bool) -> tuple[dict, dict]:
    packages = _year_packages(cursor, p.year)
    assignments = _assignments(cursor, p, packages)
    economy = _economy(cursor, p, today, years=4)
    time = _time(cursor, p, packages, {row[1]: row[3] for row in assignments["per_package"]}, today)
    surveys = _survey_counts(cursor, p, today, HEAD_KINDS, by_consultant=True)
    heads = {kind: _headline(surveys["now"], kind) for kind in HEAD_KINDS}
    users = _consultants(cursor)
    units = [pk for (pk,) in _rows(cursor, UNITS)]
    follow_open, follow_overdue = _rows(cursor, FOLLOW_UPS, {"today": today})[0]
    months = [
        [m["month"], m["invoiced"], m["booked"], m["revenue"], m["budget"], m["cumulative"]]
        + [m["cumulative_budget"], m["costs"]]
        for m in economy["months"]
    ]
    tables = {
        "paket": assignments["per_package"],
        "organisationstyp": assignments["per_kind"],
        "verksamhet": assignments["per_sector"],
        "intakter-manad": months,
        "intakter-ackumulerat": [[m[0], m[5], m[6]] for m in months],
        "ekonomi-ar": _year_rows(economy["summary"]),
        "tid-paket": time["per_package"],
        "enkater": _survey_rows(surveys, HEAD_KINDS),
        "konsulter": _consultant_rows(cursor, p, users, time, surveys["now"]),
        **_lead_tables(cursor, p),
    }
    figures = {
        "keys": _keys(assignments, economy, heads),
        "share_without_letter": assignments["share_without_letter"],
        "share_screening": assignments["share_screening"],
        "share_assignment_time": time["share_assignment_time"],
        "entered": economy["entered"],
        "forecast": economy["forecast"],
        "follow_ups": {"open": follow_open, "overdue": follow_overdue},
        "consultants": [row[0] for row in users],
        "units": units,
        "tables": tables,
    }
    if plan:
        section = plan_section(cursor, p.year, p.tertial, today)
        figures["plan"] = None if section is None else {"met": section["met"], "not_met": section["not_met"]}
        if section:
            tables.update(section["tables"])
    return figures, {"surveys": surveys, "economy": economy, "heads": heads}


def dashboard(cursor, p: Period, today: date, *, plan: bool = True) -> dict:
    """Everything the department's dashboard shows a head for the period, its plan section too:
    the key figures, every table (per package, organisation kind and sector; intäkter, budget and
    costs per month; the four-year summary; hours per package; the surveys this period and the
    same period last year; per consultant; the plan's indicators, activities and assessments),
    the forecast's parts, the open follow-ups and the choosers' units and consultants."""
    return _dashboard(cursor, p, today, plan=plan)[0]


def plan_follow_up(cursor, plan_pk: int, tertial: int, today: date) -> dict:
    """The plan's tertial follow-up page: its goals in chain order, each indicator's outcome to the
    tertial and whether it meets its target, each activity's status and comment reported for the
    tertial (empty when not reported), each goal's assessment, and whether the tertial is locked."""
    plan, goals, indicators = _plan(cursor, tertial, pk=plan_pk)
    children = defaultdict(list)
    for pk, parent, order in goals:
        children[parent].append((order, pk))
    tree = []

    def walk(parent, depth):
        for _order, pk in sorted(children.get(parent, [])):
            tree.append([pk, depth])
            walk(pk, depth + 1)

    walk(None, 0)
    outcomes = _outcomes(cursor, plan[1], tertial, indicators, today) if plan else []
    activities, assessments, locked = [], {}, False
    params = {"plan": plan_pk, "tertial": tertial}
    for what, goal, pk, status, text, order in _rows(cursor, FOLLOW_UP_ROWS, params):
        if what == "activity":
            activities.append((goal, order, pk, status, text))
        elif what == "assessment":
            assessments[goal] = [status, text]
        else:
            locked = True
    position = {pk: i for i, (pk, _depth) in enumerate(tree)}
    activities.sort(key=lambda a: (position.get(a[0], len(tree)), a[1], a[2]))
    return {
        "goals": tree,
        "indicators": [[ind.pk, value, yes, met] for ind, value, yes, met in outcomes],
        "activities": [[pk, status, text] for _goal, _order, pk, status, text in activities],
        "assessments": {goal: assessments.get(goal, ["", ""]) for goal, _depth in tree},
        "locked": locked,
    }


FOLLOW_UP_ROWS = """
    SELECT 'activity', g.id, a.id, COALESCE(f.status, ''), COALESCE(f.comment, ''), a."order"
      FROM planning_activity a JOIN planning_goal g ON g.id = a.goal_id
      LEFT JOIN planning_activityfollowup f ON f.activity_id = a.id AND f.tertial = %(tertial)s
     WHERE g.plan_id = %(plan)s
    UNION ALL
    SELECT 'assessment', g.id, NULL, ga.assessment, ga.analysis, NULL
      FROM planning_goalassessment ga JOIN planning_goal g ON g.id = ga.goal_id
     WHERE g.plan_id = %(plan)s AND ga.tertial = %(tertial)s
    UNION ALL
    SELECT 'locked', NULL, NULL, NULL, NULL, NULL
      FROM planning_tertiallock WHERE plan_id = %(plan)s AND tertial = %(tertial)s
"""
QUOTES = """
    SELECT an.id FROM surveys_answer an JOIN surveys_response r ON r.id = an.response_id
     WHERE an.is_quote AND r.answered_on BETWEEN %(start)s AND %(end)s
     ORDER BY r.answered_on, an.id
"""
PLAN_ACTIVITIES = """
    SELECT a.id, COALESCE(f.status, a.status)
      FROM planning_activity a JOIN planning_goal g ON g.id = a.goal_id
      LEFT JOIN planning_activityfollowup f ON f.activity_id = a.id AND f.tertial = %(tertial)s
     WHERE g.plan_id = (SELECT id FROM planning_plan WHERE year = %(year)s AND unit_id IS NULL LIMIT 1)
     ORDER BY g."order", a."order", a.id
"""


def _nps(counts):
    return None if not counts else metrics.nps_from_counts(counts[0], counts[2], sum(counts))


def report(cursor, year: int, tertial: int, today: date) -> dict:
    """The tertial report's figures: the dashboard's for the cumulative period with its plan
    section; the three surveys' headline rows and questions this period and last year; the
    plan's activities; the quotes. The summary's key figures are all the dashboard's."""
    p = tertial_period(year, tertial)
    figures, found = _dashboard(cursor, p, today, plan=True)
    surveys = found["surveys"]
    asked, asked_before = _questions(cursor, year, HEAD_KINDS), _questions(cursor, year - 1, HEAD_KINDS)
    sheets = {}
    for kind in HEAD_KINDS:
        now = _kind_result(surveys["now"], kind, asked[kind])
        before = _kind_result(surveys["before"], kind, asked_before[kind])
        rows = {
            "Svar": [now["responses"], before["responses"]],
            "Utskick": [now["sent"], before["sent"]],
            "Svarsfrekvens": [now["response_rate"], before["response_rate"]],
            "Snittbetyg": [found["heads"][kind]["mean"], _headline(surveys["before"], kind)["mean"]],
        }
        if kind == Kind.KUND:
            rows["NPS"] = [_nps(now["nps"]), _nps(before["nps"])]
            rows["Andel nöjda"] = [now["share_satisfied"], before["share_satisfied"]]
        sheets[REPORT_SHEETS[kind]] = {"rows": rows, "questions": len(now["questions"])}
    economy = found["economy"]
    return {
        "keys": figures["keys"],
        "economy": {
            "Fakturerat i perioden": economy["invoiced"],
            "Bokat, ej fakturerat": economy["booked"],
            "Intäkter i perioden": economy["revenue"],
            "Budget för perioden": economy["budget"],
            "Avtalat pris, pågående uppdrag": economy["forecast"]["ongoing"],
            "Prognos helår": economy["forecast"]["value"],
            "Intäkt per årsarbetare": economy["revenue_per_fte"],
            "Kostnader i perioden": economy["costs"],
            "Resultat i perioden": economy["result"],
        },
        "surveys": sheets,
        "indicators": len(figures["tables"].get("indikatorer", [])),
        "activities": len(_rows(cursor, PLAN_ACTIVITIES, {"year": year, "tertial": tertial})),
        "quotes": len(_rows(cursor, QUOTES, _span(p))),
    }


COMMENTS = """
    SELECT an.id, an.text, an.is_quote, r.kind, r.answered_on
      FROM surveys_answer an JOIN surveys_response r ON r.id = an.response_id
     WHERE an.type = %(text)s AND an.text <> '' AND r.kind = ANY(%(kinds)s)
       AND r.answered_on BETWEEN %(start)s AND %(end)s
       AND NOT (r.kind = ANY(%(anonymous)s) AND r.answered_on >= %(counted_before)s)
     ORDER BY r.answered_on DESC, an.id DESC
     LIMIT %(limit)s
"""
RESULT_CHOICES = """
    SELECT 'unit', id, name FROM assignments_unit
    UNION ALL SELECT 'organisation', id, name FROM assignments_organisation
    UNION ALL SELECT 'sector', id, name FROM assignments_sector
    UNION ALL SELECT 'consultant', u.id, u.username FROM assignments_user u
     WHERE u.is_active OR EXISTS (SELECT 1 FROM assignments_assignment a WHERE a.responsible_id = u.id)
"""
PACKAGE_NAMES = """
    SELECT p.code, p.name, pl.year FROM assignments_package p
      JOIN assignments_pricelist pl ON pl.id = p.price_list_id
     ORDER BY pl.year DESC, p.name
"""


def _spans(years) -> str:
    spans = []
    for year in sorted(years):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _package_choices(cursor, year: int | None) -> list[tuple[str, str]]:
    """The package filter's choices: the chosen year's own names, else each code under its newest
    name with the years of its other names ("Chefspaket (2021: Rekrytering chef)")."""
    rows = _rows(cursor, PACKAGE_NAMES)
    latest = max((r[2] for r in rows), default=None)
    names: dict[str, dict[str, list[int]]] = {}
    for code, name, list_year in rows:
        names.setdefault(code, {}).setdefault(name, []).append(list_year)
    chosen = {code: name for code, name, list_year in rows if list_year == year}
    if not chosen:
        for code, by_name in names.items():
            newest = next(iter(by_name))
            label = newest if max(by_name[newest]) == latest else f"{newest} ({_spans(by_name[newest])})"
            others = [f"{_spans(ys)}: {name}" for name, ys in by_name.items() if name != newest]
            chosen[code] = f"{label} ({'; '.join(others)})" if others else label
    return sorted(chosen.items(), key=lambda item: item[1].casefold())


def survey_results(cursor, p: Period, today: date) -> dict:
    """The survey results page for a head: each survey's responses, response rate, NPS, share
    satisfied and pooled mean, per question count, mean, share satisfied and share yes; last year's
    headline figures; the latest comments; and the filter form's choices."""
    counts = _survey_counts(cursor, p, today, ALL_KINDS)
    asked = _questions(cursor, p.year, ALL_KINDS)
    comments = _rows(
        cursor,
        COMMENTS,
        {
            **_span(p),
            "text": Question.Type.TEXT.value,
            "kinds": ALL_KINDS,
            "anonymous": ANONYMOUS,
            "counted_before": month_start(today),
            "limit": COMMENT_LIMIT,
        },
    )
    choices = defaultdict(list)
    for what, pk, _name in _rows(cursor, RESULT_CHOICES):
        choices[what].append(pk)
    return {
        "results": {kind: _kind_result(counts["now"], kind, asked[kind]) for kind in ALL_KINDS},
        "previous": {kind: _headline(counts["before"], kind) for kind in ALL_KINDS},
        "comments": [
            [pk, text, kind, answered.strftime("%Y-%m") if kind in ANONYMOUS else answered.isoformat(), quote]
            for pk, text, quote, kind, answered in comments
        ],
        "choices": {what: sorted(pks) for what, pks in choices.items()}
        | {"package": _package_choices(cursor, p.year)},
    }


LIST_COUNT = "SELECT COUNT(*) FROM assignments_assignment"
LIST_PAGE = """
    SELECT a.id, a.number, a.ordered_on, a.role_title, a.level, s.name, o.name, m.name, p.name,
           u.first_name, u.last_name, u.username, a.status, a.outcome, a.price
      FROM assignments_assignment a
      JOIN assignments_organisation o ON o.id = a.organisation_id
      JOIN assignments_manager m ON m.id = a.manager_id
      JOIN assignments_package p ON p.id = a.package_id
      JOIN assignments_user u ON u.id = a.responsible_id
      LEFT JOIN assignments_sector s ON s.id = a.sector_id
     ORDER BY a.ordered_on DESC, a.number DESC
     LIMIT %(limit)s OFFSET %(offset)s
"""
LIST_COLLEAGUES = """
    SELECT c.assignment_id, u.initials, u.username
      FROM assignments_assignment_colleagues c JOIN assignments_user u ON u.id = c.user_id
     WHERE c.assignment_id = ANY(%(ids)s)
"""
LIST_CHOICES = """
    SELECT 'year', EXTRACT(YEAR FROM ordered_on)::int, NULL FROM assignments_assignment GROUP BY 2
    UNION ALL SELECT 'organisation', id, name FROM assignments_organisation
    UNION ALL SELECT 'sector', id, name FROM assignments_sector
    UNION ALL SELECT 'consultant', id, username FROM assignments_user
    UNION ALL SELECT 'unit', id, name FROM assignments_unit
"""


def assignment_list(cursor, page: int, page_size: int) -> dict:
    """One page of the assignment list (newest first), the total, each row's colleagues, and the
    filter form's choices (years, packages, organisations, sectors, consultants, units)."""
    (total,) = _rows(cursor, LIST_COUNT)[0]
    rows = _rows(cursor, LIST_PAGE, {"limit": page_size, "offset": (page - 1) * page_size})
    colleagues = defaultdict(list)
    for assignment, initials, username in _rows(cursor, LIST_COLLEAGUES, {"ids": [r[0] for r in rows]}):
        colleagues[assignment].append(initials or username)
    choices = defaultdict(list)
    for what, pk, _name in _rows(cursor, LIST_CHOICES):
        choices[what].append(pk)
    return {
        "total": total,
        "numbers": [r[1] for r in rows],
        "colleagues": sum(len(v) for v in colleagues.values()),
        "choices": {what: sorted(pks) for what, pks in choices.items()}
        | {"package": _package_choices(cursor, None)},
    }


def _number(key, value):
    if value is None:
        return None
    return int(value) if key in COUNT_KEYS else float(value)


def summary(cursor, year: int, code: str, today: date) -> dict:
    """The summary API's JSON for a period: the key figures and the ordered count per package."""
    p = period(year, code)
    span = _span(p)
    per_package, ordered, closed = {}, 0, 0
    for package, _name, n_ordered, n_closed, *_rest in _rows(cursor, PER_PACKAGE, span):
        ordered, closed = ordered + n_ordered, closed + n_closed
        if n_ordered:
            per_package[package] = n_ordered
    (new_managers,) = _rows(cursor, NEW_MANAGERS, span)[0]
    economy = _economy(cursor, p, today)
    surveys = _survey_counts(cursor, p, today, HEAD_KINDS, previous=False)
    heads = {kind: _headline(surveys["now"], kind) for kind in HEAD_KINDS}
    keys = _keys({"ordered": ordered, "closed": closed, "new_managers": new_managers}, economy, heads)
    result = {key: _number(key, keys[key]) for key in KEY_FIGURES}
    result["uppdrag_per_paket"] = dict(sorted(per_package.items()))
    result.update(ar=year, period=code, fran=p.start.isoformat(), till=p.end.isoformat())
    return result


# --- Load (beläggning) and suggestions -----------------------------------------------------

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LOAD_ROLES = [User.Role.KONSULT.value, User.Role.SAMORDNARE.value]
# The Monday of the week of a date expression (ISO weeks, as the pages count them).
MONDAY = "({0} - (EXTRACT(ISODOW FROM {0})::int - 1))"
# An open assignment's planned end, as an expression over the assignment `a`: its tidplan's latest
# planned step, else the order date plus the usual lead time (assignments.selectors.
# DEFAULT_LEAD_WEEKS, as days).
PLANNED_END = """COALESCE(
    (SELECT MAX(s.planned_on) FROM assignments_assignmentstep s WHERE s.assignment_id = a.id),
    a.ordered_on + %(lead_days)s)"""
# Each open assignment's remaining standard hours spread evenly over the weeks from this week (or
# the week it starts) to the week of its planned end, split evenly among its consultants, summed
# per consultant and shown week.
LOAD_PLANNED = f"""
    WITH open AS (
        SELECT a.id, a.responsible_id,
               GREATEST(%(this_monday)s, {MONDAY.format("COALESCE(a.started_on, a.ordered_on)")}) AS first,
               {MONDAY.format(PLANNED_END)} AS end_monday,
               GREATEST(CASE WHEN p.unit = %(hourly_unit)s THEN a.quantity
                             ELSE a.quantity * COALESCE(p.standard_hours, 0) END
                        - COALESCE((SELECT SUM(t.hours) FROM assignments_timeentry t
                                     WHERE t.assignment_id = a.id), 0),
                        0)::numeric(40, 28) AS remaining
          FROM assignments_assignment a JOIN assignments_package p ON p.id = a.package_id
         WHERE a.status <> %(closed)s
    ), people AS (
        SELECT assignment_id, user_id, COUNT(*) OVER (PARTITION BY assignment_id) AS n
          FROM (SELECT id AS assignment_id, responsible_id AS user_id FROM open
                UNION
                SELECT c.assignment_id, c.user_id
                  FROM assignments_assignment_colleagues c JOIN open ON open.id = c.assignment_id) each
    ), spread AS (
        SELECT o.id, o.remaining, o.first, GREATEST(o.first, o.end_monday) AS last
          FROM open o
         WHERE o.remaining > %(no_hours)s
    )
    SELECT pe.user_id, w.monday, SUM(s.remaining / ((s.last - s.first) / 7 + 1) / pe.n)
      FROM spread s
      JOIN people pe ON pe.assignment_id = s.id
      JOIN unnest(%(mondays)s::date[]) AS w(monday) ON w.monday BETWEEN s.first AND s.last
     GROUP BY 1, 2
"""
LOAD_ABSENCE = f"""
    SELECT t.user_id, {MONDAY.format("t.date")}, SUM(t.hours)
      FROM assignments_timeentry t JOIN assignments_timecategory c ON c.id = t.category_id
     WHERE c.is_absence AND t.date BETWEEN %(first)s AND %(last)s
     GROUP BY 1, 2
"""
LOAD_USERS = """
    SELECT u.id, u.first_name, u.last_name, u.username, cap.weekly_hours, cap.assignment_share
      FROM assignments_user u LEFT JOIN assignments_consultantcapacity cap ON cap.user_id = u.id
     WHERE (u.is_active AND u.role = ANY(%(roles)s)) OR u.id = ANY(%(planned)s)
     ORDER BY u.first_name, u.last_name, u.username
"""


def _full_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _cell(monday: date, capacity: Decimal, planned: Decimal) -> list:
    return [monday, capacity, planned, capacity - planned]


def _heat(cell: list):
    """Planned ÷ capacity in per cent as the heat map shows it ("> 100 %" with no capacity)."""
    _monday, capacity, planned, _free = cell
    if capacity > 0:
        return planned / capacity * HUNDRED
    return "> 100 %" if planned > 0 else ZERO


def _load(cursor, today: date, weeks: int) -> dict:
    """Capacity, planned and free hours per consultant and week from this week, and the totals;
    three queries."""
    from assignments.models import DEFAULT_ASSIGNMENT_SHARE, DEFAULT_WEEKLY_HOURS, Package
    from assignments.selectors import DEFAULT_LEAD_WEEKS

    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday + timedelta(weeks=k) for k in range(weeks)]
    params = {
        "this_monday": this_monday,
        "mondays": mondays,
        "lead_days": DEFAULT_LEAD_WEEKS * 7,
        "hourly_unit": Package.PriceUnit.TIMME.value,
        "closed": CLOSED,
        "no_hours": ZERO,
    }
    planned = {(user, monday): hours for user, monday, hours in _rows(cursor, LOAD_PLANNED, params)}
    span = {"first": mondays[0], "last": mondays[-1] + timedelta(days=6)}
    absence = {(user, monday): hours for user, monday, hours in _rows(cursor, LOAD_ABSENCE, span)}
    users = _rows(
        cursor, LOAD_USERS, {"roles": LOAD_ROLES, "planned": sorted({user for user, _m in planned})}
    )
    rows, totals = [], [[monday, ZERO, ZERO] for monday in mondays]
    for pk, first, last, username, weekly, share in users:
        if weekly is None:
            weekly, share = DEFAULT_WEEKLY_HOURS, DEFAULT_ASSIGNMENT_SHARE
        cells = []
        for monday, total in zip(mondays, totals, strict=True):
            available = max(weekly - absence.get((pk, monday), ZERO), ZERO)
            capacity = (available * share / HUNDRED).quantize(CENT)
            hours = planned.get((pk, monday), ZERO).quantize(CENT)
            total[1] += capacity
            total[2] += hours
            cells.append(_cell(monday, capacity, hours))
        rows.append([pk, _full_name(first, last, username), weekly, share, cells])
    return {"mondays": mondays, "rows": rows, "totals": [_cell(*total) for total in totals]}


def load(cursor, today: date, weeks: int) -> dict:
    """The load page as a head sees it: every consultant's capacity, planned and free hours per
    week, the department's totals, and the heat map's table (planned in per cent of capacity)."""
    found = _load(cursor, today, weeks)
    heat = [[name] + [_heat(c) for c in cells] for _pk, name, _w, _s, cells in found["rows"]]
    heat.append(["Avdelningen totalt"] + [_heat(c) for c in found["totals"]])
    return found | {"heat": heat}


SUGGESTION_PACKAGE = """
    SELECT p.id, p.code, p.name, p.is_manager_recruitment, pl.year
      FROM assignments_package p JOIN assignments_pricelist pl ON pl.id = p.price_list_id
     WHERE {which}
     ORDER BY pl.year DESC LIMIT 1
"""
# The consultants the competence map allows the package at the level: active konsulter and
# samordnare whose codes hold the package's, certified when it is a manager recruitment; with
# whether the map names the organisation as known, or as a district they work in.
ALLOWED = """
    SELECT u.id, u.first_name, u.last_name, u.username, c.manager_certified,
           EXISTS (SELECT 1 FROM assignments_consultantcompetence_known_organisations k
                    WHERE k.consultantcompetence_id = c.user_id AND k.organisation_id = %(organisation)s),
           EXISTS (SELECT 1 FROM assignments_consultantcompetence_areas ar
                    WHERE ar.consultantcompetence_id = c.user_id AND ar.organisation_id = %(organisation)s)
      FROM assignments_user u JOIN assignments_consultantcompetence c ON c.user_id = u.id
     WHERE u.is_active AND u.role = ANY(%(roles)s) AND c.package_codes ? %(code)s
       AND (c.manager_certified OR NOT %(needs_certificate)s)
"""
CLOSED_WITH = """
    SELECT responsible_id, COUNT(*) FROM assignments_assignment
     WHERE status = %(closed)s AND organisation_id = %(organisation)s AND responsible_id = ANY(%(ids)s)
     GROUP BY 1
"""
SATISFACTION = """
    SELECT r.consultant_id, COUNT(DISTINCT r.id),
           SUM(an.number) FILTER (WHERE an.type = %(scale)s),
           COUNT(an.number) FILTER (WHERE an.type = %(scale)s)
      FROM surveys_response r LEFT JOIN surveys_answer an ON an.response_id = r.id
     WHERE r.kind = %(kind)s AND r.answered_on BETWEEN %(start)s AND %(end)s
       AND r.consultant_id = ANY(%(ids)s)
     GROUP BY 1
"""


STANDARD_DAYS = "SELECT SUM(days) FROM assignments_standardschedulestep WHERE package_code = %(code)s"


def needed_by(ordered_on: date, today: date, standard_days: int | None = None) -> date:
    """When a new assignment ordered on `ordered_on` is needed: its planned end (the package's
    standard schedule's days after the order, else the default lead time), not before today."""
    from assignments.selectors import DEFAULT_LEAD_WEEKS

    lead = timedelta(days=standard_days) if standard_days is not None else timedelta(weeks=DEFAULT_LEAD_WEEKS)
    return max(ordered_on + lead, today)


def _suggestions(cursor, package: tuple, level: str, organisation: int, needed: date, today: date):
    from django.conf import settings

    from assignments.competence import _district
    from assignments.models import MANAGER_LEVELS
    from assignments.selectors import LOAD_WEEKS_MAX
    from assignments.suggestions import SATISFACTION_YEARS

    _pk, code, _name, manager_package, _year = package
    ((org_name, org_kind),) = _rows(
        cursor, "SELECT name, kind FROM assignments_organisation WHERE id = %(id)s", {"id": organisation}
    )
    needs_certificate = manager_package or level in MANAGER_LEVELS
    allowed = _rows(
        cursor,
        ALLOWED,
        {
            "organisation": organisation,
            "roles": LOAD_ROLES,
            "code": code,
            "needs_certificate": needs_certificate,
        },
    )
    if not allowed:
        return []
    ids = [row[0] for row in allowed]
    this_monday = today - timedelta(days=today.weekday())
    last = needed - timedelta(days=needed.weekday())
    weeks = max(1, min((last - this_monday).days // 7 + 1, LOAD_WEEKS_MAX))
    free = {
        pk: sum((cell[3] for cell in cells if cell[0] <= last), ZERO)
        for pk, _name, _w, _s, cells in _load(cursor, today, weeks)["rows"]
    }
    done = dict(_rows(cursor, CLOSED_WITH, {"closed": CLOSED, "organisation": organisation, "ids": ids}))
    scores = _rows(
        cursor,
        SATISFACTION,
        {
            "scale": Question.Type.SCALE.value,
            "kind": Kind.KUND.value,
            "start": date(today.year - SATISFACTION_YEARS, today.month, 1),
            "end": today,
            "ids": ids,
        },
    )
    satisfaction = {}
    for pk, responses, total, count in scores:
        mean = metrics.mean_from_sum(total or 0, count)
        if responses >= settings.SURVEY_MIN_GROUP and mean is not None:
            satisfaction[pk] = (responses, round(float(mean), 1))
    district = org_kind == Organisation.Kind.SDF.value
    found = []
    for pk, first, last_name, username, certified, knows, works_in in allowed:
        responses, mean = satisfaction.get(pk, (None, None))
        found.append(
            {
                "id": pk,
                "name": _full_name(first, last_name, username),
                "username": username,
                "wished": False,  # the bench asks with no wished consultant
                "allowed": True,
                "manager_certified": certified,
                "free_hours": free.get(pk, ZERO),
                "organisation_assignments": done.get(pk, 0),
                "knows_organisation": knows,
                "satisfaction_responses": responses,
                "satisfaction_mean": mean,
                "works_in_district": _district(org_name) if district and works_in else "",
            }
        )
    found.sort(
        key=lambda s: (
            -int(s["free_hours"].to_integral_value(ROUND_FLOOR)),
            -s["organisation_assignments"],
            not s["knows_organisation"],
            -(s["satisfaction_mean"] if s["satisfaction_mean"] is not None else -1),
            not s["works_in_district"],
            s["name"].lower(),
        )
    )
    return [{"rank": rank} | s for rank, s in enumerate(found, start=1)]


def suggestions_panel(cursor, package_pk: int, level: str, organisation: int, ordered_on: date, today):
    """The registration page's panel: the top `SHOWN_ON_PAGE` consultants the competence map
    allows, ranked, with their reasons' figures, and the date the assignment is needed by."""
    from assignments.suggestions import SHOWN_ON_PAGE

    (package,) = _rows(cursor, SUGGESTION_PACKAGE.format(which="p.id = %(pk)s"), {"pk": package_pk})
    cursor.execute(STANDARD_DAYS, {"code": package[1]})
    needed = needed_by(ordered_on, today, cursor.fetchone()[0])
    ranked = _suggestions(cursor, package, level, organisation, needed, today)
    return {"needed_by": needed, "ranked": ranked[:SHOWN_ON_PAGE]}


def suggestions_api(cursor, code: str, level: str, organisation: int, needed: date, today: date) -> dict:
    """The suggestions API: the package by code in this year's price list (else the newest earlier
    one), and every allowed consultant ranked with their reasons' figures."""
    which = "p.code = %(code)s AND pl.year <= %(year)s AND NOT p.is_hourly_rate"
    (package,) = _rows(cursor, SUGGESTION_PACKAGE.format(which=which), {"code": code, "year": today.year})
    ranked = _suggestions(cursor, package, level, organisation, needed, today)
    return {"price_list_year": package[4], "package": package[2], "consultants": ranked}


# --- Checking a floor against its page -----------------------------------------------------


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    numbers = (int, float, Decimal)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def first_difference(page, floor, path: str = "") -> str | None:
    """Where the floor's figures first differ from the page's, and how; None when they agree.
    Numbers agree when equal in value (12.5, Decimal("12.50")); tuples and lists alike."""
    if isinstance(page, dict) and isinstance(floor, dict):
        for key in page.keys() | floor.keys():
            where = f"{path}.{key}" if path else str(key)
            if key not in floor:
                return f"{where}: sidan visar den, golvet saknar den"
            if key not in page:
                return f"{where}: golvet har den, sidan visar den inte"
        for key in sorted(page, key=str):
            found = first_difference(page[key], floor[key], f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(page, (list, tuple)) and isinstance(floor, (list, tuple)):
        for i, (a, b) in enumerate(zip(page, floor, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(page) != len(floor):
            return f"{path}: sidan har {len(page)} rader, golvet {len(floor)}"
        return None
    if _same(page, floor):
        return None
    return f"{path}: sidan {page!r}, golvet {floor!r}"
