"""Dashboard tables as .xlsx: numbers stored as numbers, readable widths, frozen header."""

from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rekrytering.spreadsheets import put, sheet_title

NUMBER_FORMATS = {"kr": "#,##0", "h": "0.0", "dec": "0.0", "pct": "0.0", "": "General"}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_value(value):
    """Decimals as floats (Excel numbers), everything else as is (for `put`)."""
    if hasattr(value, "is_finite"):
        return float(value)
    return value


def write_table(ws, table, *, row: int = 1, title: bool = False) -> int:
    """Write the table at `row`; return the row after it."""
    if title:
        put(ws, row, 1, table.title).font = Font(bold=True, size=13)
        row += 1
    for col, name in enumerate(table.columns, start=1):
        cell = put(ws, row, col, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = table.formats or [""] * len(table.columns)
    for r, values in enumerate(table.rows, start=row + 1):
        for c, value in enumerate(values, start=1):
            cell = put(ws, r, c, cell_value(value))
            fmt = formats[c - 1] if c - 1 < len(formats) else ""
            if isinstance(cell.value, (int, float)) and fmt:
                cell.number_format = NUMBER_FORMATS[fmt]
    for c, name in enumerate(table.columns, start=1):
        longest = max([len(str(name))] + [len(str(v[c - 1])) for v in table.rows if v[c - 1] is not None])
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = max(
            ws.column_dimensions[letter].width or 0, min(60, longest + 2)
        )
    return row + len(table.rows) + 1


def table_response(table, filename: str) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(table.title)
    write_table(ws, table)
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
