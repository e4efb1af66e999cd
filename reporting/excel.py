"""Dashboard tables as .xlsx (numbers stored as numbers with Swedish number formats, readable
widths, frozen header), and the print layout of the tertial report's sheets: charts anchored one
below the other by their real height, and page breaks only between them."""

import textwrap
from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import cm_to_EMU
from openpyxl.worksheet.pagebreak import Break

from rekrytering.spreadsheets import PRINTABLE_HEIGHT_CM, PRINTABLE_WIDTH_CM, put, sheet_title

# [$-41D] is Swedish: a space between thousands and a decimal comma whatever the reader's
# settings (LibreOffice follows it; Swedish Excel shows the same). Percentages are kept as
# percent numbers (76.3, not 0.763), so the sign is text, not Excel's "%" that multiplies by 100.
SWEDISH = "[$-41D]"
NUMBER_FORMATS = {
    "kr": f'{SWEDISH}#,##0 "kr"',
    "h": f"{SWEDISH}#,##0.0",
    "dec": f"{SWEDISH}#,##0.0",
    "pct": f'{SWEDISH}0.0 "%"',
    "count": f"{SWEDISH}#,##0",
    "": "General",
}
# An indicator's outcome in the unit of its annual target (planning.models.Indicator.UNITS).
UNIT_FORMATS = {
    "%": NUMBER_FORMATS["pct"],
    "kr": NUMBER_FORMATS["kr"],
    "st": f'{SWEDISH}#,##0 "st"',
    "h": f'{SWEDISH}#,##0.0 "h"',
    "/10": f'{SWEDISH}0.0 "/10"',
}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
# The report's font (rekrytering.spreadsheets.use_font), and its bold and title faces named too: a
# font without a name is drawn in a serif face by LibreOffice.
FONT = Font(name="Arial", size=10, family=2)
BOLD = Font(name="Arial", size=10, family=2, bold=True)
TITLE = Font(name="Arial", size=12, family=2, bold=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_value(value):
    """Decimals as floats (Excel numbers), everything else as is (for `put`)."""
    if hasattr(value, "is_finite"):
        return float(value)
    return value


def unit_format(unit: str) -> str:
    return UNIT_FORMATS.get(unit, NUMBER_FORMATS["dec"])


def write_table(ws, table, *, row: int = 1, title: bool = False, skip: tuple[str, ...] = ()) -> int:
    """Write the table at `row` (without the columns named in `skip`); return the row after it."""
    keep = [i for i, name in enumerate(table.columns) if name not in skip]
    if title:
        put(ws, row, 1, table.title).font = TITLE
        row += 1
    for col, i in enumerate(keep, start=1):
        cell = put(ws, row, col, table.columns[i])
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = table.formats or [""] * len(table.columns)
    for r, values in enumerate(table.rows, start=row + 1):
        for c, i in enumerate(keep, start=1):
            cell = put(ws, r, c, cell_value(values[i]))
            fmt = formats[i] if i < len(formats) else ""
            if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
                continue
            if fmt:
                cell.number_format = NUMBER_FORMATS[fmt]
            elif isinstance(cell.value, int):
                cell.number_format = NUMBER_FORMATS["count"]
    for c, i in enumerate(keep, start=1):
        name = table.columns[i]
        # A formatted number is wider than its digits: separators and the unit.
        longest = max([len(str(name))] + [len(str(v[i])) + 4 for v in table.rows if v[i] is not None])
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = max(
            ws.column_dimensions[letter].width or 0, min(60, longest + 2)
        )
    return row + len(table.rows) + 1


def text_lines(text: str, width: float) -> int:
    """How many lines `text` needs in a column `width` characters wide (a unit of column width is
    the width of a digit; Arial's letters are narrower on average)."""
    per_line = max(1, int(width * 1.1))
    # Wrapped at the spaces as a spreadsheet program does (a long word is broken where it must).
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in str(text).split("\n"))


LINE_POINTS = 15  # a line of text (10 or 11 points)


def fit_rows(ws, first_row: int = 1, *, wrap: bool = True, only_missing: bool = False, widest=None):
    """Give each row from `first_row` the height its text needs (spreadsheet programs do not grow
    the rows of a generated file by themselves, and the print layout reckons with the heights),
    at most `widest` points: a row taller than a page cannot be printed whole. `wrap` wraps the
    text of every cell; else only cells already set to wrap count their lines. `only_missing`
    leaves rows that have a height alone."""
    merged = {cell for rng in ws.merged_cells.ranges for cell in rng.cells}
    for row in ws.iter_rows(min_row=first_row):
        number = row[0].row
        if only_missing and ws.row_dimensions[number].height:
            continue
        lines, points = 1, LINE_POINTS
        for cell in row:
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top", indent=cell.alignment.indent)
            if cell.font is not None and cell.font.sz and cell.font.sz > 10:
                points = max(points, cell.font.sz * 1.4)
            if (
                isinstance(cell.value, str)
                and cell.alignment.wrap_text
                and (number, cell.column) not in merged
            ):
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                lines = max(lines, text_lines(cell.value, width))
        height = max(points, LINE_POINTS * lines)
        ws.row_dimensions[number].height = min(height, widest) if widest else height


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


# --- Print layout --------------------------------------------------------------------------

POINT_CM = 2.54 / 72
PIXEL_CM = 2.54 / 96
DEFAULT_ROW_POINTS = 15
DEFAULT_COLUMN_PIXELS = 64  # a column without a width of its own (8.43 characters)
# A page is filled to this share of its height: a reader's fonts may measure a little differently.
PAGE_FILL = 0.94
CHART_GAP_CM = 0.4
# A chart begins this far below the top of its row: drawn from the very top, LibreOffice's rounding
# lets its border show at the foot of the page before.
CHART_TOP_CM = 0.15


def column_width_cm(ws, column: int) -> float:
    dimension = ws.column_dimensions.get(get_column_letter(column))
    if dimension is None or not dimension.width:
        return DEFAULT_COLUMN_PIXELS * PIXEL_CM
    return int(dimension.width * 7) * PIXEL_CM  # 7 pixels a character (Arial 10, Calibri 11)


def row_height_cm(ws, row: int) -> float:
    dimension = ws.row_dimensions.get(row)
    height = dimension.height if dimension is not None and dimension.height else DEFAULT_ROW_POINTS
    return height * POINT_CM


def chart_rows(ws, row: int, height_cm: float) -> int:
    """The last row a chart of `height_cm` anchored at the top of `row` covers."""
    covered = 0.0
    while True:
        covered += row_height_cm(ws, row)
        if covered >= height_cm - 1e-6:
            return row
        row += 1


class PrintLayout:
    """A report sheet on paper: A4 landscape, fitted to the width of its columns.

    `place(charts, row)` anchors charts side by side at `row`, the first in column A, and returns
    the first free row below the tallest of them, from their real heights (in cm) and the rows'
    heights (every row from there down gets an explicit height, so that no program guesses
    another). `paginate()`, called last, puts a page break before a block of charts that would not
    fit on the rest of its page, and before a row that would not: no chart is cut by a page break.
    """

    def __init__(self, ws, *, title_rows: int = 0):
        self.ws, self.title_rows = ws, title_rows
        self.blocks: dict[int, int] = {}  # first row → last row of a block of charts

    def table_width_cm(self) -> float:
        return sum(column_width_cm(self.ws, c) for c in range(1, self.ws.max_column + 1))

    @property
    def scale(self) -> float:
        """How much fitting the sheet to the page's width shrinks it."""
        return min(1.0, PRINTABLE_WIDTH_CM / self.table_width_cm())

    @property
    def page_width_cm(self) -> float:
        """The width of the sheet that prints on one page's width."""
        return PRINTABLE_WIDTH_CM / self.scale

    @property
    def page_height_cm(self) -> float:
        """The height of the sheet that prints on one page, the repeated title rows left out."""
        titles = sum(row_height_cm(self.ws, r) for r in range(1, self.title_rows + 1))
        return PRINTABLE_HEIGHT_CM * PAGE_FILL / self.scale - titles

    def chart_height_cm(self, wanted: float) -> float:
        """`wanted`, or less when that would not fit on a page."""
        return min(wanted, self.page_height_cm - 1.5 - CHART_TOP_CM)

    def _column_at(self, left_cm: float) -> int:
        column, edge = 1, 0.0
        while edge < left_cm - 1e-6:
            edge += column_width_cm(self.ws, column)
            column += 1
        return column

    def place(self, charts, row: int) -> int:
        left, last = 0.0, row
        for chart in charts:
            column = self._column_at(left)
            chart.anchor = OneCellAnchor(
                _from=AnchorMarker(col=column - 1, colOff=0, row=row - 1, rowOff=cm_to_EMU(CHART_TOP_CM)),
                ext=XDRPositiveSize2D(cm_to_EMU(chart.width), cm_to_EMU(chart.height)),
            )
            self.ws.add_chart(chart)
            left = sum(column_width_cm(self.ws, c) for c in range(1, column)) + chart.width + CHART_GAP_CM
            last = max(last, chart_rows(self.ws, row, CHART_TOP_CM + chart.height))
        for r in range(row, last + 2):
            dimension = self.ws.row_dimensions[r]
            dimension.height = dimension.height or DEFAULT_ROW_POINTS
        self.blocks[row] = last
        return last + 2  # one empty row between blocks

    def keep(self, first_row: int, last_row: int) -> None:
        """Keep rows first..last (a short table) on one page: a break comes before, not among them."""
        self.blocks[first_row] = max(last_row, self.blocks.get(first_row, first_row))

    def paginate(self) -> list[int]:
        """Place the page breaks; returns the rows that begin a new page. Rows without a height
        get the one their text needs first, so that the layout and the reader agree."""
        ws = self.ws
        fit_rows(ws, wrap=False, only_missing=True, widest=self.page_height_cm / POINT_CM)
        last_row = max([ws.max_row, *self.blocks.values()])
        page, used, starts = self.page_height_cm, 0.0, []
        row = 1
        while row <= last_row:
            end = self.blocks.get(row, row)
            height = sum(row_height_cm(ws, r) for r in range(row, end + 1))
            if used > 0 and used + height > page:
                ws.row_breaks.append(Break(id=row - 1))
                starts.append(row)
                used = 0.0
            used += height
            row = end + 1
        return starts
