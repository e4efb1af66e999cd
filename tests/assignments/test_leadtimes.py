"""Lead times and omtag (assignments/leadtimes.py) against a hand computation on a small fixture,
the reason given at close, the dashboard's tables, the workbook's sheet and the API."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from openpyxl import load_workbook

from assignments import leadtimes as lt
from assignments import services
from assignments.models import Assignment
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UserFactory

D = Decimal


def closed(package, responsible, ordered, start_days, close_days, outcome="tillsatt", **more):
    ordered_on = date(2026, 1, 5) + timedelta(days=ordered)
    return AssignmentFactory(
        package=package,
        responsible=responsible,
        ordered_on=ordered_on,
        started_on=ordered_on + timedelta(days=start_days),
        closed_on=ordered_on + timedelta(days=close_days),
        status=Assignment.Status.AVSLUTAD,
        outcome=outcome,
        **more,
    )


@pytest.fixture
def small(db):
    """Five large-package assignments by Anna, two manager ones by Bo (one not hired, redone)."""
    prices = PriceListFactory(year=2026)
    stora = PackageFactory(price_list=prices, code="stora", name="Stora paketet")
    chef = PackageFactory(price_list=prices, code="chef", name="Chefspaket")
    omtag = PackageFactory(price_list=prices, code="omtag", name="Omtag")
    anna = UserFactory(username="anna", first_name="Anna", last_name="Ahl")
    bo = UserFactory(username="bo", first_name="Bo", last_name="Berg")
    # Anna: start after 2, 4, 6, 8, 10 days; closed after 30, 40, 50, 60, 70 (the last not hired).
    for i, (start, close) in enumerate([(2, 30), (4, 40), (6, 50), (8, 60), (10, 70)]):
        closed(stora, anna, i, start, close, "tillsatt" if i < 4 else "ej_tillsatt", close_reason="")
    # Bo: a manager recruitment hired after 45 days, one cancelled after 20 (the customer stopped it).
    closed(chef, bo, 10, 1, 45, level=Assignment.Level.CHEF)
    first = closed(chef, bo, 12, 3, 20, "avbruten", level=Assignment.Level.CHEF, close_reason="kunden_avbrot")
    AssignmentFactory(package=omtag, responsible=bo, ordered_on=date(2026, 3, 2), redo_of=first)
    # Closed last year: only in the four-year view.
    closed(stora, anna, -400, 5, 100)
    return {"anna": anna, "bo": bo, "first": first}


def test_lead_times_per_package_equal_a_hand_computation(small):
    frame = lt.closed_frame(date(2026, 1, 1), date(2026, 12, 31))
    rows = {row.group: row for row in lt.lead_times(frame, "package")}
    assert [row.label for row in rows.values()] == ["Chefspaket (chef)", "Stora paketet (stora)"]
    stora = rows["stora"].stats
    # Starts 2, 4, 6, 8, 10: median 6; 80th percentile at 0.8 × 4 = 3.2 → 8 + 0.2 × 2 = 8.4.
    assert (stora["to_start"].count, stora["to_start"].median, stora["to_start"].p80) == (5, D("6"), D("8.4"))
    # Closes 30 … 70: median 50, p80 62; hired only the first four (30, 40, 50, 60): median 45, p80 54.
    assert (stora["to_close"].median, stora["to_close"].p80) == (D("50"), D("62"))
    assert (stora["to_hire"].count, stora["to_hire"].median, stora["to_hire"].p80) == (4, D("45"), D("54"))
    # Start → close: 28, 36, 44, 52, 60.
    assert (stora["start_to_close"].median, stora["start_to_close"].p80) == (D("44"), D("53.6"))
    chef = rows["chef"].stats
    assert (chef["to_hire"].count, chef["to_hire"].median, chef["to_hire"].p80) == (1, D("45"), D("45"))
    assert (chef["to_close"].median, chef["to_close"].p80) == (D("32.5"), D("40"))  # 20 and 45
    overall = lt.total(frame)
    assert overall.closed == 7 and overall.stats["to_close"].median == D("45")  # 20 30 40 45 50 60 70


def test_lead_times_per_level_consultant_and_year(small):
    frame = lt.closed_frame(date(2025, 1, 1), date(2026, 12, 31))
    levels = {
        row.group: (row.label, row.closed)
        for row in lt.lead_times(lt.since(frame, date(2026, 1, 1)), "level")
    }
    assert levels == {"medarbetare": ("Medarbetare", 5), "chef": ("Chef", 2)}
    people = [
        (row.label, row.closed) for row in lt.lead_times(lt.since(frame, date(2026, 1, 1)), "consultant")
    ]
    assert people == [("Anna Ahl", 5), ("Bo Berg", 2)]
    years = {row.group: row for row in lt.lead_times(frame, "year")}
    assert list(years) == ["2025", "2026"]
    earlier = years[next(iter(years))]
    assert (earlier.closed, earlier.stats["to_close"].median) == (1, D("100"))


def test_redo_shares_count_the_redone_and_the_reasons(small):
    frame = lt.closed_frame(date(2026, 1, 1), date(2026, 12, 31))
    rows = {row.group: row for row in lt.redo_shares(frame, "package")}
    chef, stora = rows["chef"], rows["stora"]
    assert (chef.closed, chef.not_hired, chef.redone, chef.share) == (2, 1, 1, D("50.0"))
    assert chef.reasons == {"Kunden avbröt eller ändrade behovet": 1}
    assert (stora.closed, stora.not_hired, stora.redone, stora.share) == (5, 1, 0, D("0.0"))
    assert stora.reasons == {lt.NO_REASON: 1}
    people = {row.label: row.redone for row in lt.redo_shares(frame, "consultant")}
    assert people == {"Anna Ahl": 0, "Bo Berg": 1}


def test_an_empty_period_has_no_rows(db):
    frame = lt.closed_frame(date(2026, 1, 1), date(2026, 12, 31))
    assert lt.lead_times(frame, "package") == [] and lt.redo_shares(frame, "level") == []
    assert lt.total(frame) is None


def test_the_lead_times_take_one_query(small, django_assert_num_queries):
    with django_assert_num_queries(1):
        frame = lt.closed_frame(date(2026, 1, 1), date(2026, 12, 31))
        lt.lead_times(frame, "consultant")
        lt.redo_shares(frame, "package")


def test_the_years_before_the_period_without_their_details_give_the_same_tables(small):
    """The dashboard reads the years behind the table per year with their dates only
    (detail_from): every table is the same as from the full rows, the groupings in one go too."""
    full = lt.closed_frame(date(2022, 1, 1), date(2026, 12, 31))
    lean = lt.closed_frame(date(2022, 1, 1), date(2026, 12, 31), detail_from=date(2026, 1, 1))
    assert lean.loc[lean["closed_on"] < "2026-01-01", "package__name"].isna().all()
    period = lt.since(full, date(2026, 1, 1))
    lean_period = lt.since(lean, date(2026, 1, 1))
    groupings = ["package", "level", "consultant"]
    together = lt.lead_time_tables({"year": lean} | {by: lean_period for by in groupings})
    assert together["year"] == lt.lead_times(full, "year")
    assert len(together["year"]) == 2  # last year's assignment counts in the table per year
    redos = lt.redo_tables(lean_period, groupings)
    for by in groupings:
        assert together[by] == lt.lead_times(period, by)
        assert redos[by] == lt.redo_shares(period, by)
    assert lt.total(lean_period) == lt.total(period)
    assert [r.redone for r in redos["package"]] == [1, 0]  # Chefspaket's redone one, Stora's none


# --- The reason at close ----------------------------------------------------------------------


def test_a_closing_without_a_hire_keeps_its_reason(konsult):
    a = AssignmentFactory(responsible=konsult, ordered_on=date(2026, 3, 2))
    services.close_assignment(
        a, by=konsult, outcome="ej_tillsatt", closed_on=date(2026, 5, 20), close_reason="kandidat_nej"
    )
    a.refresh_from_db()
    assert (a.outcome, a.close_reason, a.get_close_reason_display()) == (
        "ej_tillsatt",
        "kandidat_nej",
        "Kandidaten tackade nej",
    )


@pytest.mark.parametrize(
    "outcome, reason, message",
    [
        ("tillsatt", "kandidat_nej", "Ett skäl anges bara när ingen tillsattes."),
        ("ej_tillsatt", "okant", "Välj ett av skälen i listan."),
    ],
)
def test_a_wrong_reason_is_refused_and_nothing_saved(konsult, outcome, reason, message):
    a = AssignmentFactory(responsible=konsult, ordered_on=date(2026, 3, 2))
    with pytest.raises(ValidationError) as refused:
        services.close_assignment(
            a,
            by=konsult,
            outcome=outcome,
            closed_on=date(2026, 5, 20),
            candidate_start=date(2026, 8, 1),
            close_reason=reason,
        )
    assert refused.value.message_dict["close_reason"] == [message]
    a.refresh_from_db()
    assert (a.status, a.close_reason) == (Assignment.Status.PAGAENDE, "")


@freeze_time("2026-06-01")
def test_the_close_page_takes_the_reason_and_the_assignment_shows_it(client, konsult):
    a = AssignmentFactory(responsible=konsult, ordered_on=date(2026, 3, 2))
    client.force_login(konsult)
    page = client.get(f"/uppdrag/{a.pk}/avsluta/")
    assert "Skäl till att ingen tillsattes" in page.text and "Kandidaten tackade nej" in page.text
    response = client.post(
        f"/uppdrag/{a.pk}/avsluta/",
        {"outcome": "avbruten", "closed_on": "2026-05-29", "close_reason": "kunden_avbrot"},
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.close_reason == "kunden_avbrot"
    assert "Kunden avbröt eller ändrade behovet" in client.get(a.get_absolute_url()).text


# --- Dashboard, workbook and API ------------------------------------------------------------


@freeze_time("2026-12-20")
def test_the_dashboard_shows_the_lead_times_to_a_head_and_only_their_own_to_a_konsult(client, small, chef):
    client.force_login(chef)
    data = client.get("/rapporter/", {"ar": 2026, "period": "year"}).context["data"]
    tables = data["tables"]
    rows = {row[0]: row for row in tables["ledtider-paket"].rows}
    # Paket, Avslutade, start median, p80, hire median, p80, close median, p80
    assert rows["Stora paketet (stora)"] == [
        "Stora paketet (stora)",
        5,
        D("6"),
        D("8.4"),
        D("45"),
        D("54"),
        D("50"),
        D("62"),
    ]
    assert rows["Alla"][1] == 7
    assert [row[0] for row in tables["ledtider-konsult"].rows] == ["Anna Ahl", "Bo Berg", "Alla"]
    assert {row[0]: row[3:5] for row in tables["omtag-paket"].rows}["Chefspaket (chef)"] == [1, D("50.0")]
    assert [row[0] for row in tables["ledtider-ar"].rows][-1] == "2026"
    client.force_login(small["bo"])
    mine = client.get("/rapporter/", {"ar": 2026, "period": "year"}).context["data"]["tables"]
    assert "ledtider-konsult" not in mine and "omtag-konsult" not in mine
    assert [row[0] for row in mine["ledtider-paket"].rows] == ["Chefspaket (chef)"]  # only Bo's


@freeze_time("2026-12-20")
def test_the_tertial_report_has_a_lead_time_sheet(small):
    from reporting.workbook import build_workbook

    wb = load_workbook(BytesIO(build_workbook(2026, 3)))
    ws = wb["Ledtider"]
    values = list(ws.iter_rows(values_only=True))
    titles = [row[0] for row in values if row[0] and str(row[0]).startswith(("Ledtider", "Omtag"))]
    assert titles == [
        "Ledtider per paket, dagar från beställning",
        "Ledtider per nivå, dagar från beställning",
        "Ledtider per år, dagar från beställning",
        "Omtag per paket",
    ]
    stora = next(row for row in values if row[0] == "Stora paketet (stora)")
    assert stora[:8] == ("Stora paketet (stora)", 5, 6, 8.4, 45, 54, 50, 62)
    chef = [row for row in values if row[0] == "Chefspaket (chef)"][-1]  # the omtag table's row
    assert chef[:6] == ("Chefspaket (chef)", 2, 1, 1, 50, "Kunden avbröt eller ändrade behovet 1")


@freeze_time("2026-12-20")
def test_the_api_gives_the_lead_times_and_refuses_a_wrong_grouping(client, small, chef):
    client.force_login(chef)
    body = client.get("/api/v1/reports/lead-times/", {"year": 2026, "by": "package"}).json()
    assert (body["period"], body["fran"], body["till"]) == ("year", "2026-01-01", "2026-12-31")
    stora = next(row for row in body["rader"] if row["grupp"] == "stora")
    assert stora["matt"]["to_hire"] == {"antal": 4, "median": 45.0, "p80": 54.0}
    assert body["alla"]["avslutade"] == 7
    assert next(r for r in body["omtag"] if r["grupp"] == "chef")["skal"] == {
        "Kunden avbröt eller ändrade behovet": 1
    }
    wrong = client.get("/api/v1/reports/lead-times/", {"year": 2026, "by": "kund"})
    assert wrong.status_code == 400 and "Gruppera med" in wrong.text
    client.force_login(small["anna"])
    mine = client.get("/api/v1/reports/lead-times/", {"year": 2026, "by": "consultant"}).json()
    assert [row["namn"] for row in mine["rader"]] == ["Anna Ahl"]
