"""The Access import: good files, every kind of bad row, re-import, CSV and xlsx, round-trip."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from assignments.exporting import EXPORT_COLUMNS, write_csv, write_xlsx
from assignments.importing import import_assignments
from assignments.models import Assignment, Manager, Organisation
from tests.factories import OrganisationFactory, SectorFactory

GOOD = {
    "Uppdragsnummer": "2026-0101",
    "Beställningsdatum": "2026-03-02",
    "Kund": "Farsta stadsdelsförvaltning",
    "Beställare": "Berit Beställare",
    "Beställarens e-post": "Berit.Bestallare@example.org",
    "Tjänst": "Förskollärare",
    "Nivå": "Medarbetare",
    "Verksamhet": "Skola",
    "Paket": "stora",
    "Pris": "27 000",
    "Timmar tillägg": "1,5",
    "Konsult": "KON",
    "Status": "Tillsatt",
    "Avslutsdatum": "2026-04-20",
    "Antal sökande": "42",
    "Personligt brev": "Ja",
    "Screening": "Nej",
    "Tester": "Ja",
    "Fakturerad": "2026-04-25",
}


def csv_bytes(rows, bom=True):
    lines = [";".join(EXPORT_COLUMNS)] + [";".join(str(r.get(c, "")) for c in EXPORT_COLUMNS) for r in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(EXPORT_COLUMNS)
    for row in rows:
        sheet.append([row.get(c) for c in EXPORT_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(data, name, by):
    return import_assignments(file=io.BytesIO(data), filename=name, by=by)


@pytest.fixture
def setup(db, konsult, admin_user, price_list_2026):
    SectorFactory(name="Skola")
    return admin_user


@pytest.mark.django_db
@pytest.mark.parametrize("bom", [True, False])
def test_good_csv(setup, konsult, bom):
    second = {
        **GOOD,
        "Uppdragsnummer": "2026-0102",
        "Status": "Pågående",
        "Avslutsdatum": "",
        "Pris": "",
        "Fakturerad": "",
        "Konsult": "konsult",
        "Kund": "Helt Ny Förvaltning",
        "Paket": "Chefspaket",
        "Nivå": "Högre chef",
        "Beställarens e-post": "ny@example.org",
    }
    result = run(csv_bytes([GOOD, second], bom=bom), "uppdrag.csv", setup)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    a = Assignment.objects.get(number="2026-0101")
    assert (a.status, a.outcome, a.closed_on) == ("avslutad", "tillsatt", date(2026, 4, 20))
    assert a.price == Decimal("27000") and a.extra_hours == Decimal("1.5")
    assert a.responsible == konsult and a.manager.email == "berit.bestallare@example.org"
    assert a.personal_letter and a.psychometric_tests and not a.screening
    assert a.invoiced_amount == Decimal("27000") + Decimal("1.5") * 950
    b = Assignment.objects.get(number="2026-0102")
    assert b.price == Decimal("35000") and b.level == "hogre_chef" and b.started_on == date(2026, 3, 2)
    assert Organisation.objects.get(name="Helt Ny Förvaltning").kind == "fack"
    assert a.history.first().history_user == setup


@pytest.mark.django_db
def test_good_xlsx_with_excel_dates_and_numbers(setup):
    row = {
        **GOOD,
        "Beställningsdatum": datetime(2026, 3, 2),
        "Avslutsdatum": datetime(2026, 4, 20),
        "Fakturerad": None,
        "Pris": 1200.5,
        "Timmar tillägg": 0,
        "Antal sökande": 42,
    }
    result = run(xlsx_bytes([row]), "uppdrag.xlsx", setup)
    assert result.errors == []
    a = Assignment.objects.get()
    assert a.ordered_on == date(2026, 3, 2) and a.price == Decimal("1200.50")
    assert a.price_reason == "Importerat från Access"


@pytest.mark.django_db
def test_numbers_in_swedish_formats(setup):
    rows = [
        {**GOOD, "Uppdragsnummer": f"2026-01{i}", "Pris": price}
        for i, price in enumerate(["24 000", "24000", "1 200,50", "24\u00a0000"])
    ]
    result = run(csv_bytes(rows), "u.csv", setup)
    assert result.errors == []
    assert sorted(Assignment.objects.values_list("price", flat=True)) == [
        Decimal("1200.50"),
        Decimal("24000"),
        Decimal("24000"),
        Decimal("24000"),
    ]


BAD_ROWS = [
    ({"Paket": "Jättepaket"}, "Paket", "paketet ”Jättepaket” finns inte i prislistan för 2026"),
    ({"Konsult": "XYZ"}, "Konsult", "”XYZ” är ingen känd användare"),
    ({"Beställningsdatum": "2026-13-01"}, "Beställningsdatum", "är inget datum"),
    ({"Avslutsdatum": "igår"}, "Avslutsdatum", "är inget datum"),
    ({"Pris": "tjugo"}, "Pris", "är inget tal"),
    ({"Pris": "-5"}, "Pris", "noll eller större"),
    ({"Antal sökande": "3,5"}, "Antal sökande", "heltal"),
    ({"Beställarens e-post": "inte-en-adress"}, "Beställarens e-post", "ingen giltig e-postadress"),
    ({"Status": "Klar"}, "Status", "ska vara Förfrågan, Pågående, Tillsatt"),
    ({"Nivå": "Chefen"}, "Nivå", "Medarbetare, Chef eller Högre chef"),
    ({"Tjänst": ""}, "Tjänst", "värde saknas"),
    ({"Uppdragsnummer": "142"}, "Uppdragsnummer", "ska se ut som 2026-0142"),
    ({"Personligt brev": "kanske"}, "Personligt brev", "Ja eller Nej"),
    ({"Verksamhet": "Rymden"}, "Verksamhet", "finns inte"),
    ({"Avslutsdatum": ""}, "Avslutsdatum", "behöver avslutsdatum"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("change, column, message", BAD_ROWS)
def test_each_bad_row_named_and_nothing_saved(setup, change, column, message):
    rows = [GOOD, {**GOOD, "Uppdragsnummer": "2026-0102", **change}]
    result = run(csv_bytes(rows), "u.csv", setup)
    assert [(e.line, e.column) for e in result.errors] == [(3, column)]
    assert message in result.errors[0].message
    assert str(result.errors[0]).startswith(f"Rad 3, kolumn {column}:")
    assert Assignment.objects.count() == 0
    assert not Manager.objects.exists()


@pytest.mark.django_db
def test_every_bad_row_listed(setup):
    rows = [
        {**GOOD, "Uppdragsnummer": "2026-0101", "Paket": "x"},
        {**GOOD, "Uppdragsnummer": "2026-0102"},
        {**GOOD, "Uppdragsnummer": "2026-0103", "Konsult": "nobody", "Pris": "x"},
    ]
    result = run(csv_bytes(rows), "u.csv", setup)
    assert [(e.line, e.column) for e in result.errors] == [(2, "Paket"), (4, "Pris"), (4, "Konsult")]


@pytest.mark.django_db
def test_duplicate_number_in_file(setup):
    result = run(csv_bytes([GOOD, GOOD]), "u.csv", setup)
    assert [(e.line, e.column) for e in result.errors] == [(3, "Uppdragsnummer")]
    assert "finns redan på rad 2" in result.errors[0].message


@pytest.mark.django_db
def test_missing_header_and_wrong_files(setup):
    text = b"Uppdragsnummer;Kund\r\n2026-0001;X\r\n"
    result = run(text, "u.csv", setup)
    assert "Kolumner saknas" in result.errors[0].message and "Beställningsdatum" in result.errors[0].message
    assert "semikolonseparerad" in run(b"a,b\n1,2\n", "u.csv", setup).errors[0].message
    assert "UTF-8" in run("Kund;x\n\xe5\n".encode("latin-1"), "u.csv", setup).errors[0].message
    assert "Excel-fil" in run(b"not a zip", "u.xlsx", setup).errors[0].message
    assert ".xlsx- eller .csv" in run(b"x", "u.pdf", setup).errors[0].message


@pytest.mark.django_db
def test_reimport_changes_nothing(setup):
    data = csv_bytes([GOOD, {**GOOD, "Uppdragsnummer": "2026-0102"}])
    run(data, "u.csv", setup)
    history_rows = Assignment.history.count()
    result = run(data, "u.csv", setup)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Assignment.history.count() == history_rows
    changed = run(csv_bytes([{**GOOD, "Tjänst": "Barnskötare"}]), "u.csv", setup)
    assert (changed.created, changed.updated) == (0, 1)
    assert Assignment.objects.get(number="2026-0101").role_title == "Barnskötare"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_round_trips(setup, fmt):
    run(
        csv_bytes(
            [
                GOOD,
                {
                    **GOOD,
                    "Uppdragsnummer": "2026-0102",
                    "Status": "Förfrågan",
                    "Avslutsdatum": "",
                    "Fakturerad": "",
                    "Verksamhet": "",
                },
            ]
        ),
        "u.csv",
        setup,
    )
    buffer = io.BytesIO()
    (write_xlsx if fmt == "xlsx" else write_csv)(Assignment.objects.all(), buffer)
    result = run(buffer.getvalue(), f"export.{fmt}", setup)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
        assert [c.value for c in sheet[1]] == EXPORT_COLUMNS
        assert sheet["B2"].value.date() == date(2026, 3, 2) and sheet["B2"].number_format == "yyyy-mm-dd"
        assert sheet["J2"].value == 27000
        assert sheet.freeze_panes == "A2"


@pytest.mark.django_db
def test_imported_numbers_move_the_sequence(setup, konsult, price_list_2026):
    from assignments import services

    run(csv_bytes([{**GOOD, "Uppdragsnummer": "2026-0500"}]), "u.csv", setup)
    OrganisationFactory()
    created = services.create_assignment(
        by=konsult,
        organisation=Organisation.objects.first(),
        manager=Manager.objects.first(),
        role_title="X",
        ordered_on=date(2026, 5, 1),
        package=price_list_2026.packages.get(code="stora"),
    )
    assert created.number == "2026-0501"


@pytest.mark.django_db
def test_query_count_is_bounded(setup, django_assert_max_num_queries):
    rows = [
        {**GOOD, "Uppdragsnummer": f"2026-{i:04d}", "Beställarens e-post": f"chef{i % 7}@example.org"}
        for i in range(1, 301)
    ]
    with django_assert_max_num_queries(40):
        result = run(csv_bytes(rows), "u.csv", setup)
    assert result.created == 300
