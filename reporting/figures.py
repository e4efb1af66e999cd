"""The figures of the dashboard, the tertial report and the summary API, in one place.

Every figure is an SQL aggregate over the register with the definitions of the other apps:
counts by order and close date, revenue by invoice date, survey figures from surveys.selectors
(metrics.py), indicators from planning.services. A figure with no data is None, never 0.

Definitions (the economy ones are written out on the dashboard too):
- *fakturerat*: invoiced amounts by invoice date;
- *bokat*: closed assignments not yet invoiced, at their agreed price, by close date;
- *beställt*: assignments ordered and still open (not closed), at their agreed price;
- *prognos*: (fakturerat + bokat to date + beställt) ÷ (1 − December share) while December is
  still ahead; with December included, fakturerat + bokat + beställt;
- *intäkt per årsarbetare*: fakturerat ÷ the budget's FTEs, as the plan's measure; the yearly
  summary uses a closed year's entered outcome FTEs where there is one;
- *resultat*: intäkter (fakturerat + bokat) − the costs entered per month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from assignments.models import Assignment, Budget, Organisation, Package, TimeEntry, Unit, User
from assignments.selectors import new_managers
from planning.models import Activity, GoalAssessment, Plan
from planning.services import outcome as indicator_outcome
from rekrytering.periods import Period, period
from surveys import metrics
from surveys.models import FollowUp, Kind
from surveys.selectors import ResultFilter, customer_scores_by_consultant, headlines

from .models import MonthlyCost, YearOutcome

MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
KIND_LABELS = {k: str(v) for k, v in Organisation.Kind.choices}


@dataclass
class Table:
    """A table of the dashboard: shown, charted and downloadable as .xlsx from the same rows."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: dict | None = None  # {"type": "bar"|"columns"|"line", "label": 0, "values": [1, 2]}
    note: str = ""
    formats: list[str] = field(default_factory=list)  # per column: "", "kr", "pct", "h", "dec"


@dataclass
class Scope:
    """Whose figures: the department, a unit or one consultant, for a period."""

    period: Period
    unit: Unit | None = None
    consultant: User | None = None

    def q(self, prefix: str = "") -> Q:
        if self.consultant is not None:
            return Q(**{f"{prefix}responsible": self.consultant})
        if self.unit is not None:
            return Q(**{f"{prefix}responsible__unit": self.unit})
        return Q()

    def time_q(self) -> Q:
        if self.consultant is not None:
            return Q(user=self.consultant)
        if self.unit is not None:
            return Q(user__unit=self.unit)
        return Q()

    @property
    def department(self) -> bool:
        return self.unit is None and self.consultant is None

    def result_filter(self) -> ResultFilter:
        return ResultFilter(
            unit=self.unit.pk if self.unit else None,
            consultant=self.consultant.pk if self.consultant else None,
        )

    @property
    def span(self) -> tuple[date, date]:
        return self.period.start, self.period.end


def _ratio(part, whole, places: str = "1") -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places))


def _share(part, whole) -> Decimal | None:
    value = metrics.share_from_counts(part, whole)
    return None if value is None else Decimal(str(value))


def as_decimal(value) -> Decimal | None:
    """A figure as a Decimal (floats via their text, so 9.4 stays 9.4); None stays None."""
    return None if value is None else Decimal(str(value))


# --- Assignments ---------------------------------------------------------------------------


def package_names(year: int) -> dict[str, Package]:
    """code → the year's package (name, standard hours); codes of other years fall back later."""
    return {p.code: p for p in Package.objects.filter(price_list__year=year)}


def assignment_figures(scope: Scope, packages: dict[str, Package]) -> dict:
    start, end = scope.span
    base = Assignment.objects.filter(scope.q())
    in_period = Q(ordered_on__range=(start, end))
    closed = Q(closed_on__range=(start, end))
    per_package = (
        base.filter(in_period | closed)
        .values("package__code")
        .annotate(
            ordered=Count("id", filter=in_period),
            closed=Count("id", filter=closed),
            without_letter=Count("id", filter=in_period & Q(personal_letter=False)),
            screening=Count("id", filter=in_period & Q(screening=True)),
            name=Max("package__name"),
        )
        .order_by("package__code")
    )
    package_rows, totals = [], {"ordered": 0, "closed": 0, "without_letter": 0, "screening": 0}
    for row in per_package:
        package = packages.get(row["package__code"])
        package_rows.append(
            [package.name if package else row["name"], row["package__code"], row["ordered"], row["closed"]]
        )
        for key in totals:
            totals[key] += row[key]
    package_rows.sort(key=lambda r: (-r[2], r[0]))
    per_kind: dict[str, int] = {}
    per_sector: dict[str, int] = {}
    for row in base.filter(in_period).values("organisation__kind", "sector__name").annotate(n=Count("id")):
        kind = KIND_LABELS.get(row["organisation__kind"], row["organisation__kind"])
        per_kind[kind] = per_kind.get(kind, 0) + row["n"]
        sector = row["sector__name"] or "Ej angiven"
        per_sector[sector] = per_sector.get(sector, 0) + row["n"]
    managers = new_managers(start, end)
    if not scope.department:
        managers = managers.filter(assignments__in=base.filter(in_period)).distinct()
    return {
        "ordered": totals["ordered"],
        "closed": totals["closed"],
        "share_without_letter": _share(totals["without_letter"], totals["ordered"]),
        "share_screening": _share(totals["screening"], totals["ordered"]),
        "new_managers": managers.count(),
        "per_package": package_rows,
        "per_kind": sorted(([k, n] for k, n in per_kind.items()), key=lambda r: (-r[1], r[0])),
        "per_sector": sorted(([k, n] for k, n in per_sector.items()), key=lambda r: (-r[1], r[0])),
    }


# --- Economy -------------------------------------------------------------------------------


def december_share() -> Decimal:
    return Decimal(str(settings.REPORTING_DECEMBER_SHARE))


def monthly_budget(budget: Budget | None) -> list[Decimal | None]:
    """The revenue budget month by month: the December share in December, the rest spread evenly."""
    if budget is None:
        return [None] * 12
    december = (budget.revenue * december_share()).quantize(Decimal("1"))
    other = ((budget.revenue - december) / 11).quantize(Decimal("1"))
    return [other] * 11 + [budget.revenue - 11 * other]


def finance_years(years) -> tuple[dict, dict]:
    """Budgets and entered outcomes of some years, by year (two queries)."""
    return (
        {b.year: b for b in Budget.objects.filter(year__in=list(years))},
        {o.year: o for o in YearOutcome.objects.filter(year__in=list(years))},
    )


def economy_figures(scope: Scope, finance: tuple[dict, dict] | None = None) -> dict:
    year = scope.period.year
    start, end = scope.span
    base = Assignment.objects.filter(scope.q())
    invoiced = dict(
        base.filter(invoiced_on__year=year)
        .annotate(m=ExtractMonth("invoiced_on"))
        .values("m")
        .annotate(total=Sum("invoiced_amount"))
        .values_list("m", "total")
    )
    booked = dict(
        base.filter(closed_on__year=year, invoiced_on__isnull=True, status=Assignment.Status.AVSLUTAD)
        .annotate(m=ExtractMonth("closed_on"))
        .values("m")
        .annotate(total=Sum("price"))
        .values_list("m", "total")
    )
    open_orders = base.filter(closed_on__isnull=True, ordered_on__lte=end).exclude(
        status=Assignment.Status.AVSLUTAD
    )
    ordered_value = open_orders.aggregate(total=Sum("price"))["total"]
    budgets, _outcomes = finance or finance_years([year])
    budget = budgets.get(year)
    costs = (
        dict(MonthlyCost.objects.filter(year=year).values_list("month", "amount")) if scope.department else {}
    )
    budget_months = monthly_budget(budget) if scope.department else [None] * 12

    months, cum_rev, cum_budget = [], Decimal(0), Decimal(0)
    last_month = end.month
    for m in range(1, 13):
        inv, bok = invoiced.get(m), booked.get(m)
        revenue = None if inv is None and bok is None else (inv or 0) + (bok or 0)
        if m <= last_month:
            cum_rev += revenue or 0
        if budget_months[m - 1] is not None:
            cum_budget += budget_months[m - 1]
        months.append(
            {
                "month": MONTHS[m - 1],
                "invoiced": inv,
                "booked": bok,
                "revenue": revenue,
                "budget": budget_months[m - 1],
                "cumulative": cum_rev if m <= last_month else None,
                "cumulative_budget": cum_budget if budget_months[m - 1] is not None else None,
                "costs": costs.get(m),
            }
        )
    in_period = [row for i, row in enumerate(months, start=1) if start.month <= i <= end.month]
    invoiced_period = _sum([row["invoiced"] for row in in_period])
    booked_period = _sum([row["booked"] for row in in_period])
    revenue_period = _sum([row["revenue"] for row in in_period])
    costs_period = _sum([row["costs"] for row in in_period])
    budget_period = _sum([row["budget"] for row in in_period])
    to_date = _sum([row["revenue"] for row in months[:last_month]])
    forecast = None
    if to_date is not None or ordered_value is not None:
        known = (to_date or 0) + (ordered_value or 0)
        forecast = known if last_month == 12 else (known / (1 - december_share())).quantize(Decimal("1"))
    ftes = budget.ftes if budget else None  # as planning.measures.revenue_per_fte
    return {
        "months": months,
        "invoiced": invoiced_period,
        "booked": booked_period,
        "revenue": revenue_period,
        "budget": budget_period,
        "budget_year": budget.revenue if budget and scope.department else None,
        "ordered_value": ordered_value,
        "forecast": forecast,
        "ftes": ftes if scope.department else None,
        "revenue_per_fte": _ratio(invoiced_period, ftes, "1") if scope.department else None,
        "costs": costs_period,
        "result": None if revenue_period is None or costs_period is None else revenue_period - costs_period,
    }


def _sum(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def economy_years(last_year: int, count: int = 3, finance: tuple[dict, dict] | None = None) -> dict:
    """The yearly summary like the department's 2023–2025 table, in kronor: per year FTEs,
    budgeted and actual revenue, revenue per FTE, budgeted and actual costs, result; an average row."""
    years = list(range(last_year - count + 1, last_year + 1))
    budgets, outcomes = finance or finance_years(years)
    invoiced = dict(
        Assignment.objects.filter(invoiced_on__year__in=years)
        .annotate(y=ExtractYear("invoiced_on"))
        .values("y")
        .annotate(total=Sum("invoiced_amount"))
        .values_list("y", "total")
    )
    costs = dict(
        MonthlyCost.objects.filter(year__in=years)
        .values("year")
        .annotate(total=Sum("amount"))
        .values_list("year", "total")
    )
    rows = []
    for year in years:
        budget, outcome = budgets.get(year), outcomes.get(year)
        ftes = outcome.ftes if outcome and outcome.ftes is not None else (budget.ftes if budget else None)
        revenue = outcome.revenue if outcome and outcome.revenue is not None else invoiced.get(year)
        cost = outcome.costs if outcome and outcome.costs is not None else costs.get(year)
        rows.append(
            {
                "year": year,
                "ftes": ftes,
                "revenue_budget": budget.revenue if budget else None,
                "revenue": revenue,
                "revenue_per_fte": _ratio(revenue, ftes, "1"),
                "costs_budget": budget.costs if budget else None,
                "costs": cost,
                "result": None if revenue is None or cost is None else revenue - cost,
            }
        )

    def mean(key):
        values = [row[key] for row in rows if row[key] is not None]
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("1")) if values else None

    average = {"year": "Genomsnitt", "revenue": mean("revenue"), "revenue_per_fte": mean("revenue_per_fte")}
    average["result"] = mean("result")
    return {"rows": rows, "average": average}


# --- Time ----------------------------------------------------------------------------------


def time_figures(scope: Scope, packages: dict[str, Package], closed_per_package: dict[str, int]) -> dict:
    """Hours on assignments closed in the period per package, divided by the number closed (as
    the plan's mean-hours measure), and each consultant's share of time on assignments."""
    start, end = scope.span
    per_package = (
        TimeEntry.objects.filter(assignment__closed_on__range=(start, end))
        .filter(scope.q("assignment__"))
        .values("assignment__package__code")
        .annotate(hours=Sum("hours"))
        .order_by("assignment__package__code")
    )
    package_rows = []
    for row in per_package:
        package = packages.get(row["assignment__package__code"])
        closed = closed_per_package.get(row["assignment__package__code"], 0)
        mean = _ratio(row["hours"], closed, "0.1")
        package_rows.append(
            [
                package.name if package else row["assignment__package__code"],
                closed,
                row["hours"],
                mean,
                package.standard_hours if package else None,
            ]
        )
    per_user = (
        TimeEntry.objects.filter(date__range=(start, end))
        .filter(scope.time_q())
        .values("user")
        .annotate(total=Sum("hours"), on_assignments=Sum("hours", filter=Q(assignment__isnull=False)))
    )
    per_user = {row["user"]: row for row in per_user}
    total = sum((row["total"] or 0 for row in per_user.values()), Decimal(0))
    on_assignments = sum((row["on_assignments"] or 0 for row in per_user.values()), Decimal(0))
    return {
        "per_package": package_rows,
        "per_user": per_user,
        "hours": total if per_user else None,
        "assignment_hours": on_assignments if per_user else None,
        "share_assignment_time": _share(on_assignments, total),
    }


# --- Surveys -------------------------------------------------------------------------------


def survey_figures(scope: Scope) -> dict:
    kinds = [Kind.KUND] if scope.consultant is not None else [Kind.KUND, Kind.KANDIDAT, Kind.MATCHNING]
    flt = scope.result_filter()
    now = headlines(scope.period, flt, kinds)
    before = headlines(scope.period.previous_year, flt, kinds)
    return {"now": now, "before": before, "kinds": kinds}


# --- Plan ----------------------------------------------------------------------------------


def plan_figures(scope: Scope) -> dict | None:
    plan = (
        Plan.objects.filter(year=scope.period.year, unit=scope.unit)
        .prefetch_related("goals__indicators__outcomes")
        .first()
    )
    if plan is None:
        return None
    tertial = scope.period.tertial
    indicators = []
    for goal in plan.goals.all():
        for indicator in goal.indicators.all():
            stored = next((o for o in indicator.outcomes.all() if o.tertial == tertial), None)
            result = indicator_outcome(indicator, tertial, stored=stored)
            indicators.append({"goal": goal, "indicator": indicator, "outcome": result})
    statuses = {k: str(v) for k, v in Activity.Status.choices}
    by_status = (
        Activity.objects.filter(goal__plan=plan).values("status").annotate(n=Count("id")).order_by("status")
    )
    assessments = (
        GoalAssessment.objects.filter(goal__plan=plan, tertial=tertial)
        .values("assessment")
        .annotate(n=Count("id"))
    )
    grades = {k: str(v) for k, v in GoalAssessment.Assessment.choices}
    return {
        "plan": plan,
        "tertial": tertial,
        "indicators": indicators,
        "met": sum(1 for i in indicators if i["outcome"].met is True),
        "not_met": sum(1 for i in indicators if i["outcome"].met is False),
        "activities": [[statuses.get(r["status"], r["status"]), r["n"]] for r in by_status],
        "assessments": [[grades.get(r["assessment"], r["assessment"]), r["n"]] for r in assessments],
    }


def follow_up_counts(scope: Scope, today: date) -> dict:
    qs = FollowUp.objects.filter(done=False)
    if scope.consultant is not None:
        qs = qs.filter(response__consultant=scope.consultant)
    elif scope.unit is not None:
        qs = qs.filter(response__unit=scope.unit)
    return qs.aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))


# --- Per consultant ------------------------------------------------------------------------


def consultants() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=[User.Role.KONSULT, User.Role.SAMORDNARE]).order_by(
            "first_name", "last_name"
        )
    )


def consultant_rows(scope: Scope, time: dict, everyone: list[User] | None = None) -> list[list]:
    start, end = scope.span
    if scope.consultant is not None:
        users = [scope.consultant]
    else:
        users = everyone if everyone is not None else consultants()
        if scope.unit is not None:
            users = [u for u in users if u.unit_id == scope.unit.pk]
    figures = {
        row["responsible"]: row
        for row in Assignment.objects.filter(responsible__in=users)
        .values("responsible")
        .annotate(
            ordered=Count("id", filter=Q(ordered_on__range=(start, end))),
            closed=Count("id", filter=Q(closed_on__range=(start, end))),
            revenue=Sum("invoiced_amount", filter=Q(invoiced_on__range=(start, end))),
        )
    }
    survey = customer_scores_by_consultant(scope.period, [u.pk for u in users])
    rows = []
    for user in users:
        f, t, s = figures.get(user.pk, {}), time["per_user"].get(user.pk, {}), survey.get(user.pk)
        hours, on_assignments = t.get("total"), t.get("on_assignments")
        rows.append(
            [
                user.get_full_name() or user.username,
                f.get("ordered", 0),
                f.get("closed", 0),
                f.get("revenue"),
                hours,
                _share(on_assignments or 0, hours),
                s["responses"] if s else 0,
                as_decimal(s["nps"]) if s else None,
                as_decimal(s["mean"]) if s else None,
            ]
        )
    return rows


# --- Key figures (Sammanfattning, summary API) ---------------------------------------------

KEY_FIGURES = [
    ("uppdrag_bestallda", "Beställda uppdrag"),
    ("uppdrag_avslutade", "Avslutade uppdrag"),
    ("nya_bestallare", "Nya beställare"),
    ("intakter_fakturerade", "Fakturerade intäkter (kr)"),
    ("intakter_bokade", "Bokade, ej fakturerade intäkter (kr)"),
    ("intakt_per_arsarbetare", "Intäkt per årsarbetare (kr)"),
    ("intakter_prognos_ar", "Prognos intäkter helår (kr)"),
    ("resultat", "Resultat (kr)"),
    ("kund_nps", "Kundenkät: NPS"),
    ("kund_andel_nojda", "Kundenkät: andel nöjda (%)"),
    ("kund_snittbetyg", "Kundenkät: snittbetyg"),
    ("kund_svarsfrekvens", "Kundenkät: svarsfrekvens (%)"),
    ("kandidat_svarsfrekvens", "Kandidatenkät: svarsfrekvens (%)"),
    ("kandidat_helhetsbetyg", "Kandidatenkät: helhetsbetyg"),
    ("matchning_snitt", "Matchningsenkät: snittbetyg"),
    ("matchning_svarsfrekvens", "Matchningsenkät: svarsfrekvens (%)"),
]


COUNT_KEYS = {"uppdrag_bestallda", "uppdrag_avslutade", "nya_bestallare"}


def key_figures(assignments: dict, economy: dict, surveys: dict) -> dict:
    now = surveys["now"]
    kund, kandidat, matchning = now.get(Kind.KUND), now.get(Kind.KANDIDAT), now.get(Kind.MATCHNING)
    return {
        "uppdrag_bestallda": assignments["ordered"],
        "uppdrag_avslutade": assignments["closed"],
        "nya_bestallare": assignments["new_managers"],
        "intakter_fakturerade": economy["invoiced"],
        "intakter_bokade": economy["booked"],
        "intakt_per_arsarbetare": economy["revenue_per_fte"],
        "intakter_prognos_ar": economy["forecast"],
        "resultat": economy["result"],
        "kund_nps": as_decimal(kund.nps) if kund else None,
        "kund_andel_nojda": as_decimal(kund.share_satisfied) if kund else None,
        "kund_snittbetyg": as_decimal(kund.mean) if kund else None,
        "kund_svarsfrekvens": as_decimal(kund.response_rate) if kund else None,
        "kandidat_svarsfrekvens": as_decimal(kandidat.response_rate) if kandidat else None,
        "kandidat_helhetsbetyg": as_decimal(kandidat.mean) if kandidat else None,
        "matchning_snitt": as_decimal(matchning.mean) if matchning else None,
        "matchning_svarsfrekvens": as_decimal(matchning.response_rate) if matchning else None,
    }


def summary(year: int, code: str, *, unit: Unit | None = None) -> dict:
    """The key figures and the ordered count per package code (the summary API)."""
    scope = Scope(period(year, code), unit=unit)
    packages = package_names(year)
    assignments = assignment_figures(scope, packages)
    figures = key_figures(assignments, economy_figures(scope), survey_figures(scope))
    figures["uppdrag_per_paket"] = {row[1]: row[2] for row in assignments["per_package"] if row[2]}
    return figures
