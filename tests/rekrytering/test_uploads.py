"""The upload limits every spreadsheet import checks first (rekrytering.uploads).

Each refusal must come with a Swedish message naming what is too large and where, before openpyxl
opens the workbook, without unpacking much of it and quickly.
"""

import io
import time
import tracemalloc

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from rekrytering.uploads import SpreadsheetField, UploadRefused, check_upload
from tests.spreadsheets import (
    CountingFile,
    cells_row,
    openpyxl_loads,  # noqa: F401  (fixture)
    sheet_xml,
    xlsx,
    zip_bomb,
)

HEADER = ["Uppdragsnummer", "Kund", "Tjänst"]


def refusal(data: bytes, name: str = "u.xlsx") -> str:
    with pytest.raises(UploadRefused) as refused:
        check_upload(io.BytesIO(data), name)
    return str(refused.value)


def workbook_bytes(rows: int, columns: int = 24) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Uppdrag"
    for r in range(rows):
        sheet.append([f"Text {r} {c}" for c in range(columns)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_real_workbook_passes_and_is_left_at_its_start():
    data = workbook_bytes(1000)
    file = io.BytesIO(data)
    file.seek(10)
    check_upload(file, "uppdrag.xlsx")
    assert file.tell() == 0


def test_zip_bomb_is_refused_by_its_compression_ratio_before_anything_is_unpacked(openpyxl_loads):  # noqa: F811
    data = zip_bomb("Uppdrag", HEADER, megabytes=30)
    assert len(data) < 300 * 1024  # 30 MB of shared strings in a few hundred kB
    tracemalloc.start()
    started = time.perf_counter()
    message = refusal(data)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert message.startswith("Excel-filen är packad misstänkt hårt: filens texter (xl/sharedStrings.xml)")
    assert "gånger större uppackad (30 MB); gränsen är 100 gånger." in message
    assert openpyxl_loads == []
    assert peak < 2 * 1024 * 1024 and elapsed < 2


def test_unpacked_size_is_capped(settings):
    settings.UPLOAD_MAX_UNPACKED_MB = 1
    data = workbook_bytes(1000)  # 1.3 MB of sheet XML, packed normally (about 17 times)
    message = refusal(data)
    assert message.startswith(
        "Excel-filen blir 1,3 MB uppackad, mer än gränsen 1 MB; störst är fliken ”Uppdrag”"
    )
    assert "(xl/worksheets/sheet1.xml) med 1,3 MB." in message


def test_file_size_is_capped(settings):
    settings.UPLOAD_MAX_MB = 1
    assert refusal("Enkät;Besvarad\n".encode() + b"x" * (2 * 1024 * 1024), "svar.csv") == (
        "Filen är 2 MB; den får vara högst 1 MB. Dela upp den i flera filer."
    )


@pytest.mark.parametrize(
    "dimension, cell, size",
    [
        ("A1:XFD1048576", "XFD1048576", "1\xa0048\xa0576 rader, 16\xa0384 kolumner"),
        ("A1:X50001", "X50001", "50\xa0001 rader, 24 kolumner"),
        ("A1:CW2", "CW2", "2 rader, 101 kolumner"),
    ],
)
def test_declared_dimension_beyond_the_limits_is_refused(openpyxl_loads, dimension, cell, size):  # noqa: F811
    data = xlsx({"Uppdrag": sheet_xml(cells_row(1, HEADER), dimension=dimension)})
    assert refusal(data) == (
        f"Enligt filen sträcker sig fliken ”Uppdrag” (xl/worksheets/sheet1.xml) till cell {cell} ({size}); "
        "högst 50\xa0000 rader och 100 kolumner läses in. Ta bort tomma rader och kolumner efter tabellen "
        "(markera dem, Ta bort) och spara, eller dela upp filen."
    )
    assert openpyxl_loads == []


def test_declared_dimension_within_the_limits_passes():
    check_upload(
        io.BytesIO(xlsx({"Uppdrag": sheet_xml(cells_row(1, HEADER), dimension="A1:CV50000")})), "u.xlsx"
    )


@pytest.mark.parametrize(
    "far, found",
    [
        (cells_row(1_048_576, ["x"]), "har en rad med nummer 1\xa0048\xa0576"),
        (cells_row(2, ["x"], start_column=16_384), "har en cell i XFD2"),
        (cells_row(2, ["x"], start_column=101), "har en cell i CW2"),
        # A cell placed far below its row, which openpyxl's full mode would follow.
        (b'<row r="2"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row>', "har en cell i A900000"),
        # Rows without numbers count on from the one before, as openpyxl counts them.
        (b"<row/>" * 50_000, "har en rad med nummer 50\xa0001"),
        (b'<row r="1e6"/>', "har en rad med nummer 1\xa0000\xa0000"),
    ],
)
def test_padded_sheet_is_refused_whatever_its_dimension_says(openpyxl_loads, far, found):  # noqa: F811
    # The sheet says it is small (A1:C1); its content reaches far.
    data = xlsx({"Uppdrag": sheet_xml(cells_row(1, HEADER), far, dimension="A1:C1")})
    started = time.perf_counter()
    message = refusal(data)
    assert message == (
        f"Fliken ”Uppdrag” (xl/worksheets/sheet1.xml) {found}; högst 50\xa0000 rader och 100 kolumner "
        "läses in. Ta bort innehåll och formatering nedanför och till höger om tabellen (även i celler som "
        "ser tomma ut) och spara, eller dela upp filen."
    )
    assert openpyxl_loads == [] and time.perf_counter() - started < 2


def test_a_sheet_kept_elsewhere_in_the_archive_is_checked_too():
    """openpyxl finds sheets through the workbook's relationships, wherever they point."""
    data = xlsx({"Blad": sheet_xml(cells_row(70_000, ["x"]))}, sheet_paths={"Blad": "data/blad.xml"})
    assert load_workbook(io.BytesIO(data))["Blad"].max_row == 70_000
    assert refusal(data).startswith("Fliken ”Blad” (xl/data/blad.xml) har en rad med nummer 70\xa0000;")


def test_a_far_row_in_a_large_sheet_is_found_across_chunks(settings):
    """The sheet is read a megabyte at a time; a tag cut by a chunk boundary is still seen."""
    rows = [cells_row(n, [f"Text {n} {c}" * 3 for c in range(10)]) for n in range(1, 5001)]
    rows.append(b'<row r="60000"><c r="A60000"/></row>')
    data = xlsx({"Uppdrag": sheet_xml(*rows)})
    assert "har en rad med nummer 60\xa0000" in refusal(data)
    settings.UPLOAD_MAX_ROWS = 60_000
    check_upload(io.BytesIO(data), "u.xlsx")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04 not a zip", "Filen kunde inte läsas som en Excel-fil (.xlsx)."),
        (b"Uppdragsnummer;Kund", "Filen kunde inte läsas som en Excel-fil (.xlsx)."),
        (xlsx({"Uppdrag": b'<worksheet><sheetData><row r="tre"/></sheetData></worksheet>'}), "”tre”"),
    ],
)
def test_unreadable_xlsx(data, message):
    assert message in refusal(data)


def test_over_long_csv_is_refused_after_reading_only_the_start():
    file = CountingFile(b"Enk\xc3\xa4t;Besvarad\n" + b"kundenkat;2024-03-01\n" * 200_000)  # 4 MB
    started = time.perf_counter()
    with pytest.raises(UploadRefused) as refused:
        check_upload(file, "svar.csv")
    assert str(refused.value) == (
        "CSV-filen har fler än 50\xa0000 rader (rubrikraden medräknad). "
        "Dela upp den och importera delarna var för sig."
    )
    assert file.bytes_read <= 2 * 1024 * 1024 < len(file.getvalue())
    assert time.perf_counter() - started < 1


def test_csv_line_count_is_exact_at_the_limit(settings):
    settings.UPLOAD_MAX_ROWS = 3
    check_upload(io.BytesIO(b"a;b\r\n1;2\r\n3;4\r\n"), "u.csv")
    check_upload(io.BytesIO(b"a;b\r\n1;2\r\n3;4"), "u.csv")
    assert "fler än 3 rader" in refusal(b"a;b\r\n1;2\r\n3;4\r\n5;6", "u.csv")
    assert "fler än 3 rader" in refusal(b"a;b\r1;2\r3;4\r5;6\r", "u.csv")  # old Mac line ends


class Upload(forms.Form):
    file = SpreadsheetField(label="Fil", extensions=(".xlsx", ".csv"))


@pytest.mark.parametrize(
    "name, data, error",
    [
        ("u.pdf", b"%PDF", "Välj en .xlsx- eller .csv-fil."),
        ("u.xlsx", b"Uppdragsnummer;Kund", "Filen är ingen Excel-fil (.xlsx), fast namnet slutar så."),
        ("u.xlsx", xlsx({"Uppdrag": sheet_xml(cells_row(1, HEADER), dimension="A1:XFD1")}), "till cell XFD1"),
        ("u.xlsx", None, None),
    ],
)
def test_form_field_refuses_with_the_same_messages(name, data, error):
    data = data if data is not None else workbook_bytes(3)
    form = Upload(files={"file": SimpleUploadedFile(name, data)})
    assert form.is_valid() is (error is None)
    if error:
        assert error in form.errors["file"][0]
    assert 'accept=".xlsx,.csv"' in str(form["file"]) and "Högst 10 MB." in str(form["file"].help_text)


def test_single_extension_message():
    with pytest.raises(forms.ValidationError) as refused:
        SpreadsheetField(extensions=(".csv",)).clean(SimpleUploadedFile("svar.xlsx", b"PK\x03\x04"))
    assert refused.value.messages == ["Välj en .csv-fil."]
