"""The register and economy figures, each defined once (as in shared/domain.md).

The dashboard, the tertial report workbook, the summary API and the plan's measures all call
these functions; none of them computes a figure of its own. A figure with no data is None, never 0.

- *beställda* / *avslutade* uppdrag: counted by order date / close date in the period;
- *snittid*: hours reported on the assignments closed in the period ÷ the number closed;
- *nya beställare*: managers whose first assignment was ordered in the period;
- *intäkter*: invoiced (by invoice date: the invoiced amount, else price + extra hours × the year's
  hourly rate) + *bokat* (closed, not yet invoiced, valued the same way, by close date);
- *kostnader*: the monthly costs entered, else (for a month that has ended) the cost budget
  spread like the revenue budget;
- *resultat*: intäkter − kostnader; for a closed year whose outcome was entered, the entered
  outcome (each entered figure replaces the counted one);
- *prognos helår*: depends on today, never on the period viewed: intäkter so far this year + the
  agreed price of ongoing assignments + last year's intäkter for the rest of the year × (this
  year's intäkter so far ÷ last year's for the same part of the year); after the year, the outcome;
- *intäkt per årsarbetare*: intäkter ÷ the year's FTEs (the budget's, the entered outcome's for a
  closed year).

The finance system's figures (monthly costs, a closed year's outcome) are entered on the
reporting pages and stored in reporting's tables; they are read here by model name so that the
definitions stay beside the register and nothing imports from reporting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from rekrytering import memo, sqlcache

from .models import ZERO, Assignment, Budget, Manager, Package

MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
ALL = Q()  # no filter: the whole department
MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def _sum(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def ratio(part, whole, places: str = "1") -> Decimal | None:
    """part ÷ whole rounded to `places`; None without a part or a whole."""
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places))


# --- Assignments and hours -----------------------------------------------------------------


def ordered_in(start: date, end: date) -> Q:
    """An assignment *beställt* in the period: by its order date."""
    return Q(ordered_on__range=(start, end))


def closed_in(start: date, end: date) -> Q:
    """An assignment *avslutat* in the period: by its close date."""
    return Q(closed_on__range=(start, end))


def hours_on_closed(start: date, end: date, q: Q = ALL) -> dict[str, Decimal]:
    """Hours reported on the assignments closed in the period, per package code (one query, from
    the period's closed assignments to their time entries)."""
    rows = (
        Assignment.objects.filter(q, closed_in(start, end))
        .values("package__code")
        .annotate(hours=Sum("time_entries__hours"))
        .order_by("package__code")
    )
    return {row["package__code"]: row["hours"] for row in rows if row["hours"] is not None}


def mean_hours(hours, closed: int) -> Decimal | None:
    """*Snittid*: hours on the closed assignments ÷ the number closed (those without time too)."""
    return ratio(hours or ZERO, closed, "0.1") if closed else None


def no_earlier_order(start: date, manager_field: str = "pk"):
    """The manager (`manager_field` of the row) ordered nothing before `start`: with an order in
    the period, a *ny beställare*."""
    return ~Exists(Assignment.objects.filter(manager=OuterRef(manager_field), ordered_on__lt=start))


def _managers_ordering_in(start: date, end: date, assignments=None):
    in_period = Assignment.objects.filter(ordered_in(start, end))
    if assignments is not None:
        in_period = in_period.filter(pk__in=assignments.values("pk"))
    return Manager.objects.filter(pk__in=in_period.values("manager_id"))


def new_managers(start: date, end: date, assignments=None):
    """Managers whose first assignment was ordered in [start, end]: the period's *nya beställare*.
    `assignments`: only managers who ordered one of these (a unit's or a consultant's slice)."""
    return _managers_ordering_in(start, end, assignments).filter(no_earlier_order(start))


def new_manager_count(start: date, end: date, assignments=None) -> int:
    """The number of new_managers(): the condition in the count, not the WHERE, so that
    PostgreSQL looks once per manager of the period for an earlier order (a subplan) instead of
    joining against the whole history."""
    managers = _managers_ordering_in(start, end, assignments)
    return managers.aggregate(n=Count("pk", filter=no_earlier_order(start)))["n"]


# --- Intäkter ------------------------------------------------------------------------------


def _hourly_rate():
    """The hourly rate of the assignment's price list (the order year's)."""
    rate = Package.objects.filter(price_list_id=OuterRef("package__price_list_id"), is_hourly_rate=True)
    return Coalesce(Subquery(rate.values("price")[:1]), Value(ZERO), output_field=MONEY_FIELD)


def agreed_value():
    """Price + extra hours × the year's hourly rate: what an assignment brings in."""
    return ExpressionWrapper(F("price") + F("extra_hours") * _hourly_rate(), output_field=MONEY_FIELD)


def invoiced_value():
    """The invoiced amount, or the agreed value when no amount was recorded."""
    return Coalesce(F("invoiced_amount"), agreed_value(), output_field=MONEY_FIELD)


def invoiced_in(start: date, end: date) -> Q:
    return Q(invoiced_on__range=(start, end))


def booked_in(start: date, end: date) -> Q:
    """*Bokat*: closed in the period and not yet invoiced."""
    return Q(closed_on__range=(start, end), invoiced_on__isnull=True, status=Assignment.Status.AVSLUTAD)


def ongoing(today: date) -> Q:
    """Ordered by today and not closed: its agreed price is still to come."""
    return Q(ordered_on__lte=today, closed_on__isnull=True) & ~Q(status=Assignment.Status.AVSLUTAD)


def revenue_months(years, q: Q = ALL) -> dict[int, tuple[dict[int, Decimal], dict[int, Decimal]]]:
    """year → (invoiced, booked) per month, for some years (two queries, each over the years'
    dates only). Inside `rekrytering.memo.figure_cache` each year is fetched once per page."""
    years = sorted(set(years))
    found = {year: memo.lookup(("revenue_months", year, q)) for year in years}
    missing = [year for year, value in found.items() if value is None]
    if missing:
        start, end = date(missing[0], 1, 1), date(missing[-1], 12, 31)
        fetched = {year: ({}, {}) for year in missing}
        # Compiled once per connection (rekrytering.sqlcache): the SQL depends on q and the dates.
        invoiced = sqlcache.rows(
            ("revenue_invoiced", start, end, q),
            lambda: (
                Assignment.objects.filter(q)
                .filter(invoiced_in(start, end))
                .annotate(y=ExtractYear("invoiced_on"), m=ExtractMonth("invoiced_on"))
                .values("y", "m")
                .annotate(total=Sum(invoiced_value()))
                .values_list("y", "m", "total")
            ),
        )
        booked = sqlcache.rows(
            ("revenue_booked", start, end, q),
            lambda: (
                Assignment.objects.filter(q)
                .filter(booked_in(start, end))
                .annotate(y=ExtractYear("closed_on"), m=ExtractMonth("closed_on"))
                .values("y", "m")
                .annotate(total=Sum(agreed_value()))
                .values_list("y", "m", "total")
            ),
        )
        for index, rows in ((0, invoiced), (1, booked)):
            for y, m, total in rows:
                if y in fetched:
                    fetched[y][index][m] = total
        for year, value in fetched.items():
            found[year] = memo.keep(("revenue_months", year, q), value)
    return found


def revenue_by_month(year: int, q: Q = ALL) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Invoiced and booked per month of the year (two queries)."""
    return revenue_months([year], q)[year]


def revenue_by_year(years, q: Q = ALL) -> dict[int, Decimal]:
    """*Intäkter* per year (two queries); a year without any is left out."""
    found: dict[int, Decimal] = {}
    for year, (invoiced, booked) in revenue_months(years, q).items():
        values = [*invoiced.values(), *booked.values()]
        if values:
            found[year] = sum((v or ZERO for v in values), ZERO)
    return found


def _revenue_sum(start: date, end: date) -> Sum:
    """An aggregate of the intäkter dated in [start, end], for one query with several spans."""
    return Coalesce(
        Sum(invoiced_value(), filter=invoiced_in(start, end)), Value(ZERO), output_field=MONEY_FIELD
    ) + Coalesce(Sum(agreed_value(), filter=booked_in(start, end)), Value(ZERO), output_field=MONEY_FIELD)


# --- Budget, costs and the finance system's figures ----------------------------------------


def december_share() -> Decimal:
    return Decimal(str(settings.REPORTING_DECEMBER_SHARE))


def budget_months(amount: Decimal | None) -> list[Decimal | None]:
    """A year's budget month by month: the December share in December, the rest spread evenly."""
    if amount is None:
        return [None] * 12
    december = (amount * december_share()).quantize(Decimal("1"))
    other = ((amount - december) / 11).quantize(Decimal("1"))
    return [other] * 11 + [amount - 11 * other]


@dataclass
class Finance:
    """Budgets, the monthly costs and the closed years' outcomes entered, by year."""

    budgets: dict[int, Budget] = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    costs: dict[int, dict[int, Decimal]] = field(default_factory=dict)


def finance(years) -> Finance:
    """The finance figures of some years (three queries; inside a figure cache, none for the
    years already fetched)."""
    years = sorted(set(years))
    parts = {year: memo.lookup(("finance", year)) for year in years}
    missing = [year for year, part in parts.items() if part is None]
    if missing:
        monthly_cost = apps.get_model("reporting", "MonthlyCost")
        year_outcome = apps.get_model("reporting", "YearOutcome")
        fetched = {year: [None, None, {}] for year in missing}
        for year, month, amount in monthly_cost.objects.filter(year__in=missing).values_list(
            "year", "month", "amount"
        ):
            fetched[year][2][month] = amount
        for budget in Budget.objects.filter(year__in=missing):
            fetched[budget.year][0] = budget
        for outcome in year_outcome.objects.filter(year__in=missing):
            fetched[outcome.year][1] = outcome
        for year, part in fetched.items():
            parts[year] = memo.keep(("finance", year), tuple(part))
    fin = Finance()
    for year, (budget, outcome, costs) in parts.items():
        if budget is not None:
            fin.budgets[year] = budget
        if outcome is not None:
            fin.outcomes[year] = outcome
        if costs:
            fin.costs[year] = costs
    return fin


def _month_ended(year: int, month: int, today: date) -> bool:
    return (year, month) < (today.year, today.month)


def cost_months(year: int, today: date, fin: Finance) -> list[Decimal | None]:
    """*Kostnader* month by month: entered, else the cost budget's month once the month has
    ended (a running month's budget would count costs of days that have not happened yet)."""
    budget = fin.budgets.get(year)
    spread = budget_months(budget.costs if budget else None)
    entered = fin.costs.get(year, {})
    return [entered.get(m, spread[m - 1] if _month_ended(year, m, today) else None) for m in range(1, 13)]


def is_whole_year(start: date, end: date) -> bool:
    return (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year


@dataclass
class Settled:
    """A period's intäkter, kostnader, FTEs, intäkt per årsarbetare and resultat, with which of
    them are the finance system's entered outcome (`entered`) rather than counted."""

    revenue: Decimal | None
    costs: Decimal | None
    ftes: Decimal | None
    revenue_per_fte: Decimal | None
    result: Decimal | None
    entered: frozenset = frozenset()


def settle(year: int, whole_year: bool, today: date, revenue, costs, fin: Finance) -> Settled:
    """The department's figures of a period from the counted intäkter and kostnader: a closed
    year's entered outcome replaces each counted figure it gives."""
    budget = fin.budgets.get(year)
    ftes = budget.ftes if budget else None
    entered = set()
    outcome = fin.outcomes.get(year) if whole_year and year < today.year else None
    if outcome is not None:
        for name in ("revenue", "costs", "ftes"):
            if getattr(outcome, name) is not None:
                entered.add(name)
        revenue = outcome.revenue if outcome.revenue is not None else revenue
        costs = outcome.costs if outcome.costs is not None else costs
        ftes = outcome.ftes if outcome.ftes is not None else ftes
    return Settled(
        revenue=revenue,
        costs=costs,
        ftes=ftes,
        revenue_per_fte=ratio(revenue, ftes, "1"),
        result=None if revenue is None or costs is None else revenue - costs,
        entered=frozenset(entered),
    )


# --- Prognos helår -------------------------------------------------------------------------


@dataclass
class Forecast:
    value: Decimal | None
    so_far: Decimal | None = None
    ongoing: Decimal | None = None
    remaining: Decimal | None = None  # last year's intäkter for the rest of the year, scaled
    factor: Decimal | None = None  # this year's intäkter so far ÷ last year's for the same days
    closed: bool = False  # the year has ended: the forecast is the outcome


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def forecast(
    year: int,
    today: date,
    q: Q = ALL,
    *,
    department: bool = True,
    fin: Finance | None = None,
    counted: Decimal | None | object = ...,
) -> Forecast:
    """*Prognos helår* as of `today` (at most one query); the period viewed plays no part.
    `counted`: the year's counted intäkter (None: none) when the caller has them already."""
    if year > today.year:
        return Forecast(None)
    if year < today.year:
        if counted is ...:
            counted = revenue_by_year([year], q).get(year)
        if department:
            fin = fin if fin is not None else finance([year])
            counted = settle(year, True, today, counted, None, fin).revenue
        return Forecast(counted, closed=True)
    last_day = _same_day_last_year(today)
    # Only the rows the figures can count: dated from last January on, or still open.
    since = date(year - 1, 1, 1)
    dated = invoiced_in(since, today) | Q(closed_on__range=(since, today)) | ongoing(today)
    row = (
        Assignment.objects.filter(q)
        .filter(dated)
        .aggregate(
            so_far=_revenue_sum(date(year, 1, 1), today),
            last_same=_revenue_sum(date(year - 1, 1, 1), last_day),
            last_rest=_revenue_sum(last_day + timedelta(days=1), date(year - 1, 12, 31)),
            ongoing=Coalesce(Sum("price", filter=ongoing(today)), Value(ZERO), output_field=MONEY_FIELD),
        )
    )
    so_far, same, rest, open_value = row["so_far"], row["last_same"], row["last_rest"], row["ongoing"]
    if not (so_far or same or rest or open_value):
        return Forecast(None)
    factor = (so_far / same) if same else None
    remaining = (rest * factor) if factor is not None else ZERO
    value = (so_far + open_value + remaining).quantize(Decimal("1"))
    return Forecast(
        value,
        so_far=so_far,
        ongoing=open_value,
        remaining=remaining.quantize(Decimal("1")),
        factor=None if factor is None else factor.quantize(Decimal("0.001")),
    )


# --- A period's economy --------------------------------------------------------------------


def economy(
    start: date,
    end: date,
    today: date,
    *,
    q: Q = ALL,
    department: bool = True,
    fin: Finance | None = None,
    with_forecast: bool = True,
) -> dict:
    """The economy of a period within one year: month by month and in total, as every page shows it.
    `department=False` (a unit's or consultant's slice): intäkter only; costs and FTEs are the
    department's."""
    year = start.year
    fin = fin if fin is not None else finance([year])
    invoiced, booked = revenue_by_month(year, q)
    budget = fin.budgets.get(year)
    revenue_budget = budget_months(budget.revenue if budget else None) if department else [None] * 12
    costs = cost_months(year, today, fin) if department else [None] * 12
    # The accumulated line runs to the period's end, but never past the current month.
    last = end.month if year < today.year else (min(end.month, today.month) if year == today.year else 0)
    months, cumulative, cumulative_budget = [], ZERO, ZERO
    for m in range(1, 13):
        inv, bok = invoiced.get(m), booked.get(m)
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
    shown = months[start.month - 1 : end.month]
    counted_revenue = _sum(row["revenue"] for row in shown)
    counted_costs = _sum(row["costs"] for row in shown)
    if department:
        settled = settle(year, is_whole_year(start, end), today, counted_revenue, counted_costs, fin)
    else:
        settled = Settled(counted_revenue, None, None, None, None)
    prognosis = Forecast(None)
    if with_forecast:
        whole = _sum(row["revenue"] for row in months)
        prognosis = forecast(year, today, q, department=department, fin=fin, counted=whole)
    return {
        "months": months,
        "invoiced": _sum(row["invoiced"] for row in shown),
        "booked": _sum(row["booked"] for row in shown),
        "revenue": settled.revenue,
        "budget": _sum(row["budget"] for row in shown),
        "budget_year": budget.revenue if budget and department else None,
        "ordered_value": prognosis.ongoing,
        "forecast": prognosis.value,
        "prognosis": prognosis,
        "ftes": settled.ftes,
        "revenue_per_fte": settled.revenue_per_fte,
        "costs": settled.costs,
        "result": settled.result,
        "entered": settled.entered,
    }


def year_summary(years, today: date, fin: Finance | None = None) -> list[dict]:
    """Per year, the department's FTEs, budgeted and actual intäkter, intäkt per årsarbetare,
    budgeted and actual kostnader and resultat, settled as `economy` settles a whole year
    (two queries besides the finance figures)."""
    years = list(years)
    fin = fin if fin is not None else finance(years)
    revenue = revenue_by_year(years)
    rows = []
    for year in years:
        budget = fin.budgets.get(year)
        counted_costs = _sum(cost_months(year, today, fin))
        settled = settle(year, True, today, revenue.get(year), counted_costs, fin)
        rows.append(
            {
                "year": year,
                "ftes": settled.ftes,
                "revenue_budget": budget.revenue if budget else None,
                "revenue": settled.revenue,
                "revenue_per_fte": settled.revenue_per_fte,
                "costs_budget": budget.costs if budget else None,
                "costs": settled.costs,
                "result": settled.result,
                "entered": settled.entered,
            }
        )
    return rows
