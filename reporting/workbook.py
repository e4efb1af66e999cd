"""The tertial report as an Excel workbook, with native Excel charts (openpyxl).

Cumulative as the city reports: tertial 1 covers January–April, tertial 2 January–August,
tertial 3 the whole year. Sheets: Sammanfattning (first a table Nyckeltal | Värde | Kod: the
Swedish name, the number as a number with a number format, the summary API's key), Uppdrag,
Ekonomi, Kundenkät, Kandidatenkät, Matchning, Indikatorer, Aktiviteter, Citat. The figures are
the dashboard's (reporting.dashboard.build), so the workbook and the page agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference, Series
from openpyxl.styles import Alignment, Font

from planning.models import Activity, Plan
from rekrytering import memo
from rekrytering.periods import CUMULATIVE, period
from rekrytering.spreadsheets import put
from surveys.models import Answer, Kind
from surveys.selectors import ResultFilter, kind_result

from . import dashboard
from .excel import HEADER_FILL, NUMBER_FORMATS, cell_value, write_table
from .figures import COUNT_KEYS, KEY_FIGURES, Scope, Table

SHEETS = [
    "Sammanfattning",
    "Uppdrag",
    "Ekonomi",
    "Kundenkät",
    "Kandidatenkät",
    "Matchning",
    "Indikatorer",
    "Aktiviteter",
    "Citat",
]


def _header(ws, row: int, names: list[str]):
    for col, name in enumerate(names, start=1):
        cell = put(ws, row, col, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _wrap_rows(ws, first_row: int = 2):
    """Wrap the text of the rows from `first_row` and give each row the height its longest cell
    needs (spreadsheet programs do not grow rows of a generated file by themselves)."""
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str):
                width = ws.column_dimensions[cell.column_letter].width or 10
                per_line = max(1, int(width * 1.1))
                needed = sum(math.ceil(max(1, len(part)) / per_line) for part in cell.value.split("\n"))
                lines = max(lines, needed)
        ws.row_dimensions[row[0].row].height = 15 * lines


def _number(cell, number_format: str):
    """Give a number cell its number format (Excel shows it with the reader's decimal comma)."""
    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        cell.number_format = number_format
    return cell


def _bar(ws, title, first, last, label_col, series, anchor, *, horizontal=True, y_title="", maximum=None):
    """A native bar chart of rows first..last: categories from `label_col`, one series per
    (column, name); `maximum` fixes the value axis at 0..maximum (scores, shares)."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title, chart.y_axis.title = title, y_title
    chart.height, chart.width = max(7.5, 0.6 * (last - first + 1) * len(series) + 3), 18
    for col, name in series:
        chart.series.append(Series(Reference(ws, min_col=col, min_row=first, max_row=last), title=name))
    chart.set_categories(Reference(ws, min_col=label_col, min_row=first, max_row=last))
    if maximum is not None:
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, maximum
    ws.add_chart(chart, anchor)
    return chart


def build_workbook(year: int, tertial: int, progress: Callable[[int, int, str], None] | None = None) -> bytes:
    """The report's .xlsx bytes. `progress(step, steps, label)` is called before each sheet.
    In one figure cache: the sheets share the dashboard's figures instead of fetching them again."""
    with memo.figure_cache():
        return _build_workbook(year, tertial, progress)


def _build_workbook(year: int, tertial: int, progress) -> bytes:
    steps = len(SHEETS) + 1

    def step(i, label):
        if progress:
            progress(i, steps, label)

    chosen = period(year, CUMULATIVE[tertial])
    scope = Scope(chosen)
    step(0, "Räknar fram nyckeltal")
    # Today, as on the dashboard: the forecast for the year is made from today's date.
    data = dashboard.build(scope, timezone.localdate())
    tables: dict[str, Table] = data["tables"]
    wb = Workbook()

    # Sammanfattning: Nyckeltal | Värde first, numbers as numbers.
    step(1, "Sammanfattning")
    ws = wb.active
    ws.title = "Sammanfattning"
    _header(ws, 1, ["Nyckeltal", "Värde", "Kod"])
    for r, (key, label) in enumerate(KEY_FIGURES, start=2):
        put(ws, r, 1, label)
        value = data["keys"][key]
        cell = put(ws, r, 2, int(value) if key in COUNT_KEYS and value is not None else cell_value(value))
        cell.number_format = "0" if key in COUNT_KEYS else NUMBER_FORMATS["kr" if "(kr)" in label else "dec"]
        put(ws, r, 3, key)
    r = len(KEY_FIGURES) + 3
    heading = f"Tertialrapport {tertial} {year}: {chosen.start:%Y-%m-%d}–{chosen.end:%Y-%m-%d}"
    put(ws, r, 1, heading).font = Font(bold=True)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 40, 16
    ws.column_dimensions["C"].width = 26
    # The explanations span the table's width and wrap, so a printed page shows them whole.
    for row, text in ((r + 1, data["explain"]["result"]), (r + 2, data["explain"]["forecast"])):
        put(ws, row, 1, text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 15 * (1 + len(text or "") // 85)
    ws.freeze_panes = "A2"
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed: all three columns on the page's width
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0

    # Uppdrag: per package (with the package mix as a pie like the 2025 diagram), kind, sector.
    step(2, "Uppdrag")
    ws = wb.create_sheet("Uppdrag")
    packages = tables["paket"]
    end = write_table(ws, packages)
    n = len(packages.rows)
    if n:
        _bar(ws, "Uppdrag per paket", 2, 1 + n, 1, [(3, "Beställda"), (4, "Avslutade")], "G2")
        pie = PieChart()
        pie.title = "Paketfördelning, beställda uppdrag"
        pie.add_data(Reference(ws, min_col=3, min_row=1, max_row=1 + n), titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + n))
        pie.height, pie.width = 9, 14
        ws.add_chart(pie, "G20")
    start = end + 1
    end = write_table(ws, tables["organisationstyp"], row=start)
    start = end + 1
    write_table(ws, tables["verksamhet"], row=start)
    ws.freeze_panes = "A2"

    # Ekonomi: months with a line of cumulative revenue against budget, and the yearly summary.
    step(3, "Ekonomi")
    ws = wb.create_sheet("Ekonomi")
    months = tables["intakter-manad"]
    end = write_table(ws, months)
    bars = _bar(
        ws,
        "Intäkter och budget per månad",
        2,
        13,
        1,
        [(4, "Intäkter"), (5, "Budget")],
        "K2",
        horizontal=False,
    )
    bars.y_axis.title, bars.width, bars.height = "kr", 20, 9
    line = LineChart()
    line.title, line.y_axis.title, line.height, line.width = "Ackumulerade intäkter mot budget", "kr", 7.5, 20
    for col in (6, 7):
        line.add_data(Reference(ws, min_col=col, min_row=1, max_row=13), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=2, max_row=13))
    ws.add_chart(line, "K22")
    economy = data["economy"]
    r = end + 1
    _header(ws, r, ["Nyckeltal", "Värde (kr)"])
    for i, (label, value) in enumerate(
        [
            ("Fakturerat i perioden", economy["invoiced"]),
            ("Bokat, ej fakturerat", economy["booked"]),
            ("Intäkter i perioden", economy["revenue"]),
            ("Budget för perioden", economy["budget"]),
            ("Avtalat pris, pågående uppdrag", economy["ordered_value"]),
            ("Prognos helår", economy["forecast"]),
            ("Intäkt per årsarbetare", economy["revenue_per_fte"]),
            ("Kostnader i perioden", economy["costs"]),
            ("Resultat i perioden", economy["result"]),
        ],
        start=r + 1,
    ):
        put(ws, i, 1, label)
        put(ws, i, 2, cell_value(value)).number_format = NUMBER_FORMATS["kr"]
    ws.column_dimensions["A"].width = 30
    if "ekonomi-ar" in tables:
        write_table(ws, tables["ekonomi-ar"], row=r + 12, title=True)
    ws.freeze_panes = "A2"

    # The three surveys: per question this period and last year, with a chart of the means.
    flt = ResultFilter()
    for i, (kind, title) in enumerate(
        [(Kind.KUND, "Kundenkät"), (Kind.KANDIDAT, "Kandidatenkät"), (Kind.MATCHNING, "Matchning")], start=4
    ):
        step(i, title)
        ws = wb.create_sheet(title)
        now, before = kind_result(chosen, kind, flt), kind_result(chosen.previous_year, kind, flt)
        _header(ws, 1, ["Mått", chosen.label, chosen.previous_year.label])
        head_now, head_before = data["surveys"]["now"].get(kind), data["surveys"]["before"].get(kind)
        rows = [
            ("Svar", now.responses, before.responses),
            ("Utskick", now.sent, before.sent),
            ("Svarsfrekvens (%)", now.response_rate, before.response_rate),
        ]
        if head_now is not None:
            rows += [("Snittbetyg", head_now.mean, head_before.mean if head_before else None)]
        if kind == Kind.KUND:
            rows += [
                ("NPS", now.nps.nps if now.nps else None, before.nps.nps if before.nps else None),
                ("Andel nöjda (%)", now.share_satisfied, before.share_satisfied),
            ]
        for r, (label, a, b) in enumerate(rows, start=2):
            put(ws, r, 1, label)
            for c, value in ((2, a), (3, b)):
                _number(put(ws, r, c, cell_value(value)), "0" if label in ("Svar", "Utskick") else "0.0")
        start = len(rows) + 3
        last_year = chosen.previous_year.label
        _header(
            ws,
            start,
            ["Fråga", "Svar", "Medelvärde", "Andel nöjda (%)", "Andel ja (%)"]
            + [f"Medelvärde {last_year}", f"Andel ja {last_year} (%)"],
        )
        earlier = {q["key"]: q for q in before.questions}
        # Scale questions first, then NPS, then yes/no: each chart below covers one block.
        order = {"scale": 0, "nps": 1, "yesno": 2}
        questions = sorted(now.questions, key=lambda q: order.get(q["type"], 3))
        blocks: dict[str, list[int]] = {}
        for r, q in enumerate(questions, start=start + 1):
            before_q = earlier.get(q["key"], {})
            values = [q["text"], q["count"], q.get("mean"), q.get("share_satisfied"), q.get("share_yes")]
            for c, value in enumerate(values + [before_q.get("mean"), before_q.get("share_yes")], start=1):
                _number(put(ws, r, c, cell_value(value)), "0" if c == 2 else "0.0")
            blocks.setdefault(q["type"], []).append(r)
        if now.hidden:
            put(ws, start + 1, 1, "Färre än fem svar: resultaten visas inte.")
        ws.column_dimensions["A"].width = 70
        for letter in "BCDEFG":
            ws.column_dimensions[letter].width = 16
        ws.freeze_panes = "A2"
        anchor = "I2"
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
                anchor,
                maximum=10,
            )
            anchor = f"I{2 + int(chart.height * 2) + 1}"
        yes = blocks.get("yesno", [])
        if any(q.get("share_yes") is not None for q in questions if q["type"] == "yesno"):
            series = [(5, chosen.label), (7, last_year)]
            _bar(ws, f"{title}: andel ja per fråga (%)", yes[0], yes[-1], 1, series, anchor, maximum=100)

    # Indikatorer and Aktiviteter from the department's plan.
    step(7, "Indikatorer")
    ws = wb.create_sheet("Indikatorer")
    _header(ws, 1, ["Mål", "Indikator", "Årsmål", "Utfall", "Måluppfyllelse", "Så har värdet tagits fram"])
    plan = data["plan"]
    if plan:
        for r, item in enumerate(plan["indicators"], start=2):
            target, value, mark = dashboard.indicator_cells(item)
            values = [item["goal"].title, item["indicator"].name, target, value, mark]
            for c, v in enumerate(values + [item["outcome"].explanation or None], start=1):
                put(ws, r, c, cell_value(v))
    else:
        put(ws, 2, 1, f"Det finns ingen verksamhetsplan för {year}.")
    for letter, width in zip("ABCDEF", (40, 60, 12, 12, 16, 70), strict=True):
        ws.column_dimensions[letter].width = width
    _wrap_rows(ws)
    ws.freeze_panes = "A2"

    step(8, "Aktiviteter")
    ws = wb.create_sheet("Aktiviteter")
    _header(
        ws, 1, ["Mål", "Aktivitet", "Startdatum", "Slutdatum", "Ansvarig", f"Status T{tertial}", "Kommentar"]
    )
    department_plan = Plan.objects.filter(year=year, unit__isnull=True).first()
    if department_plan:
        activities = (
            Activity.objects.filter(goal__plan=department_plan)
            .select_related("goal")
            .prefetch_related("follow_ups")
            .order_by("goal__order", "order", "pk")
        )
        statuses = dict(Activity.Status.choices)
        for r, activity in enumerate(activities, start=2):
            follow = next((f for f in activity.follow_ups.all() if f.tertial == tertial), None)
            put(ws, r, 1, activity.goal.title)
            put(ws, r, 2, activity.text)
            put(ws, r, 3, activity.start.isoformat() if activity.start else None)
            put(ws, r, 4, activity.end.isoformat() if activity.end else None)
            put(ws, r, 5, activity.responsible or None)
            put(ws, r, 6, str(statuses[follow.status if follow else activity.status]))
            put(ws, r, 7, follow.comment if follow and follow.comment else None)
    for letter, width in zip("ABCDEFG", (40, 70, 12, 12, 16, 14, 50), strict=True):
        ws.column_dimensions[letter].width = width
    _wrap_rows(ws)
    ws.freeze_panes = "A2"

    # Citat: the comments marked as quotes, never with a name; candidate quotes carry no consultant.
    step(9, "Citat")
    ws = wb.create_sheet("Citat")
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
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = (
        18,
        12,
        100,
    )
    _wrap_rows(ws)
    ws.freeze_panes = "A2"

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
