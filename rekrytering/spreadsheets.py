"""The one writer of the spreadsheet files the app produces (.xlsx and .csv): text stays text.

A spreadsheet program runs a cell that begins with "=" as a formula, and when it opens a CSV file
also one that begins with "+", "-", "@", a tab or a carriage return (formula or CSV injection,
OWASP). Free text reaches our files from public survey answers, the plan and the register, so
every value of every file goes through here:

- .xlsx: `put(ws, row, column, value)` and `append(ws, values)` (normal and write-only sheets), or
  `cell(ws, value)` for a write-only cell to style. Text is always a string cell (data type "s"),
  never a formula or an error value; text that begins like a formula is also quote-prefixed, so
  that editing the cell in Excel keeps it text. A formula of our own is asked for explicitly:
  `put(ws, 9, 2, Formula("=SUM(B2:B8)"))`. Sheet names made of user text go through `sheet_title`.
- .csv: `CsvWriter` writes CSV as Swedish Excel reads it (semicolons, decimal commas, UTF-8 with
  BOM) and puts an apostrophe before text that begins like a formula, as OWASP advises.
  `read_csv_text` takes it off again: our own imports read an export back as it was.

XML reads a carriage return as a line feed, so "\\r=1" comes back from an .xlsx file as "\\n=1" —
still text.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.indexed_list import IndexedList

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters a sheet name cannot hold, and its longest length.
SHEET_TITLE_FORBIDDEN = str.maketrans({c: "-" for c in "\\/*?:[]"})
SHEET_TITLE_LENGTH = 31


@dataclass(frozen=True)
class Formula:
    """A formula we write on purpose, e.g. Formula("=SUM(B2:B8)")."""

    text: str

    def __post_init__(self):
        if not self.text.startswith("="):
            raise ValueError("A formula begins with '='.")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


# --- .xlsx ---------------------------------------------------------------------------------


def write(target: Cell, value) -> Cell:
    """Set the cell's value: a formula only for a `Formula`, text always as text."""
    if isinstance(value, Formula):
        target.value = value.text
        return target
    if isinstance(value, Promise):  # lazy translations
        value = str(value)
    target.value = value
    if isinstance(value, str):
        target.data_type = "s"  # openpyxl would make "=..." a formula and "#N/A" an error
        if looks_like_formula(value):
            target.quotePrefix = True
    return target


def put(ws, row: int, column: int, value) -> Cell:
    """ws.cell(row, column) holding `value`, written by `write`."""
    return write(ws.cell(row=row, column=column), value)


def cell(ws, value) -> Cell:
    """A cell for `append`, to style before appending (write-only sheets need these)."""
    return write(WriteOnlyCell(ws), value)


def _needs_cell(value) -> bool:
    """Whether openpyxl, given the bare value, would not store it as what it is."""
    if isinstance(value, Formula | Promise):
        return True
    return isinstance(value, str) and (looks_like_formula(value) or value in ERROR_CODES)


def append(ws, values) -> None:
    """ws.append(values), every value written by `write`; cells made by `cell` are kept as they are."""
    ws.append([cell(ws, v) if _needs_cell(v) else v for v in values])


def sheet_title(text: str) -> str:
    """A valid sheet name from any text: forbidden characters replaced, cut to 31 characters."""
    return str(text).translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_LENGTH].strip("'") or "Blad"


# --- Printing ------------------------------------------------------------------------------

# A4 landscape, the margins `print_on_a4_landscape` sets (inches, as the file keeps them), and the
# area left for the sheet's rows and columns, in centimetres.
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.8, "bottom": 0.8, "header": 0.3, "footer": 0.3}
PRINTABLE_WIDTH_CM = 29.7 - (MARGINS["left"] + MARGINS["right"]) * 2.54
PRINTABLE_HEIGHT_CM = 21.0 - (MARGINS["top"] + MARGINS["bottom"]) * 2.54
PAGE_NUMBERS = "Sida &P av &N"


def header_text(text: str) -> str:
    """Text for a page header or footer: "&" starts a code there, so it is doubled."""
    return str(text).replace("&", "&&")


def use_font(workbook, font) -> None:
    """Make `font` the workbook's own (the Normal style's, that of every cell without one).

    A column's width is counted in the widths of the Normal font's digits; a font LibreOffice
    lacks (Calibri, openpyxl's default) is drawn in a wider stand-in, and every column and the
    printed pages grow with it. Arial has a metric twin there (Liberation Sans), so a file in
    Arial prints the same in both. openpyxl has no call for this: font 0 is the Normal style's."""
    workbook._fonts = IndexedList([font])
    workbook._named_styles["Normal"].font = font


def print_on_a4_landscape(ws, *, left: str = "", center: str = "", right: str = "", title_rows: int = 0):
    """Print the sheet on A4 landscape, fitted to the page's width (as many pages tall as it
    needs), with a header (`left`, `center`, `right`, plain text) and "Sida N av M" at the foot.
    `title_rows`: the rows at the top repeated on every page (a table's header)."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    for name, inches in MARGINS.items():
        setattr(ws.page_margins, name, inches)
    ws.oddHeader.left.text = header_text(left) or None
    ws.oddHeader.center.text = f"&B{header_text(center)}" if center else None
    ws.oddHeader.right.text = header_text(right) or None
    ws.oddFooter.center.text = PAGE_NUMBERS
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"


# --- .csv ----------------------------------------------------------------------------------


def csv_text(text: str) -> str:
    """The text as a CSV field a spreadsheet program shows as text.

    An apostrophe goes before text that begins like a formula, also when apostrophes are already in
    front of it ("'=1" becomes "''=1"), so that `read_csv_text` gives back exactly the text."""
    return "'" + text if looks_like_formula(text.lstrip("'")) else text


def read_csv_text(field: str) -> str:
    """The text `csv_text` wrote; any other field as it is."""
    return field[1:] if field.startswith("'") and looks_like_formula(field.lstrip("'")) else field


def csv_field(value) -> str:
    """A value as Swedish Excel writes it in CSV: dates ISO, numbers with a decimal comma."""
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, bool):
        raise TypeError("Write Ja or Nej, not a bool.")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        text = f"{Decimal(str(value)):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")
    raise TypeError(f"No CSV field for {type(value).__name__}.")


class CsvWriter:
    """Rows to a binary file, semicolon-separated, UTF-8 with BOM and CRLF, as Swedish Excel
    writes CSV; each value through `csv_field`. Use as a context manager: the caller's file is
    left open."""

    def __init__(self, file_obj):
        self._text = io.TextIOWrapper(file_obj, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text, delimiter=";", lineterminator="\r\n")

    def writerow(self, values) -> None:
        self._writer.writerow([csv_field(v) for v in values])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._text.flush()
        self._text.detach()
