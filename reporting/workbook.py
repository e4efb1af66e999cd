"""The tertial report as an Excel workbook, with native Excel charts (openpyxl), that prints as a
document.

Cumulative as the city reports: tertial 1 covers January–April, tertial 2 January–August,
tertial 3 the whole year. Sheets: Sammanfattning (Nyckeltal | Värde: the Swedish name and the
number as a number with a Swedish number format), Uppdrag, Ekonomi, Kundenkät, Kandidatenkät,
Matchning, Måluppfyllelse (each goal's assessment and analysis for the tertial), Indikatorer,
Aktiviteter, Citat. The figures are the dashboard's (reporting.tertial, dashboard.build), so the
workbook, the Word document and the page agree.

Printed (excel.PrintLayout): every sheet on A4 landscape fitted to its width, with the report and
the period in the header and "Sida N av M" at the foot; the charts under the tables, each anchored
below the previous one by its real height, and the pages broken between them, never through one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference, Series
from openpyxl.styles import Alignment

from rekrytering import memo
from rekrytering.spreadsheets import print_on_a4_landscape, put, use_font
from surveys.models import Answer, Kind
from surveys.selectors import ResultFilter, kind_result

from . import tertial as report
from .excel import (
    BOLD,
    FONT,
    HEADER_FILL,
    LINE_POINTS,
    NUMBER_FORMATS,
    PrintLayout,
    cell_value,
    fit_rows,
    text_lines,
    unit_format,
    write_table,
)

SHEETS = [
    "Sammanfattning",
    "Uppdrag",
    "Ledtider",
    "Ekonomi",
    "Kundenkät",
    "Kandidatenkät",
    "Matchning",
    "Måluppfyllelse",
    "Indikatorer",
    "Aktiviteter",
    "Citat",
]
STEPS = len(SHEETS) + 1  # the figures, then each sheet
ORGANISATION = "Serviceförvaltningen Rekrytering"


def _header(ws, row: int, names: list[str]):
    for col, name in enumerate(names, start=1):
        cell = put(ws, row, col, name)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _number(cell, number_format: str):
    """Give a number cell its number format (Swedish: decimal comma, space between thousands)."""
    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        cell.number_format = number_format
    return cell


def _widths(ws, widths: dict[str, float]):
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def _bar(ws, title, first, last, label_col, series, *, width, horizontal=True, y_title="", maximum=None):
    """A native bar chart of rows first..last: categories from `label_col`, one series per
    (column, name); `maximum` fixes the value axis at 0..maximum (scores, shares). Its height
    grows with the bars."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title, chart.y_axis.title = title, y_title
    bars = (last - first + 1) * len(series)
    chart.height, chart.width = (max(7.5, 0.6 * bars + 3) if horizontal else 9), width
    for col, name in series:
        chart.series.append(Series(Reference(ws, min_col=col, min_row=first, max_row=last), title=name))
    chart.set_categories(Reference(ws, min_col=label_col, min_row=first, max_row=last))
    if maximum is not None:
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, maximum
    return chart


def build_workbook(
    year: int,
    tertial: int,
    progress: Callable[[int, int, str], None] | None = None,
    data: dict | None = None,
) -> bytes:
    """The report's .xlsx bytes. `progress(step, steps, label)` is called before each sheet;
    `data`: the report's figures (tertial.report_data) when the caller has them already.
    In one figure cache: the sheets share the dashboard's figures instead of fetching them again."""
    with memo.figure_cache():
        return _build_workbook(year, tertial, progress, data)


def _build_workbook(year: int, tertial: int, progress, data) -> bytes:
    def step(i, label):
        if progress:
            progress(i, STEPS, label)

    chosen = report.report_period(year, tertial)
    if data is None:
        step(0, "Räknar fram nyckeltal")
        data = report.report_data(year, tertial)
    name = report.title(year, tertial)
    when = report.period_text(chosen)
    words = report.period_words(chosen)
    wb = Workbook()
    use_font(wb, FONT)

    def sheet(title: str, *, title_rows: int = 0) -> tuple:
        ws = wb.active if title == SHEETS[0] else wb.create_sheet(title)
        ws.title = title
        print_on_a4_landscape(
            ws, left=ORGANISATION, center=f"{name}: {title}", right=words, title_rows=title_rows
        )
        return ws, PrintLayout(ws, title_rows=title_rows)

    step(1, "Sammanfattning")
    _summary(sheet("Sammanfattning"), data, name, when)
    step(2, "Uppdrag")
    _assignments(sheet("Uppdrag"), data["tables"])
    step(3, "Ledtider")
    _lead_times(sheet("Ledtider"), data["tables"])
    step(4, "Ekonomi")
    _economy(sheet("Ekonomi"), data)
    for i, (kind, title) in enumerate(
        [(Kind.KUND, "Kundenkät"), (Kind.KANDIDAT, "Kandidatenkät"), (Kind.MATCHNING, "Matchning")], start=5
    ):
        step(i, title)
        _survey(sheet(title), data, chosen, kind, title)
    sections = report.goal_sections(data["plan"], tertial)
    step(8, "Måluppfyllelse")
    _goals(sheet("Måluppfyllelse", title_rows=1), sections, tertial, year)
    step(9, "Indikatorer")
    _indicators(sheet("Indikatorer", title_rows=1), sections, year)
    step(10, "Aktiviteter")
    _activities(sheet("Aktiviteter", title_rows=1), sections, tertial, year)
    step(11, "Citat")
    _quotes(sheet("Citat", title_rows=1), chosen)

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _summary(place, data, name, when):
    """Nyckeltal | Värde, numbers as numbers; then how Resultat and Prognos helår are computed."""
    ws, layout = place
    _header(ws, 1, ["Nyckeltal", "Värde"])
    figures = report.key_figures(data["keys"])
    for r, figure in enumerate(figures, start=2):
        put(ws, r, 1, figure.label)
        put(ws, r, 2, cell_value(figure.value)).number_format = NUMBER_FORMATS[figure.kind]
    _widths(ws, {"A": 48, "B": 22})
    r = len(figures) + 3
    put(ws, r, 1, f"{name}: {when}").font = BOLD
    # The explanations span the table's width and wrap, so a printed page shows them whole.
    for row, text in ((r + 1, data["explain"]["result"]), (r + 2, data["explain"]["forecast"])):
        put(ws, row, 1, text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = LINE_POINTS * text_lines(text or "", 70) + 4
    ws.freeze_panes = "A2"
    layout.paginate()


def _assignments(place, tables):
    """Per package (the package mix also as a pie, like the 2025 diagram), organisation kind, sector."""
    ws, layout = place
    packages = tables["paket"]
    # The package's code is the summary API's, not the reader's: the name says it.
    end = write_table(ws, packages, skip=("Kod",))
    end = write_table(ws, tables["organisationstyp"], row=end + 1)
    end = write_table(ws, tables["verksamhet"], row=end + 1)
    ws.freeze_panes = "A2"
    n = len(packages.rows)
    if n:
        width = layout.page_width_cm
        bars = _bar(
            ws, "Uppdrag per paket", 2, 1 + n, 1, [(2, "Beställda"), (3, "Avslutade")], width=width * 0.55
        )
        bars.height = layout.chart_height_cm(bars.height)
        pie = PieChart()
        pie.title = "Paketfördelning, beställda uppdrag"
        pie.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + n), titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + n))
        pie.height, pie.width = min(bars.height, 11), width * 0.45 - 0.6
        layout.place([bars, pie], end + 1)
    layout.paginate()


LEAD_TABLES = ("ledtider-paket", "ledtider-niva", "ledtider-ar", "omtag-paket")


def _lead_times(place, tables):
    """Lead times per package, level and year, then omtag per package with the reasons given; each
    table with its title and note kept on one page."""
    ws, layout = place
    widths = {"A": 30, **dict.fromkeys("BCDEFGH", 13)}
    spans = {}  # row → (text, characters per line) of a merged, wrapped cell
    end = 1
    for key in LEAD_TABLES:
        table = tables[key]
        start = end
        end = write_table(ws, table, row=end, title=True)
        if key.startswith("omtag"):  # the reasons (column F) span F:H, wrapped
            ws.merge_cells(start_row=start + 1, start_column=6, end_row=start + 1, end_column=8)
            for row in range(start + 2, end):
                ws.merge_cells(start_row=row, start_column=6, end_row=row, end_column=8)
                for col in range(1, 9):
                    ws.cell(row, col).alignment = Alignment(wrap_text=col == 6, vertical="top")
                spans[row] = (ws.cell(row, 6).value or "", 3 * widths["F"])
        note = table.note if table.rows else "Inga avslutade uppdrag under perioden."
        put(ws, end, 1, note).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=end, start_column=1, end_row=end, end_column=8)
        spans[end] = (note, sum(widths.values()))
        layout.keep(start, end)
        end += 2
    _widths(ws, widths)  # after the tables: write_table sizes each column to its longest text
    fit_rows(ws, 1, wrap=False)  # the headers; the merged cells below
    for row, (text, width) in spans.items():
        # A merged cell's lines are wider than a column's (no padding between its columns).
        ws.row_dimensions[row].height = 13 * text_lines(str(text), width * 1.2) + 4
    layout.paginate()


ECONOMY_ROWS = [
    ("Fakturerat i perioden", "invoiced"),
    ("Bokat, ej fakturerat", "booked"),
    ("Intäkter i perioden", "revenue"),
    ("Budget för perioden", "budget"),
    ("Avtalat pris, pågående uppdrag", "ordered_value"),
    ("Prognos helår", "forecast"),
    ("Intäkt per årsarbetare", "revenue_per_fte"),
    ("Kostnader i perioden", "costs"),
    ("Resultat i perioden", "result"),
]


def _economy(place, data):
    """Months (revenue against budget, also cumulative, as charts), the period's economy and the
    yearly summary."""
    ws, layout = place
    tables = data["tables"]
    end = write_table(ws, tables["intakter-manad"])
    r = end + 1
    _header(ws, r, ["Nyckeltal", "Värde"])
    for i, (label, key) in enumerate(ECONOMY_ROWS, start=r + 1):
        put(ws, i, 1, label)
        put(ws, i, 2, cell_value(data["economy"][key])).number_format = NUMBER_FORMATS["kr"]
    end = r + len(ECONOMY_ROWS) + 2
    if "ekonomi-ar" in tables:
        first = end
        end = write_table(ws, tables["ekonomi-ar"], row=end, title=True)
        for row in ws.iter_rows(min_row=first + 2, max_row=end - 1, min_col=9, max_col=9):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")  # Källa
        layout.keep(first, end - 1)  # the yearly summary with its title and average on one page
    # As narrow as the numbers allow: the sheet is fitted to the page's width.
    _widths(ws, {"A": 30, **dict.fromkeys("BCDEFGH", 14), "I": 34})
    ws.freeze_panes = "A2"
    half = layout.page_width_cm / 2 - 0.4
    bars = _bar(
        ws,
        "Intäkter och budget per månad",
        2,
        13,
        1,
        [(4, "Intäkter"), (5, "Budget")],
        width=half,
        horizontal=False,
        y_title="kr",
    )
    line = LineChart()
    line.title, line.y_axis.title, line.height, line.width = "Ackumulerade intäkter mot budget", "kr", 9, half
    for col in (6, 7):
        line.add_data(Reference(ws, min_col=col, min_row=1, max_row=13), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=2, max_row=13))
    for chart in (bars, line):
        chart.y_axis.number_format = NUMBER_FORMATS["count"]
        chart.height = layout.chart_height_cm(12)
    layout.place([bars, line], end + 1)
    layout.paginate()


def _survey(place, data, chosen, kind, title):
    """One survey: the headline figures this period and last year, per question, and charts of
    the means and the shares of yes, each below the other."""
    ws, layout = place
    flt = ResultFilter()
    now, before = kind_result(chosen, kind, flt), kind_result(chosen.previous_year, kind, flt)
    _header(ws, 1, ["Mått", chosen.label, chosen.previous_year.label])
    head_now, head_before = data["surveys"]["now"].get(kind), data["surveys"]["before"].get(kind)
    rows = [
        ("Svar", now.responses, before.responses, "count"),
        ("Utskick", now.sent, before.sent, "count"),
        ("Svarsfrekvens", now.response_rate, before.response_rate, "pct"),
    ]
    if head_now is not None:
        rows += [("Snittbetyg", head_now.mean, head_before.mean if head_before else None, "dec")]
    if kind == Kind.KUND:
        rows += [
            ("NPS", now.nps.nps if now.nps else None, before.nps.nps if before.nps else None, "dec"),
            ("Andel nöjda", now.share_satisfied, before.share_satisfied, "pct"),
        ]
    for r, (label, a, b, kind_of_number) in enumerate(rows, start=2):
        put(ws, r, 1, label)
        for c, value in ((2, a), (3, b)):
            _number(put(ws, r, c, cell_value(value)), NUMBER_FORMATS[kind_of_number])
    start = len(rows) + 3
    last_year = chosen.previous_year.label
    _header(
        ws,
        start,
        [
            "Fråga",
            "Svar",
            "Medelvärde",
            "Andel nöjda",
            "Andel ja",
            f"Medelvärde {last_year}",
            f"Andel ja {last_year}",
        ],
    )
    earlier = {q["key"]: q for q in before.questions}
    # Scale questions first, then NPS, then yes/no: each chart below covers one block.
    order = {"scale": 0, "nps": 1, "yesno": 2}
    questions = sorted(now.questions, key=lambda q: order.get(q["type"], 3))
    formats = ["", "count", "dec", "pct", "pct", "dec", "pct"]
    blocks: dict[str, list[int]] = {}
    for r, q in enumerate(questions, start=start + 1):
        before_q = earlier.get(q["key"], {})
        values = [q["text"], q["count"], q.get("mean"), q.get("share_satisfied"), q.get("share_yes")]
        for c, value in enumerate(values + [before_q.get("mean"), before_q.get("share_yes")], start=1):
            cell = put(ws, r, c, cell_value(value))
            if formats[c - 1]:
                _number(cell, NUMBER_FORMATS[formats[c - 1]])
        blocks.setdefault(q["type"], []).append(r)
    if now.hidden:
        put(ws, start + 1, 1, "Färre än fem svar: resultaten visas inte.")
    _widths(ws, {"A": 60, "B": 13, "C": 13, "D": 12, "E": 12, "F": 17, "G": 17})
    fit_rows(ws, start)
    ws.freeze_panes = "A2"
    row = ws.max_row + 2
    width = layout.page_width_cm
    scale = blocks.get("scale", [])
    if any(q.get("mean") is not None for q in questions if q["type"] == "scale"):
        series = [(3, chosen.label), (6, last_year)]
        chart = _bar(
            ws,
            f"{title}: medelvärde per fråga (1–10)",
            scale[0],
            scale[-1],
            1,
            series,
            width=width,
            maximum=10,
        )
        chart.height = layout.chart_height_cm(chart.height)
        chart.y_axis.number_format = "0"
        row = layout.place([chart], row)
    yes = blocks.get("yesno", [])
    if any(q.get("share_yes") is not None for q in questions if q["type"] == "yesno"):
        series = [(5, chosen.label), (7, last_year)]
        chart = _bar(
            ws, f"{title}: andel ja per fråga (%)", yes[0], yes[-1], 1, series, width=width, maximum=100
        )
        chart.height = layout.chart_height_cm(chart.height)
        chart.y_axis.number_format = '0" %"'
        layout.place([chart], row)
    layout.paginate()


def _page_points(layout) -> float:
    """The height of a page in points: no row may be taller."""
    return layout.page_height_cm / 2.54 * 72


def _no_plan(ws, year):
    put(ws, 2, 1, f"Det finns ingen verksamhetsplan för {year}.")


def _goals(place, sections, tertial, year):
    """Each goal in goal-chain order with the head's assessment and analysis for the tertial."""
    ws, layout = place
    _header(ws, 1, ["Nivå", "Nummer", "Mål", f"Bedömning T{tertial}", "Analys", "Indikatorer"])
    _widths(ws, {"A": 20, "B": 8, "C": 44, "D": 15, "E": 66, "F": 16})
    if not sections:
        _no_plan(ws, year)
    for r, section in enumerate(sections, start=2):
        goal = section.goal
        put(ws, r, 1, section.level)
        put(ws, r, 2, goal.number or None)
        put(ws, r, 3, goal.title).alignment = Alignment(indent=section.depth)
        put(ws, r, 4, section.assessment_text)
        put(ws, r, 5, section.analysis or None)
        put(ws, r, 6, section.met_text or None)
    fit_rows(ws, 2, widest=_page_points(layout))
    ws.freeze_panes = "A2"
    layout.paginate()


def _indicators(place, sections, year):
    ws, layout = place
    _header(ws, 1, ["Mål", "Indikator", "Årsmål", "Utfall", "Måluppfyllelse", "Så har värdet tagits fram"])
    _widths(ws, {"A": 28, "B": 46, "C": 11, "D": 11, "E": 15, "F": 50})
    if not sections:
        _no_plan(ws, year)
    r = 2
    for section in sections:
        for line in section.indicators:
            put(ws, r, 1, section.goal.title)
            put(ws, r, 2, line.indicator.name)
            put(ws, r, 3, line.target or None)
            if line.value is not None:
                unit = line.indicator.target_unit
                whole = line.value == line.value.to_integral_value() and unit not in ("%", "/10")
                number_format = NUMBER_FORMATS["count"] if whole and not unit else unit_format(unit)
                put(ws, r, 4, float(line.value)).number_format = number_format
            else:
                put(ws, r, 4, line.value_text or None)
            put(ws, r, 5, line.mark)
            put(ws, r, 6, line.explanation or None)
            r += 1
    fit_rows(ws, 2, widest=_page_points(layout))
    ws.freeze_panes = "A2"
    layout.paginate()


def _activities(place, sections, tertial, year):
    ws, layout = place
    _header(
        ws, 1, ["Mål", "Aktivitet", "Startdatum", "Slutdatum", "Ansvarig", f"Status T{tertial}", "Kommentar"]
    )
    _widths(ws, {"A": 26, "B": 48, "C": 11, "D": 11, "E": 18, "F": 12, "G": 36})
    if not sections:
        _no_plan(ws, year)
    r = 2
    for section in sections:
        for line in section.activities:
            activity = line.activity
            put(ws, r, 1, section.goal.title)
            put(ws, r, 2, activity.text)
            for c, day in ((3, activity.start), (4, activity.end)):
                if isinstance(day, date):
                    put(ws, r, c, day).number_format = "yyyy-mm-dd"
            put(ws, r, 5, activity.responsible or None)
            put(ws, r, 6, line.status)
            put(ws, r, 7, line.comment or None)
            r += 1
    fit_rows(ws, 2, widest=_page_points(layout))
    ws.freeze_panes = "A2"
    layout.paginate()


def _quotes(place, chosen):
    """The comments marked as quotes, never with a name; candidate quotes carry no consultant."""
    ws, layout = place
    _header(ws, 1, ["Enkät", "Datum", "Citat"])
    quotes = (
        Answer.objects.filter(is_quote=True, response__answered_on__range=(chosen.start, chosen.end))
        .select_related("response")
        .order_by("response__answered_on", "pk")
    )
    labels = {k: str(v) for k, v in Kind.choices}
    for r, answer in enumerate(quotes, start=2):
        put(ws, r, 1, labels.get(answer.response.kind, answer.response.kind))
        put(ws, r, 2, answer.response.answered_label)
        put(ws, r, 3, answer.text)
    _widths(ws, {"A": 24, "B": 12, "C": 100})
    fit_rows(ws, 2, widest=_page_points(layout))
    ws.freeze_panes = "A2"
    layout.paginate()
