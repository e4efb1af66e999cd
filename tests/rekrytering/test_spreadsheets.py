"""The spreadsheet writer: text is never a formula, our own formulas only on request, CSV reads back."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from rekrytering.spreadsheets import (
    CsvWriter,
    Formula,
    append,
    cell,
    csv_field,
    csv_text,
    put,
    read_csv_text,
    sheet_title,
)

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "=1", "#N/A", "#DIV/0!"]


def reloaded(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def test_put_writes_text_as_text_and_a_formula_only_when_asked():
    workbook = Workbook()
    ws = workbook.active
    for row, text in enumerate(PAYLOADS, start=1):
        put(ws, row, 1, text)
    put(ws, 1, 2, 2)
    put(ws, 2, 2, Decimal("3.5"))
    put(ws, 3, 2, Formula("=SUM(B1:B2)"))
    put(ws, 4, 2, "Vanlig text")
    put(ws, 5, 2, gettext_lazy("Uppfyllt"))
    ws = reloaded(workbook).active
    assert [(ws.cell(r, 1).data_type, ws.cell(r, 1).value) for r in range(1, len(PAYLOADS) + 1)] == [
        ("s", text) for text in PAYLOADS
    ]
    # Quote-prefixed, so that editing the cell in Excel keeps it text; plain text is left plain.
    assert [ws.cell(r, 1).quotePrefix for r in range(1, 7)] == [True] * 6
    assert ws["B4"].quotePrefix is False and ws["B4"].value == "Vanlig text"
    assert (ws["B1"].data_type, ws["B1"].value, ws["B2"].value) == ("n", 2, 3.5)
    assert (ws["B3"].data_type, ws["B3"].value) == ("f", "=SUM(B1:B2)")
    assert ws["B5"].value == "Uppfyllt"


def test_a_formula_must_begin_with_equals():
    with pytest.raises(ValueError):
        Formula("SUM(B1:B2)")


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
def test_append_and_styled_cells(write_only):
    workbook = Workbook(write_only=write_only)
    ws = workbook.create_sheet("Blad") if write_only else workbook.active
    bold = cell(ws, "=rubrik")
    bold.font = Font(bold=True)
    append(ws, [bold, "+1+1", None, 5, date(2026, 1, 2), Formula("=1+1")])
    ws = reloaded(workbook).worksheets[-1]
    assert [(c.data_type, c.value) for c in ws[1]][:2] == [("s", "=rubrik"), ("s", "+1+1")]
    assert ws["A1"].font.b and ws["C1"].value is None and ws["D1"].value == 5
    assert ws["E1"].is_date and (ws["F1"].data_type, ws["F1"].value) == ("f", "=1+1")


def test_sheet_title_from_any_text():
    workbook = Workbook()
    title = sheet_title("Indikatorer T1 (Plan 2026: del 1/2 [utkast]?*\\)")
    workbook.active.title = title  # openpyxl refuses forbidden characters
    assert title == "Indikatorer T1 (Plan 2026- del "
    assert len(sheet_title("x" * 40)) == 31 and sheet_title("'") == "Blad"


@pytest.mark.parametrize(
    "text, field",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # an apostrophe of the user's own is kept
        ("'hej", "'hej"),
        ("hej", "hej"),
        ("", ""),
    ],
)
def test_csv_text(text, field):
    assert csv_text(text) == field
    assert read_csv_text(field) == text


@given(st.text())
def test_csv_text_reads_back_exactly_and_never_begins_like_a_formula(text):
    field = csv_text(text)
    assert read_csv_text(field) == text
    assert not field.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_fields_are_swedish_excel_values():
    assert [
        csv_field(v)
        for v in (None, date(2026, 3, 2), Decimal("1200.50"), Decimal("27000"), 42, Decimal("-1.5"))
    ] == ["", "2026-03-02", "1200,5", "27000", "42", "-1,5"]  # a negative number stays a number
    with pytest.raises(TypeError):
        csv_field(True)


def test_csv_writer_writes_swedish_excel_csv_and_leaves_the_file_open():
    buffer = io.BytesIO()
    with CsvWriter(buffer) as writer:
        writer.writerow(["Kund", "Pris"])
        writer.writerow(['=HYPERLINK("http://x";"y")', Decimal("1.5")])
    assert not buffer.closed
    assert buffer.getvalue().decode("utf-8") == (
        '\ufeffKund;Pris\r\n"\'=HYPERLINK(""http://x"";""y"")";1,5\r\n'
    )
