"""The figures of the dashboard, the tertial report and the summary API, in one place.

Every figure comes from the app that owns its data: register and economy figures from
assignments.figures (intäkter, kostnader, resultat, prognos helår, intäkt per årsarbetare,
beställda, avslutade, snittid, nya beställare, each defined there once), survey figures from
surveys.selectors (metrics.py), indicators from planning.services. This module only picks the
scope (department, unit, consultant) and arranges the figures in rows. A figure with no data is
None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from assignments import figures as af
from assignments import leadtimes as lt
from assignments.models import Assignment, Organisation, Package, TimeEntry, Unit, User
from planning.models import Activity, Goal, GoalAssessment, Indicator, IndicatorOutcome, Plan
from planning.services import outcomes as indicator_outcomes
from rekrytering import memo, sqlcache
from rekrytering.numbers import format_kr, format_number
from rekrytering.periods import Period, period
from surveys import metrics
from surveys.models import FollowUp, Kind
from surveys.selectors import ResultFilter, customer_scores_by_consultant, headlines_for

MONTHS = af.MONTHS
KIND_LABELS = {k: str(v) for k, v in Organisation.Kind.choices}


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
    in_period = af.ordered_in(start, end)
    closed = af.closed_in(start, end)
    # One query: per package, organisation kind and sector, grouped again below.
    names = (
        "package__code",
        "organisation__kind",
        "sector__name",
        "ordered",
        "closed",
        "without_letter",
        "screening",
        "name",
    )
    found = sqlcache.rows(
        ("assignment_groups", start, end, scope.q()),
        lambda: (
            base.filter(in_period | closed)
            .values("package__code", "organisation__kind", "sector__name")
            .annotate(
                ordered=Count("id", filter=in_period),
                closed=Count("id", filter=closed),
                without_letter=Count("id", filter=in_period & Q(personal_letter=False)),
                screening=Count("id", filter=in_period & Q(screening=True)),
                name=Max("package__name"),
            )
            .values_list(*names)
        ),
    )
    groups = [dict(zip(names, row, strict=True)) for row in found]
    per_code: dict[str, dict] = {}
    per_kind: dict[str, int] = {}
    per_sector: dict[str, int] = {}
    totals = {"ordered": 0, "closed": 0, "without_letter": 0, "screening": 0}
    for row in groups:
        entry = per_code.setdefault(row["package__code"], {"name": row["name"], **dict.fromkeys(totals, 0)})
        entry["name"] = max(entry["name"], row["name"])
        for key in totals:
            entry[key] += row[key]
            totals[key] += row[key]
        if row["ordered"]:
            kind = KIND_LABELS.get(row["organisation__kind"], row["organisation__kind"])
            per_kind[kind] = per_kind.get(kind, 0) + row["ordered"]
            sector = row["sector__name"] or "Ej angiven"
            per_sector[sector] = per_sector.get(sector, 0) + row["ordered"]
    package_rows = []
    for code in sorted(per_code):
        package = packages.get(code)
        entry = per_code[code]
        package_rows.append(
            [package.name if package else entry["name"], code, entry["ordered"], entry["closed"]]
        )
    package_rows.sort(key=lambda r: (-r[2], r[0]))
    if scope.department:
        new_managers = memo.cached(("new_managers", start, end), lambda: af.new_manager_count(start, end))
    else:
        new_managers = af.new_manager_count(start, end, base.filter(in_period))
    return {
        "ordered": totals["ordered"],
        "closed": totals["closed"],
        "share_without_letter": _share(totals["without_letter"], totals["ordered"]),
        "share_screening": _share(totals["screening"], totals["ordered"]),
        "new_managers": new_managers,
        "per_package": package_rows,
        "per_kind": sorted(([k, n] for k, n in per_kind.items()), key=lambda r: (-r[1], r[0])),
        "per_sector": sorted(([k, n] for k, n in per_sector.items()), key=lambda r: (-r[1], r[0])),
    }


# --- Economy -------------------------------------------------------------------------------


def finance_years(years) -> af.Finance:
    """Budgets, monthly costs and entered outcomes of some years (three queries)."""
    return af.finance(years)


def economy_figures(scope: Scope, today: date | None = None, finance: af.Finance | None = None) -> dict:
    """The scope's economy for its period, as assignments.figures.economy defines it."""
    start, end = scope.span
    return af.economy(
        start,
        end,
        today or timezone.localdate(),
        q=scope.q(),
        department=scope.department,
        fin=finance,
    )


def revenue_years(years) -> None:
    """Fetch the department's invoiced and booked intäkter of some years month by month (two
    queries) into the page's figure cache, for the period's economy and the yearly summary."""
    af.revenue_months(years)


def economy_years(
    last_year: int, count: int = 3, finance: af.Finance | None = None, today: date | None = None
) -> dict:
    """The yearly summary like the department's 2023–2025 table, in kronor: per year FTEs,
    budgeted and actual intäkter, intäkt per årsarbetare, budgeted and actual kostnader, resultat,
    and which of them are the entered outcome; an average row."""
    years = list(range(last_year - count + 1, last_year + 1))
    rows = af.year_summary(years, today or timezone.localdate(), finance)

    def mean(key):
        values = [row[key] for row in rows if row[key] is not None]
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("1")) if values else None

    average = {"year": "Genomsnitt", "revenue": mean("revenue"), "revenue_per_fte": mean("revenue_per_fte")}
    average["result"] = mean("result")
    return {"rows": rows, "average": average}


ENTERED_NAMES = {"revenue": "intäkter", "costs": "kostnader", "ftes": "årsarbetare"}


def _words(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def source_text(entered) -> str:
    """Which of a year's figures are the finance system's entered outcome and which are counted."""
    given = [ENTERED_NAMES[k] for k in ENTERED_NAMES if k in entered]
    counted = [ENTERED_NAMES[k] for k in ENTERED_NAMES if k not in entered]
    if not given:
        return "Räknat från registret"
    if not counted:
        return "Utfall från ekonomisystemet"
    return f"Utfall: {_words(given)}; räknat: {_words(counted)}"


def result_text(economy: dict) -> str:
    """How *Resultat* is computed, the same sentence for every period."""
    text = (
        "Resultat = periodens intäkter (fakturerat + bokat) − kostnader (angivna månadskostnader; för en "
        "avslutad månad utan angivna kostnader kostnadsbudgeten fördelad som intäktsbudgeten); för ett "
        "avslutat år med inlagt utfall gäller utfallet från ekonomisystemet."
    )
    if {"revenue", "costs"} & set(economy.get("entered") or ()):
        text += " Här visas det inlagda utfallet."
    return text


def forecast_text(prognosis: af.Forecast, today: date) -> str:
    """How *Prognos helår* is computed: from today's date, whatever the period viewed."""
    if prognosis.closed:
        return (
            "Året är slut: prognosen är årets utfall (inlagt utfall där det finns, annars räknade intäkter)."
        )
    text = (
        f"Prognos helår per {today:%Y-%m-%d}, samma för alla perioder = intäkter hittills i år + avtalat "
        "pris för pågående uppdrag + förra årets intäkter för resten av året × (årets intäkter hittills "
        "÷ förra årets under samma tid)"
    )
    if prognosis.value is None:
        return text + "."
    factor = "ingen jämförelse" if prognosis.factor is None else format_number(prognosis.factor, 2)
    return (
        text + f": {format_kr(prognosis.so_far.quantize(Decimal('1')))} + {format_kr(prognosis.ongoing)} + "
        f"{format_kr(prognosis.remaining)} (faktor {factor})."
    )


# --- Time ----------------------------------------------------------------------------------


def time_figures(
    scope: Scope, packages: dict[str, Package], closed_per_package: dict[str, int], today: date
) -> dict:
    """Hours on assignments closed in the period per package, divided by the number closed (as
    the plan's mean-hours measure), and each consultant's share of time on assignments: of the
    hours worked, that is logged less absence (semester, sjukdom), as the load's capacity counts.
    Absence entered ahead counts once its day has come (`today`)."""
    start, end = scope.span
    package_rows = []
    for code, hours in af.hours_on_closed(start, end, scope.q()).items():
        package = packages.get(code)
        closed = closed_per_package.get(code, 0)
        package_rows.append(
            [
                package.name if package else code,
                closed,
                hours,
                af.mean_hours(hours, closed),
                package.standard_hours if package else None,
            ]
        )
    names = ("user", "total", "on_assignments", "absence")
    # Absence entered ahead (a planned holiday) is not yet time: only up to today.
    happened = Q(date__lte=today) | Q(assignment__isnull=False) | Q(category__is_absence=False)
    found = sqlcache.rows(
        ("time_per_user", start, end, scope.time_q(), today),
        lambda: (
            TimeEntry.objects.filter(date__range=(start, end))
            .filter(happened)
            .filter(scope.time_q())
            .values("user")
            .annotate(
                total=Sum("hours"),
                on_assignments=Sum("hours", filter=Q(assignment__isnull=False)),
                absence=Sum("hours", filter=Q(category__is_absence=True)),
            )
            .values_list(*names)
        ),
    )
    per_user = {row[0]: dict(zip(names, row, strict=True)) for row in found}
    total = sum((row["total"] or 0 for row in per_user.values()), Decimal(0))
    on_assignments = sum((row["on_assignments"] or 0 for row in per_user.values()), Decimal(0))
    absence = sum((row["absence"] or 0 for row in per_user.values()), Decimal(0))
    return {
        "per_package": package_rows,
        "per_user": per_user,
        "hours": total if per_user else None,
        "assignment_hours": on_assignments if per_user else None,
        "share_assignment_time": _share(on_assignments, worked(total, absence)),
    }


# --- Lead times and omtag (assignments/leadtimes.py) ---------------------------------------

LEAD_MEASURES = ("to_start", "to_hire", "to_close")
LEAD_COLUMNS = [
    "Avslutade",
    "Till start: median",
    "Till start: 80\u00a0%",
    "Till tillsättning: median",
    "Till tillsättning: 80\u00a0%",
    "Till avslut: median",
    "Till avslut: 80\u00a0%",
]
LEAD_NOTE = (
    "Uppdrag avslutade under perioden. Dagar från beställningsdatum till startdatum, till avslut med "
    "tillsättning och till avslut oavsett utfall: medianen och 80:e percentilen (80 %: fyra av fem "
    "uppdrag hade nått dit inom så många dagar)."
)
REDO_COLUMNS = ["Avslutade", "Ej tillsatta", "Gjorda om", "Andel omtag (%)", "Skäl (ej tillsatta)"]
REDO_NOTE = (
    "Andel omtag: av uppdragen som avslutades under perioden, de som ett senare uppdrag gör om "
    "(Omtag av). Skälen är de som angavs när uppdragen avslutades utan tillsättning."
)


def lead_time_rows(rows: list[lt.LeadTimeRow], overall: lt.LeadTimeRow | None) -> list[list]:
    out = []
    for row in [*rows, *([overall] if overall and len(rows) > 1 else [])]:
        cells = [row.label, row.closed]
        for measure in LEAD_MEASURES:
            stat = row.stats[measure]
            cells += [stat.median, stat.p80]
        out.append(cells)
    return out


def redo_rows(rows: list[lt.RedoRow]) -> list[list]:
    return [[r.label, r.closed, r.not_hired, r.redone, r.share, lt.reasons_text(r.reasons)] for r in rows]


def lead_time_figures(scope: Scope) -> dict:
    """The period's lead times and omtag per package, level and (not for one consultant) consultant,
    and the lead times of the four years up to the period's end, from one query."""
    start, end = scope.span
    first = date(scope.period.year - 3, 1, 1)
    years = lt.closed_frame(first, end, scope.q(), detail_from=start)
    frame = lt.since(years, start)
    groups = ["package", "level"] + (["consultant"] if scope.consultant is None else [])
    leads = lt.lead_time_tables({"year": years} | {by: frame for by in groups})
    redos = lt.redo_tables(frame, groups)
    found = {"overall": lt.total(frame), "years": leads["year"]}
    for by in groups:
        found[by], found[f"redo_{by}"] = leads[by], redos[by]
    return found


# --- Surveys -------------------------------------------------------------------------------


def survey_figures(scope: Scope, also=()) -> dict:
    """The headline survey figures of the period and the same period last year. `also`: other
    periods the page will ask for (the plan's tertial), fetched in the same queries."""
    kinds = [Kind.KUND] if scope.consultant is not None else [Kind.KUND, Kind.KANDIDAT, Kind.MATCHNING]
    flt = scope.result_filter()
    now, before, *_also = headlines_for([scope.period, scope.period.previous_year, *also], flt, kinds)
    return {"now": now, "before": before, "kinds": kinds}


# --- Plan ----------------------------------------------------------------------------------


def plan_figures(scope: Scope) -> dict | None:
    # Three flat reads put together here: prefetch_related would build a queryset for every goal
    # and every indicator (~70 on a plan of 30 indicators), a tenth of the dashboard's time.
    goals = {
        goal.pk: goal
        for goal in Goal.objects.filter(plan__year=scope.period.year, plan__unit=scope.unit)
        .select_related("plan")
        .order_by("order", "id")
    }
    plan = (
        next(iter(goals.values())).plan
        if goals
        else Plan.objects.filter(year=scope.period.year, unit=scope.unit).first()
    )
    if plan is None:
        return None
    tertial = scope.period.tertial
    by_goal = {pk: [] for pk in goals}
    for indicator in Indicator.objects.filter(goal__plan=plan).order_by("order", "id"):
        indicator.goal = goals[indicator.goal_id]
        by_goal[indicator.goal_id].append(indicator)
    stored = {
        row.indicator_id: row
        for row in IndicatorOutcome.objects.filter(indicator__goal__plan=plan, tertial=tertial)
    }
    pairs = [(goal, indicator) for pk, goal in goals.items() for indicator in by_goal[pk]]
    results = indicator_outcomes((indicator, tertial, stored.get(indicator.pk)) for _goal, indicator in pairs)
    indicators = [
        {"goal": goal, "indicator": indicator, "outcome": result}
        for (goal, indicator), result in zip(pairs, results, strict=True)
    ]
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


def worked(hours: Decimal | None, absence: Decimal | None) -> Decimal | None:
    """The hours logged less absence: what the share of time on assignments is a share of."""
    return None if hours is None else hours - (absence or 0)


def consultant_rows(scope: Scope, time: dict, everyone: list[User] | None = None) -> list[list]:
    start, end = scope.span
    if scope.consultant is not None:
        users = [scope.consultant]
    else:
        users = everyone if everyone is not None else consultants()
        if scope.unit is not None:
            users = [u for u in users if u.unit_id == scope.unit.pk]
    user_ids = tuple(user.pk for user in users)
    names = ("responsible", "ordered", "closed", "revenue")
    found = sqlcache.rows(
        ("consultant_rows", start, end, user_ids),
        lambda: (
            Assignment.objects.filter(
                af.ordered_in(start, end) | af.closed_in(start, end) | af.invoiced_in(start, end),
                responsible__in=user_ids,
            )
            .values("responsible")
            .annotate(
                ordered=Count("id", filter=af.ordered_in(start, end)),
                closed=Count("id", filter=af.closed_in(start, end)),
                revenue=Sum(af.invoiced_value(), filter=af.invoiced_in(start, end)),
            )
            .values_list(*names)
        ),
    )
    figures = {row[0]: dict(zip(names, row, strict=True)) for row in found}
    survey = customer_scores_by_consultant(scope.period, [u.pk for u in users])
    rows = []
    for user in users:
        f, t, s = figures.get(user.pk, {}), time["per_user"].get(user.pk, {}), survey.get(user.pk)
        hours, on_assignments, absence = t.get("total"), t.get("on_assignments"), t.get("absence")
        rows.append(
            [
                user.get_full_name() or user.username,
                f.get("ordered", 0),
                f.get("closed", 0),
                f.get("revenue"),
                hours,
                _share(on_assignments or 0, worked(hours, absence)),
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
    ("intakter", "Intäkter (kr)"),
    ("kostnader", "Kostnader inkl. OH (kr)"),
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
        "intakter": economy["revenue"],
        "kostnader": economy["costs"],
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


def summary(year: int, code: str, *, unit: Unit | None = None, today: date | None = None) -> dict:
    """The key figures and the ordered count per package code (the summary API)."""
    scope = Scope(period(year, code), unit=unit)
    with memo.figure_cache():
        packages = package_names(year)
        assignments = assignment_figures(scope, packages)
        figures = key_figures(assignments, economy_figures(scope, today), survey_figures(scope))
    figures["uppdrag_per_paket"] = {row[1]: row[2] for row in assignments["per_package"] if row[2]}
    return figures
