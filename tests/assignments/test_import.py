"""The Access import: good files, every kind of bad row, re-import, CSV and xlsx, round-trip, queries."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from assignments import services
from assignments.exporting import EXPORT_COLUMNS, write_csv, write_xlsx
from assignments.importing import guess_organisation_kind, import_assignments
from assignments.models import Assignment, AssignmentSequence, Manager, Organisation, Sector, User
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    SectorFactory,
    UserFactory,
)

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


def row(**changes):
    """GOOD with changes; keyword names use _ for spaces (Timmar_tillägg=...)."""
    return {**GOOD, **{name.replace("_", " "): value for name, value in changes.items()}}


def csv_bytes(rows, bom=True, columns=EXPORT_COLUMNS):
    """A CSV as Swedish Excel saves it: semicolons, CRLF, UTF-8 with or without BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns] if r is not None else [])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def write_csv_file(path, rows, bom=True, columns=EXPORT_COLUMNS):
    path.write_bytes(csv_bytes(rows, bom=bom, columns=columns))
    return path


def write_xlsx_file(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(EXPORT_COLUMNS)
    for r in rows:
        sheet.append([r.get(c) for c in EXPORT_COLUMNS])
    workbook.save(path)
    return path


def run(path, by, progress=None):
    with open(path, "rb") as handle:
        return import_assignments(file=handle, filename=path.name, by=by, progress=progress)


def counts(result):
    return result.created, result.updated, result.unchanged


@pytest.fixture
def admin(db, konsult, admin_user, price_list_2026):
    """The importing admin, with the register the GOOD row refers to."""
    SectorFactory(name="Skola")
    SectorFactory(name="Förskola")
    return admin_user


# --- Good files ---------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
def test_good_csv(admin, konsult, tmp_path, bom):
    second = row(
        Uppdragsnummer="2026-0102",
        Status="Pågående",
        Avslutsdatum="",
        Pris="",
        Fakturerad="",
        Konsult="konsult",
        Kund="Helt Ny Förvaltning",
        Paket="Chefspaket",
        Nivå="Högre chef",
        Verksamhet="",
        Personligt_brev="",
        **{"Beställarens e-post": "ny@example.org"},
    )
    path = write_csv_file(tmp_path / "uppdrag.csv", [GOOD, second], bom=bom)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == bom

    result = run(path, admin)

    assert result.errors == []
    assert counts(result) == (2, 0, 0)
    a = Assignment.objects.get(number="2026-0101")
    assert (a.status, a.outcome, a.closed_on, a.hires) == ("avslutad", "tillsatt", date(2026, 4, 20), 1)
    assert a.ordered_on == a.started_on == date(2026, 3, 2)
    assert a.price == Decimal("27000") and a.extra_hours == Decimal("1.5") and a.price_reason == ""
    assert a.responsible == konsult and a.package.code == "stora" and a.sector.name == "Skola"
    assert a.manager.email == "berit.bestallare@example.org" and a.manager.name == "Berit Beställare"
    assert a.manager.organisation == a.organisation
    assert a.organisation.name == "Farsta stadsdelsförvaltning" and a.organisation.kind == "sdf"
    assert a.personal_letter and a.psychometric_tests and not a.screening and a.applicants == 42
    assert a.invoiced_on == date(2026, 4, 25)
    assert a.invoiced_amount == Decimal("27000") + Decimal("1.5") * 950  # price + hours × hourly rate
    record = a.history.get()
    assert record.history_user == admin and record.history_type == "+"

    b = Assignment.objects.get(number="2026-0102")
    assert b.price == Decimal("35000") and b.price_reason == ""  # empty Pris: the list price
    assert b.level == "hogre_chef" and b.sector is None and not b.personal_letter
    assert b.status == "pagaende" and b.started_on == date(2026, 3, 2) and b.closed_on is None
    assert b.invoiced_on is None and b.invoiced_amount is None
    assert Organisation.objects.get(name="Helt Ny Förvaltning").kind == "fack"


def test_good_xlsx_with_excel_date_cells_and_numbers(admin, tmp_path):
    path = write_xlsx_file(
        tmp_path / "uppdrag.xlsx",
        [
            row(
                Beställningsdatum=datetime(2026, 3, 2),
                Avslutsdatum=datetime(2026, 4, 20),
                Fakturerad=date(2026, 4, 25),
                Pris=1200.5,
                Timmar_tillägg=2,
                Antal_sökande=42,
                Personligt_brev=True,
                Tester=None,
            )
        ],
    )
    cell = load_workbook(path).active["B2"]
    assert cell.is_date and isinstance(cell.value, datetime)  # a real Excel date cell

    result = run(path, admin)

    assert result.errors == []
    a = Assignment.objects.get()
    assert (a.ordered_on, a.closed_on, a.invoiced_on) == (
        date(2026, 3, 2),
        date(2026, 4, 20),
        date(2026, 4, 25),
    )
    assert a.price == Decimal("1200.50") and a.extra_hours == Decimal("2") and a.applicants == 42
    assert a.personal_letter and not a.psychometric_tests
    assert a.price_reason == "Importerat från Access"  # differs from the list price 27 000


@pytest.mark.parametrize(
    "text, expected",
    [
        ("24 000", "24000"),
        ("24000", "24000"),
        ("1 200,50", "1200.50"),
        ("24\u00a0000", "24000"),
        ("1\u00a0200,50", "1200.50"),
        ("27 000 kr", "27000"),
        ("1200.5", "1200.50"),
    ],
)
def test_numbers_as_swedish_excel_writes_them(admin, tmp_path, text, expected):
    path = write_csv_file(tmp_path / "u.csv", [row(Pris=text, Timmar_tillägg="0,25")])
    result = run(path, admin)
    assert result.errors == []
    a = Assignment.objects.get()
    assert a.price == Decimal(expected) and a.extra_hours == Decimal("0.25")


def test_known_names_match_case_insensitively(admin, konsult, tmp_path):
    organisation = OrganisationFactory(name="Utbildningsförvaltningen")
    manager = ManagerFactory(email="berit.bestallare@example.org", organisation=OrganisationFactory())
    path = write_csv_file(
        tmp_path / "u.csv",
        [row(Kund="UTBILDNINGSFÖRVALTNINGEN", Paket="STORA PAKETET", Konsult="kon", Verksamhet="skola")],
    )
    assert run(path, admin).errors == []
    a = Assignment.objects.get()
    assert a.organisation == organisation and a.responsible == konsult and a.sector.name == "Skola"
    assert a.package.code == "stora"
    # An existing manager is found by e-mail and not moved (services.get_or_create_manager).
    assert a.manager == manager and Manager.objects.get().organisation != organisation
    assert Organisation.objects.filter(name__iexact="utbildningsförvaltningen").count() == 1


@pytest.mark.parametrize(
    "name, kind",
    [
        ("Skarpnäcks stadsdelsförvaltning", "sdf"),
        ("Stockholm Vatten och Avfall AB", "bolag"),
        ("AB Stockholmshem", "bolag"),
        ("Micasa Fastigheter i Stockholm AB", "bolag"),
        ("Äldreförvaltningen", "fack"),
        ("Abbey Road förvaltning", "fack"),
    ],
)
def test_new_organisation_kind_is_guessed_from_the_name(name, kind):
    assert guess_organisation_kind(name) == kind


def test_empty_rows_are_skipped_and_lines_keep_their_numbers(admin, tmp_path):
    path = tmp_path / "u.csv"
    text = csv_bytes([GOOD]).decode("utf-8-sig")
    text += "\r\n" + ";" * 18 + "\r\n"  # a blank line and a row of empty cells: lines 3 and 4
    text += (
        csv_bytes([row(Uppdragsnummer="2026-0102", Paket="Jättepaket")])
        .decode("utf-8-sig")
        .split("\r\n", 1)[1]
    )
    path.write_text(text, encoding="utf-8")
    result = run(path, admin)
    assert [str(e) for e in result.errors] == [
        'Rad 5, kolumn Paket: paketet "Jättepaket" finns inte i prislistan för 2026.'
    ]


def test_line_numbers_count_lines_of_quoted_text_and_xlsx_gaps(admin, tmp_path):
    path = write_csv_file(
        tmp_path / "u.csv",
        [row(Tjänst="Förskollärare\nmed två rader"), row(Uppdragsnummer="2026-0102", Status="Klar")],
    )
    assert [e.line for e in run(path, admin).errors] == [4]  # row 2 takes lines 2 and 3

    path = write_xlsx_file(
        tmp_path / "u.xlsx", [GOOD, {}, {}, row(Uppdragsnummer="2026-0102", Status="Klar")]
    )
    assert [e.line for e in run(path, admin).errors] == [5]


def test_progress_is_reported(admin, tmp_path):
    rows = [row(Uppdragsnummer=f"2026-{i:04d}") for i in range(1, 1201)]
    calls = []
    result = run(write_csv_file(tmp_path / "u.csv", rows), admin, progress=lambda *a: calls.append(a))
    assert result.created == 1200
    assert calls[0] == (0, 1200) and calls[-1] == (1200, 1200)
    assert (500, 1200) in calls and (1000, 1200) in calls


# --- Bad rows -----------------------------------------------------------------------------

BAD_ROWS = [
    ({"Paket": "Jättepaket"}, "Paket", 'paketet "Jättepaket" finns inte i prislistan för 2026.'),
    # A year without a price list whose package has no price in the file (with a price, the file
    # gives the list: tests/assignments/test_import_confirmations.py).
    (
        {"Beställningsdatum": "2019-03-02", "Pris": ""},
        "Pris",
        'det finns ingen prislista för 2019, och paketet "stora" har inget pris på någon rad i filen; '
        "ange Pris så att prislistan kan skapas ur filen.",
    ),
    ({"Konsult": "XYZ"}, "Konsult", '"XYZ" är varken användarnamn eller initialer för någon användare.'),
    (
        {"Beställningsdatum": "2026-13-01"},
        "Beställningsdatum",
        '"2026-13-01" är inget giltigt datum; skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-05-01.',
    ),
    (
        {"Avslutsdatum": "20/4 2026"},
        "Avslutsdatum",
        '"20/4 2026" är inget giltigt datum; skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-05-01.',
    ),
    ({"Pris": "tjugo"}, "Pris", "”tjugo” är inget tal; skriv till exempel 24 000 eller 1 200,50."),
    (
        {"Timmar tillägg": "1,5,0"},
        "Timmar tillägg",
        "”1,5,0” är inget tal; skriv till exempel 24 000 eller 1 200,50.",
    ),
    ({"Pris": "-5"}, "Pris", "”-5” är för litet; det minsta som går är 0."),
    (
        {"Pris": "12 345 678 901"},
        "Pris",
        "”12 345 678 901” är för stort; det största som kan sparas är 9\u00a0999\u00a0999\u00a0999,99.",
    ),
    ({"Antal sökande": "3,5"}, "Antal sökande", "”3,5” ska vara ett heltal."),
    (
        {"Beställarens e-post": "berit(at)example.org"},
        "Beställarens e-post",
        '"berit(at)example.org" är ingen giltig e-postadress.',
    ),
    (
        {"Status": "Klar"},
        "Status",
        '"Klar" är ingen status; skriv Förfrågan, Pågående, Tillsatt, Ej tillsatt eller Avbruten.',
    ),
    ({"Nivå": "Chefen"}, "Nivå", '"Chefen" är ingen nivå; skriv Medarbetare, Chef eller Högre chef.'),
    ({"Personligt brev": "kanske"}, "Personligt brev", '"kanske" ska vara Ja eller Nej (tomt betyder Nej).'),
    ({"Verksamhet": "Rymden"}, "Verksamhet", 'verksamheten "Rymden" finns inte. Tillåtna: Förskola, Skola.'),
    ({"Avslutsdatum": ""}, "Avslutsdatum", "Ange avslutsdatum när uppdraget avslutas."),
    (
        {"Status": "Pågående"},
        "Avslutsdatum",
        "Avslutsdatum anges först när uppdraget avslutas.",
    ),
    (
        {"Avslutsdatum": "2026-01-10"},
        "Avslutsdatum",
        "Avslutsdatum kan inte vara före beställningsdatum (2026-03-02).",
    ),
    ({"Uppdragsnummer": "142"}, "Uppdragsnummer", '"142" ska se ut som ÅÅÅÅ-NNNN, till exempel 2026-0142.'),
    ({"Tjänst": "x" * 201}, "Tjänst", "högst 200 tecken (här 201)."),
] + [
    ({column: ""}, column, "värde saknas.")
    for column in [
        "Uppdragsnummer",
        "Kund",
        "Beställare",
        "Beställarens e-post",
        "Tjänst",
        "Paket",
        "Konsult",
        "Status",
        "Beställningsdatum",
    ]
]


@pytest.mark.parametrize("change, column, message", BAD_ROWS, ids=[f"{c}:{m[:25]}" for _, c, m in BAD_ROWS])
def test_each_bad_row_is_named_and_nothing_is_saved(admin, tmp_path, change, column, message):
    path = write_csv_file(tmp_path / "u.csv", [GOOD, {**GOOD, "Uppdragsnummer": "2026-0102", **change}])
    result = run(path, admin)
    assert [str(e) for e in result.errors] == [f"Rad 3, kolumn {column}: {message}"]
    assert (result.errors[0].line, result.errors[0].column) == (3, column)
    assert not Assignment.objects.exists()
    assert not Manager.objects.exists()
    assert not Organisation.objects.filter(name="Farsta stadsdelsförvaltning").exists()
    assert not AssignmentSequence.objects.exists()


def test_every_bad_row_is_listed(admin, tmp_path):
    rows = [
        row(Uppdragsnummer="2026-0101", Paket="x"),
        row(Uppdragsnummer="2026-0102"),
        row(Uppdragsnummer="2026-0103", Konsult="nobody", Pris="x"),
    ]
    result = run(write_csv_file(tmp_path / "u.csv", rows), admin)
    assert [(e.line, e.column) for e in result.errors] == [(2, "Paket"), (4, "Pris"), (4, "Konsult")]
    assert not Assignment.objects.exists()


def test_bad_rows_in_xlsx(admin, tmp_path):
    rows = [row(Beställningsdatum=datetime(2026, 3, 2)), row(Uppdragsnummer="2026-0102", Pris="mycket")]
    result = run(write_xlsx_file(tmp_path / "u.xlsx", rows), admin)
    assert [str(e) for e in result.errors] == [
        "Rad 3, kolumn Pris: ”mycket” är inget tal; skriv till exempel 24 000 eller 1 200,50."
    ]


def test_duplicate_number_in_the_file(admin, tmp_path):
    result = run(write_csv_file(tmp_path / "u.csv", [GOOD, row(Tjänst="Kock"), GOOD]), admin)
    assert [str(e) for e in result.errors] == [
        "Rad 3, kolumn Uppdragsnummer: uppdragsnumret 2026-0101 finns redan på rad 2 i filen.",
        "Rad 4, kolumn Uppdragsnummer: uppdragsnumret 2026-0101 finns redan på rad 2 i filen.",
    ]
    assert not Assignment.objects.exists()


def test_missing_and_unknown_headers(admin, tmp_path):
    columns = [c for c in EXPORT_COLUMNS if c not in ("Pris", "Status")]
    result = run(write_csv_file(tmp_path / "u.csv", [GOOD], columns=columns), admin)
    assert len(result.errors) == 1 and result.errors[0].line == 0
    message = result.errors[0].message
    assert message.startswith("Rubrikraden (rad 1) stämmer inte. Kolumner saknas: Pris, Status.")

    result = run(write_csv_file(tmp_path / "u.csv", [GOOD], columns=EXPORT_COLUMNS + ["Anteckning"]), admin)
    assert "Okända kolumner: Anteckning." in result.errors[0].message
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("u.csv", "Uppdragsnummer;Kund\n2026-0001;Å\n".encode("latin-1"), "ska vara sparad som UTF-8"),
        ("u.csv", b"Uppdragsnummer,Kund\n2026-0001,X\n", "ska vara semikolonseparerad"),
        ("u.xlsx", b"not a zip", "kunde inte läsas som en Excel-fil"),
        ("u.pdf", b"%PDF", "ska vara en .xlsx- eller .csv-fil"),
        ("u.csv", csv_bytes([]), "Filen innehåller inga uppdrag"),
    ],
)
def test_unusable_files(admin, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    result = run(path, admin)
    assert len(result.errors) == 1 and message in result.errors[0].message


# --- Re-import and updates ----------------------------------------------------------------


def test_reimport_changes_nothing(admin, tmp_path):
    path = write_csv_file(tmp_path / "u.csv", [GOOD, row(Uppdragsnummer="2026-0102", Pris="30 000")])
    assert counts(run(path, admin)) == (2, 0, 0)
    history = Assignment.history.count()
    stamps = list(Assignment.objects.order_by("number").values_list("updated_at", flat=True))

    result = run(path, admin)

    assert result.errors == [] and counts(result) == (0, 0, 2)
    assert Assignment.history.count() == history
    assert list(Assignment.objects.order_by("number").values_list("updated_at", flat=True)) == stamps
    assert Organisation.objects.count() == 1 and Manager.objects.count() == 1


def test_changed_row_updates_only_that_assignment(admin, konsult2, tmp_path):
    run(write_csv_file(tmp_path / "u.csv", [GOOD, row(Uppdragsnummer="2026-0102")]), admin)
    changed = [row(Tjänst="Barnskötare", Pris="30 000", Konsult="KO2"), row(Uppdragsnummer="2026-0102")]

    result = run(write_csv_file(tmp_path / "u2.csv", changed), admin)

    assert counts(result) == (0, 1, 1)
    a = Assignment.objects.get(number="2026-0101")
    assert (a.role_title, a.price, a.responsible) == ("Barnskötare", Decimal("30000"), konsult2)
    assert a.price_reason == "Importerat från Access"
    # The invoice amount followed the price, being the default.
    assert a.invoiced_amount == Decimal("30000") + Decimal("1.5") * 950
    latest = a.history.first()
    assert latest.history_type == "~" and latest.history_user == admin
    assert latest.history_change_reason == "Import från Access"
    assert a.history.count() == 2 and Assignment.objects.get(number="2026-0102").history.count() == 1


def test_update_keeps_a_price_reason_and_an_invoice_amount_set_by_hand(admin, tmp_path):
    path = write_csv_file(tmp_path / "u.csv", [GOOD])
    run(path, admin)
    Assignment.objects.filter(number="2026-0101").update(
        price_reason="Rabatt enligt avtal", invoiced_amount=Decimal("20000"), price=Decimal("26000")
    )
    assert counts(run(path, admin)) == (0, 1, 0)
    a = Assignment.objects.get()
    assert a.price == Decimal("27000") and a.price_reason == "Rabatt enligt avtal"
    assert a.invoiced_amount == Decimal("20000")


def test_imported_numbers_move_the_sequence(admin, konsult, price_list_2026, tmp_path):
    AssignmentSequence.objects.create(year=2026, last=7)
    rows = [
        row(Uppdragsnummer="2026-0500"),
        row(Uppdragsnummer="2026-0042"),
        row(
            Uppdragsnummer="2025-0001",
            Beställningsdatum="2025-03-02",
            Paket="stora",
            Avslutsdatum="2025-04-01",
            Fakturerad="",
        ),
    ]
    from tests.factories import PackageFactory, PriceListFactory

    PackageFactory(price_list=PriceListFactory(year=2025))
    assert run(write_csv_file(tmp_path / "u.csv", rows), admin).errors == []
    assert dict(AssignmentSequence.objects.values_list("year", "last")) == {2026: 500, 2025: 1}
    created = services.create_assignment(
        by=konsult,
        organisation=Organisation.objects.get(),
        manager=Manager.objects.get(),
        role_title="Kock",
        ordered_on=date(2026, 5, 1),
        package=price_list_2026.packages.get(code="stora"),
    )
    assert created.number == "2026-0501"


# --- Export → import ----------------------------------------------------------------------


@pytest.fixture
def register(admin, konsult, konsult2, price_list_2026, tmp_path):
    """A register with the awkward cases: a closed assignment with a hand-set invoice amount,
    a price off the list with its reason, a manager of another organisation, a consultant whose
    initials are another user's username, text that looks like a formula."""
    run(
        write_csv_file(
            tmp_path / "seed.csv",
            [
                GOOD,
                row(
                    Uppdragsnummer="2026-0102",
                    Status="Förfrågan",
                    Avslutsdatum="",
                    Fakturerad="",
                    Verksamhet="",
                    Nivå="Chef",
                    Pris="",
                    Timmar_tillägg="",
                ),
                row(
                    Uppdragsnummer="2026-0103",
                    Status="Avbruten",
                    Tjänst="=Kock+1",
                    Pris="1 200,50",
                    Kund="Stockholm Vatten och Avfall AB",
                    Konsult="KO2",
                    Antal_sökande="",
                ),
            ],
        ),
        admin,
    )
    manager = ManagerFactory(email="annan@example.org", organisation=OrganisationFactory(name="Annan"))
    Assignment.objects.filter(number="2026-0101").update(invoiced_amount=Decimal("31000"), manager=manager)
    Assignment.objects.filter(number="2026-0102").update(price_reason="Rabatt", price=Decimal("25000"))
    clash = UserFactory(username="ko2-owner", initials="XX")
    UserFactory(username="xx", initials="")  # "XX" would be read as this user's username
    Assignment.objects.filter(number="2026-0102").update(responsible=clash)
    return {a.number: a for a in Assignment.objects.all()}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(admin, register, tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    with path.open("wb") as handle:
        (write_xlsx if fmt == "xlsx" else write_csv)(Assignment.objects.all(), handle)
    history = Assignment.history.count()

    result = run(path, admin)

    assert result.errors == []
    assert counts(result) == (0, 0, 3)
    assert Assignment.history.count() == history
    for number, before in register.items():
        after = Assignment.objects.get(number=number)
        assert [getattr(after, f.attname) for f in Assignment._meta.concrete_fields] == [
            getattr(before, f.attname) for f in Assignment._meta.concrete_fields
        ]


FORMULA_LIKE = {
    "organisation__name": '=HYPERLINK("http://x","Kund")',
    "manager__name": "+1+1 Beställare",
    "manager__email": "-2+3@example.org",
    "role_title": "@SUM(1) Tjänst",
    "sector__name": "'=1 Verksamhet",  # the user's own apostrophe is kept, too
    "package__code": "-2-3",
    "responsible__initials": "@SUM(1)",
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_like_text_survives_export_and_import(admin, tmp_path, fmt):
    """What the export protects (a string cell; in CSV an apostrophe) the import reads back as it was."""
    organisation = OrganisationFactory(name=FORMULA_LIKE["organisation__name"])
    AssignmentFactory(
        number="2026-0901",
        organisation=organisation,
        manager=ManagerFactory(
            name=FORMULA_LIKE["manager__name"],
            email=FORMULA_LIKE["manager__email"],
            organisation=organisation,
        ),
        role_title=FORMULA_LIKE["role_title"],
        sector=SectorFactory(name=FORMULA_LIKE["sector__name"]),
        package=PackageFactory(code=FORMULA_LIKE["package__code"], name="Minuspaketet"),
        responsible=UserFactory(username="minus", initials=FORMULA_LIKE["responsible__initials"]),
    )
    path = tmp_path / f"export.{fmt}"
    with path.open("wb") as handle:
        (write_xlsx if fmt == "xlsx" else write_csv)(Assignment.objects.all(), handle)
    Assignment.objects.all().delete()
    Manager.objects.all().delete()
    Organisation.objects.all().delete()

    result = run(path, admin)

    assert result.errors == [] and counts(result) == (1, 0, 0)
    assert Assignment.objects.filter(number="2026-0901").values(*FORMULA_LIKE).get() == FORMULA_LIKE


def test_export_xlsx_is_readable(admin, register, tmp_path):
    path = tmp_path / "export.xlsx"
    with path.open("wb") as handle:
        assert write_xlsx(Assignment.objects.all(), handle) == 3
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == EXPORT_COLUMNS
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > 20
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2026, 3, 2)
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["J2"].value == 27000 and sheet["J2"].data_type == "n"
    assert sheet["K2"].value == 1.5
    assert sheet["F4"].value == "=Kock+1" and sheet["F4"].data_type == "s"  # text, not a formula
    assert [sheet.cell(r, 12).value for r in (2, 3, 4)] == ["KON", "ko2-owner", "KO2"]


def test_export_csv_is_swedish_excel_csv(admin, register, tmp_path):
    path = tmp_path / "export.csv"
    with path.open("wb") as handle:
        write_csv(Assignment.objects.all(), handle)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ";".join(EXPORT_COLUMNS)
    assert lines[1].startswith("2026-0101;2026-03-02;Farsta stadsdelsförvaltning;")
    assert ";27000;1,5;KON;Tillsatt;2026-04-20;42;Ja;Nej;Ja;2026-04-25" in lines[1]
    assert ";'=Kock+1;" in lines[3] and ";1200,5;" in lines[3]


# --- Queries ------------------------------------------------------------------------------


def test_query_count_is_bounded(admin, tmp_path, django_assert_max_num_queries):
    """No query per row: 300 rows with 7 managers and 3 organisations take a few dozen queries
    (SQLite inserts about 35 rows per statement; PostgreSQL all in one)."""
    rows = [
        row(
            Uppdragsnummer=f"2026-{i:04d}",
            Kund=f"Förvaltning {i % 3}",
            **{"Beställarens e-post": f"chef{i % 7}@example.org"},
        )
        for i in range(1, 301)
    ]
    path = write_csv_file(tmp_path / "u.csv", rows)
    with django_assert_max_num_queries(50):
        result = run(path, admin)
    assert result.created == 300
    changed = [{**r, "Tjänst": "Kock"} for r in rows]
    with django_assert_max_num_queries(50):
        result = run(write_csv_file(tmp_path / "u2.csv", changed), admin)
    assert result.updated == 300
    with django_assert_max_num_queries(15):
        assert run(tmp_path / "u2.csv", admin).unchanged == 300


def test_users_lookup_prefers_username(admin, tmp_path):
    owner = UserFactory(username="abc", initials="")
    UserFactory(username="other", initials="ABC")
    assert run(write_csv_file(tmp_path / "u.csv", [row(Konsult="ABC")]), admin).errors == []
    assert Assignment.objects.get().responsible == owner
    assert User.objects.count() >= 3


def test_a_new_row_names_no_retired_register(admin, konsult, tmp_path):
    """The import applies the assignment's rules (Assignment.clean) as the form and the API do."""
    konsult.is_active = False
    konsult.save()
    Sector.objects.filter(name="Skola").update(active=False)
    result = run(write_csv_file(tmp_path / "u.csv", [GOOD]), admin)
    assert sorted(str(e) for e in result.errors) == [
        "Rad 2, kolumn Konsult: Konsulten är inte aktiv.",
        "Rad 2, kolumn Verksamhet: Verksamheten är inte aktiv.",
    ]
    assert not Assignment.objects.exists()
