import re
from datetime import date
from decimal import Decimal

import pytest

from assignments.models import Budget
from rekrytering.periods import period
from reporting import figures
from reporting.dashboard import build
from reporting.figures import Scope
from reporting.models import YearOutcome
from surveys.models import Kind
from surveys.selectors import ResultFilter, headlines, kind_result
from tests.factories import TimeCategoryFactory, TimeEntryFactory
from tests.surveys.test_results import respond

T1 = period(2026, "cum1")


def _build(scope):
    return build(scope, date(2026, 5, 15))


@pytest.mark.django_db
def test_assignment_figures(dataset):
    data = _build(Scope(T1))
    a = data["assignments"]
    assert (a["ordered"], a["closed"]) == (3, 3)
    assert {row[1]: (row[2], row[3]) for row in a["per_package"]} == {
        "stora": (1, 2),
        "chef": (1, 1),
        "lilla": (1, 0),
    }
    assert a["share_without_letter"] == Decimal("66.7")  # A1, A3 of 3
    assert a["share_screening"] == Decimal("33.3")
    assert a["new_managers"] == 3  # A0's manager first ordered in 2025
    assert sorted(a["per_kind"]) == [["Bolag", 1], ["Fackförvaltning", 1], ["Stadsdelsförvaltning", 1]]
    assert sorted(a["per_sector"]) == [["Ej angiven", 1], ["Förskola", 1], ["Äldreomsorg", 1]]


@pytest.mark.django_db
def test_economy_month_by_month_budget_forecast_and_result(dataset):
    e = _build(Scope(T1))["economy"]
    months = e["months"]
    assert [m["invoiced"] for m in months[:4]] == [Decimal("20000"), None, Decimal("27000"), None]
    assert months[3]["booked"] == Decimal("35000")
    # Budget: December 25 % = 300 000 (+ rounding), the other 900 000 spread over eleven months.
    assert months[0]["budget"] == Decimal("81818")
    assert months[11]["budget"] == Decimal("1200000") - 11 * Decimal("81818")
    assert months[3]["cumulative"] == Decimal("82000")
    assert months[3]["cumulative_budget"] == Decimal("327272")
    assert months[4]["cumulative"] is None  # after the period
    assert e["invoiced"] == Decimal("47000")
    assert e["booked"] == Decimal("35000")
    assert e["revenue"] == Decimal("82000")
    assert e["budget"] == Decimal("327272")
    assert e["revenue_per_fte"] == Decimal("41000")  # intäkter 82 000 / 2 FTEs
    assert e["ordered_value"] == Decimal("12000")  # A3 is open on 15 May; A4 is closed
    # As of 15 May: intäkter so far 82 000 + ongoing 12 000; no 2025 intäkter to scale.
    assert e["forecast"] == Decimal("94000")
    assert e["costs"] == Decimal("40000")
    assert e["result"] == Decimal("42000")


@pytest.mark.django_db
def test_no_data_is_none_not_zero(db):
    e = figures.economy_figures(Scope(period(2030, "cum1")))
    assert e["invoiced"] is None and e["revenue_per_fte"] is None and e["result"] is None
    assert e["forecast"] is None


@pytest.mark.django_db
def test_time_per_package_and_share_of_assignment_time(dataset):
    data = _build(Scope(T1))
    rows = {row[0]: row for row in data["time"]["per_package"]}
    # stora: 30 h on A1, two stora closed in T1 (A0 without time) → 15,0 h per closed, as the plan measure
    assert rows["Stora paketet"][1:4] == [2, Decimal("30"), Decimal("15.0")]
    assert rows["Chefspaket"][1:5] == [1, Decimal("30"), Decimal("30.0"), Decimal("36")]
    assert data["time"]["hours"] == Decimal("70")
    assert data["time"]["share_assignment_time"] == Decimal("85.7")  # 60 of 70


@pytest.mark.django_db
def test_unit_and_consultant_slices(dataset, konsult, unit):
    unit_data = _build(Scope(T1, unit=unit))
    assert unit_data["assignments"]["ordered"] == 2  # A1, A2
    assert unit_data["keys"]["intakt_per_arsarbetare"] is None  # FTEs are the department's
    own = _build(Scope(T1, consultant=konsult))
    assert (own["assignments"]["ordered"], own["assignments"]["closed"]) == (1, 1)
    assert own["economy"]["invoiced"] == Decimal("27000")
    assert [row[0] for row in own["tables"]["konsulter"].rows] == [konsult.get_full_name()]
    assert "ekonomi-ar" not in own["tables"] and "intakter-manad" not in own["tables"]
    assert own["surveys"]["kinds"] == [Kind.KUND]


@pytest.mark.django_db
def test_per_consultant_rows(dataset, konsult, konsult2):
    rows = {row[0]: row for row in _build(Scope(T1))["tables"]["konsulter"].rows}
    k1 = rows[konsult.get_full_name()]
    assert k1[1:6] == [1, 1, Decimal("27000"), Decimal("40"), Decimal("75.0")]
    k2 = rows[konsult2.get_full_name()]
    assert k2[1:6] == [1, 1, None, Decimal("30"), Decimal("100.0")]


@pytest.mark.django_db
def test_the_share_of_assignment_time_is_of_the_hours_worked_not_of_absence(dataset, konsult, konsult2):
    """Semester is not time that could have gone to assignments: the share is of the hours logged
    less absence (as the load's capacity counts), the hours column still all that was logged."""
    semester = TimeCategoryFactory(name="Semester", is_absence=True)
    TimeEntryFactory(
        user=konsult, assignment=None, category=semester, date=date(2026, 3, 3), hours=Decimal("8")
    )
    TimeEntryFactory(
        user=konsult2, assignment=None, category=semester, date=date(2026, 4, 9), hours=Decimal("8")
    )
    data = _build(Scope(T1))
    assert data["time"]["hours"] == Decimal("86")
    assert data["time"]["share_assignment_time"] == Decimal("85.7")  # 60 of 86 − 16
    rows = {row[0]: row for row in data["tables"]["konsulter"].rows}
    assert rows[konsult.get_full_name()][4:6] == [Decimal("48"), Decimal("75.0")]  # 30 of 48 − 8
    assert rows[konsult2.get_full_name()][4:6] == [Decimal("38"), Decimal("100.0")]  # 30 of 38 − 8
    # Seen on 2 March the holidays are still ahead: not yet time logged, in neither hours nor share.
    early = build(Scope(T1), date(2026, 3, 2))
    assert early["time"]["hours"] == Decimal("70")
    rows = {row[0]: row for row in early["tables"]["konsulter"].rows}
    assert rows[konsult.get_full_name()][4:6] == [Decimal("40"), Decimal("75.0")]


@pytest.mark.django_db
def test_survey_headlines_agree_with_the_results_page(dataset):
    a1 = dataset["a1"]
    respond(Kind.KUND, date(2026, 3, 12), {"helhet": 10, "planering": 8, "nps": 10}, assignment=a1)
    respond(Kind.KUND, date(2026, 3, 13), {"helhet": 5, "planering": 6, "nps": 3}, assignment=a1)
    respond(Kind.KUND, date(2025, 3, 13), {"helhet": 9, "nps": 9}, assignment=a1)
    respond(Kind.MATCHNING, date(2026, 4, 1), {"matchning": 8}, assignment=a1)
    respond(Kind.MATCHNING, date(2026, 4, 2), {"matchning": 9}, assignment=a1)
    for flt in (ResultFilter(), ResultFilter(consultant=a1.responsible_id)):
        head = headlines(T1, flt)
        full = kind_result(T1, Kind.KUND, flt)
        assert head[Kind.KUND].nps == full.nps.nps == 0.0  # one promoter, one detractor
        assert head[Kind.KUND].share_satisfied == full.share_satisfied == 50.0
        assert head[Kind.KUND].mean == full.pooled_mean == 7.25  # (10 + 8 + 5 + 6) / 4
        assert head[Kind.KUND].responses == full.responses == 2
    assert headlines(T1, ResultFilter())[Kind.MATCHNING].mean == 8.5
    keys = _build(Scope(T1))["keys"]
    assert keys["kund_nps"] == Decimal("0.0") and keys["matchning_snitt"] == Decimal("8.5")
    assert keys["kund_svarsfrekvens"] is None  # no invitations were sent
    # The consultant's own customer results: two responses, NPS 0, pooled mean 7,25.
    own = {row[0]: row for row in _build(Scope(T1))["tables"]["konsulter"].rows}[
        a1.responsible.get_full_name()
    ]
    assert own[6:] == [2, Decimal("0.0"), Decimal("7.25")]
    rows = {(r[0], r[1]): r for r in _build(Scope(T1))["tables"]["enkater"].rows}
    assert rows[("Kundenkät", "Andel nöjda (%)")][2:] == [Decimal("50.0"), Decimal("100.0"), Decimal("-50.0")]


@pytest.mark.django_db
def test_yearly_economy_table_reproduces_the_2023_2025_summary(db):
    # The department's published summary (tkr): FTEs, budgeted revenue, revenue, budgeted costs, costs.
    published = {
        2023: ("22.3", 24197, 18234, 24197, 22700),
        2024: ("20.5", 19000, 20025, 19000, 20500),
        2025: ("21.25", 21636, 24451, 21636, 22857),
    }
    for year, (ftes, rb, r, cb, c) in published.items():
        Budget.objects.create(year=year, ftes=Decimal(ftes), revenue=rb * 1000, costs=cb * 1000)
        YearOutcome.objects.create(year=year, ftes=Decimal(ftes), revenue=r * 1000, costs=c * 1000)
    table = figures.economy_years(2025)
    tkr = [
        (row["year"], round(row["revenue_per_fte"] / 1000), round(row["result"] / 1000))
        for row in table["rows"]
    ]
    # Revenue per FTE = revenue / FTEs; result = revenue − costs: 818, 977, 1 151 and −4 466, −475, 1 594.
    assert tkr == [(2023, 818, -4466), (2024, 977, -475), (2025, 1151, 1594)]
    average = table["average"]
    assert round(average["revenue"] / 1000) == 20903
    assert round(average["revenue_per_fte"] / 1000) == 982
    assert round(average["result"] / 1000) == -1116


@pytest.mark.django_db
def test_year_figures_from_the_register_when_no_outcome_is_entered(dataset):
    row = figures.economy_years(2026, 1, today=date(2026, 5, 15))["rows"][0]
    # Intäkter: 20 000 + 27 000 + 30 000 invoiced in 2026 and A2's 35 000 booked.
    assert row["revenue"] == Decimal("112000")
    # Costs entered January–April; May is still running: no budgeted costs for it yet.
    assert row["costs"] == Decimal("40000")
    assert row["result"] == Decimal("72000")
    june = figures.economy_years(2026, 1, today=date(2026, 6, 2))["rows"][0]
    assert june["costs"] == Decimal("115000")  # May has ended: the cost budget's month, 75 000
    assert row["revenue_per_fte"] == Decimal("56000")
    assert row["entered"] == frozenset()


@pytest.mark.django_db
def test_summary_counts_per_package(dataset):
    data = figures.summary(2026, "cum1")
    assert data["uppdrag_per_paket"] == {"stora": 1, "chef": 1, "lilla": 1}
    assert data["uppdrag_bestallda"] == 3
    t2 = figures.summary(2026, "T2")
    assert t2["uppdrag_per_paket"] == {"stora": 1} and t2["intakter_fakturerade"] == Decimal("30000")


@pytest.mark.django_db
def test_revenue_per_fte_agrees_with_the_plan_measure(dataset):
    from planning.measures import compute

    YearOutcome.objects.create(year=2026, ftes=Decimal("4"))  # a closed year's FTEs do not change it
    assert figures.economy_figures(Scope(T1))["revenue_per_fte"] == compute("revenue_per_fte", T1, {}).value


# --- One definition per figure: forecast, outcome, costs, charts -----------------------------


@pytest.mark.django_db
def test_forecast_is_made_from_today_whatever_the_period(dataset):
    from tests.factories import AssignmentFactory

    stora_2025 = dataset["a0"].package
    for day, amount in ((date(2025, 3, 1), "40000"), (date(2025, 9, 1), "60000")):
        AssignmentFactory(
            package=stora_2025,
            ordered_on=day,
            status="avslutad",
            outcome="tillsatt",
            closed_on=day,
            invoiced_on=day,
            invoiced_amount=Decimal(amount),
            price=Decimal(amount),
        )
    today = date(2026, 5, 15)
    forecasts = {
        code: figures.economy_figures(Scope(period(2026, code)), today)["forecast"]
        for code in ("cum1", "cum2", "year", "T2", "T3")
    }
    # 82 000 so far + 12 000 ongoing + 60 000 (2025 after 15 May) × 82 000 / 40 000 (2025 until 15 May).
    assert set(forecasts.values()) == {Decimal("217000")}
    # After the year, the forecast is the year's outcome.
    YearOutcome.objects.create(year=2026, revenue=Decimal("150000"))
    after = figures.economy_figures(Scope(period(2026, "T1")), date(2027, 2, 1))
    assert after["forecast"] == Decimal("150000") and after["prognosis"].closed


@pytest.mark.django_db
def test_a_closed_years_entered_outcome_wins_and_says_so(dataset):
    YearOutcome.objects.create(year=2026, revenue=Decimal("150000"))  # costs and FTEs not entered
    later = date(2027, 2, 1)
    whole = figures.economy_figures(Scope(period(2026, "year")), later)
    assert whole["revenue"] == Decimal("150000") and whole["entered"] == {"revenue"}
    assert whole["revenue_per_fte"] == Decimal("75000")  # 150 000 / the budget's 2 FTEs
    row = figures.economy_years(2026, 1, today=later)["rows"][0]
    assert (row["revenue"], row["costs"], row["result"]) == (
        whole["revenue"],
        whole["costs"],
        whole["result"],
    )
    assert figures.source_text(row["entered"]) == "Utfall: intäkter; räknat: kostnader och årsarbetare"
    # A tertial is counted from the register, and a running year's outcome is not used.
    assert figures.economy_figures(Scope(T1), later)["revenue"] == Decimal("82000")
    assert figures.economy_figures(Scope(period(2026, "year")), date(2026, 12, 1))["entered"] == frozenset()


@pytest.mark.django_db
def test_the_accumulated_line_stops_at_the_current_month(dataset):
    months = figures.economy_figures(Scope(period(2026, "year")), date(2026, 5, 15))["months"]
    assert months[4]["cumulative"] == Decimal("82000")  # May, the current month
    assert [m["cumulative"] for m in months[5:]] == [None] * 7
    assert all(m["cumulative_budget"] is not None for m in months)  # the budget is planned ahead
    past = figures.economy_figures(Scope(period(2026, "year")), date(2027, 1, 10))["months"]
    assert past[11]["cumulative"] == Decimal("112000")


def test_chart_axes_have_round_ticks():
    from rekrytering.charts import Table, column_chart, nice_axis

    assert nice_axis(3_960_002) == (4_000_000, 1_000_000)
    assert nice_axis(2_640_001) == (3_000_000, 1_000_000)
    assert nice_axis(26_496_100) == (30_000_000, 10_000_000)
    assert nice_axis(7) == (8, 2)
    table = Table(
        "t",
        "T",
        ["Månad", "A"],
        [["jan", Decimal("1320000.5")], ["feb", Decimal("3960002")]],
        chart={"type": "columns", "label": 0, "values": [1]},
    )
    svg = column_chart(table)
    ticks = [t.replace("\xa0", " ") for t in re.findall(r'fill="#5b6470">([^<]+)<', svg)]
    assert ticks == ["0", "1 000 000", "2 000 000", "3 000 000", "4 000 000"]
