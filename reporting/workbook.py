"""The tertial report as an Excel workbook, with native Excel charts (openpyxl).

Cumulative as the city reports: tertial 1 covers January–April, tertial 2 January–August,
tertial 3 the whole year. Sheets: Sammanfattning (first a two-column table Nyckeltal | Värde),
Uppdrag, Ekonomi, Kundenkät, Kandidatenkät, Matchning, Indikatorer, Aktiviteter, Citat.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Font

from assignments.periods import CUMULATIVE, period
from planning.models import Activity, Plan
from surveys.models import Answer, Kind
from surveys.selectors import ResultFilter, kind_result

from . import dashboard
from .excel import HEADER_FILL, cell_value, write_table
from .figures import KEY_FIGURES, Scope, Table

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
        cell = ws.cell(row=row, column=col, value=name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _bar(ws, title, table_row, rows, label_col, value_cols, anchor, *, horizontal=True, y_title=""):
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title, chart.y_axis.title = title, y_title
    chart.height, chart.width = max(7.5, 0.6 * rows + 3), 18
    for col in value_cols:
        data = Reference(ws, min_col=col, min_row=table_row, max_row=table_row + rows)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=label_col, min_row=table_row + 1, max_row=table_row + rows))
    ws.add_chart(chart, anchor)
    return chart


def build_workbook(year: int, tertial: int, progress: Callable[[int, int, str], None] | None = None) -> bytes:
    """The report's .xlsx bytes. `progress(step, steps, label)` is called before each sheet."""
    steps = len(SHEETS) + 1

    def step(i, label):
        if progress:
            progress(i, steps, label)

    chosen = period(year, CUMULATIVE[tertial])
    scope = Scope(chosen)
    step(0, "Räknar fram nyckeltal")
    data = dashboard.build(scope, chosen.end)
    tables: dict[str, Table] = data["tables"]
    wb = Workbook()

    # Sammanfattning: Nyckeltal | Värde first, numbers as numbers.
    step(1, "Sammanfattning")
    ws = wb.active
    ws.title = "Sammanfattning"
    _header(ws, 1, ["Nyckeltal", "Värde"])
    for r, (key, _label) in enumerate(KEY_FIGURES, start=2):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=cell_value(data["keys"][key]))
    r = len(KEY_FIGURES) + 3
    ws.cell(
        row=r,
        column=1,
        value=f"Tertialrapport {tertial} {year}: {chosen.start:%Y-%m-%d}–{chosen.end:%Y-%m-%d}",
    ).font = Font(bold=True)
    _header(ws, r + 1, ["Kod", "Beskrivning"])
    for i, (key, label) in enumerate(KEY_FIGURES, start=r + 2):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=label)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 28, 40
    ws.freeze_panes = "A2"

    # Uppdrag: per package (with the package mix as a pie like the 2025 diagram), kind, sector.
    step(2, "Uppdrag")
    ws = wb.create_sheet("Uppdrag")
    packages = tables["paket"]
    end = write_table(ws, packages)
    n = len(packages.rows)
    if n:
        _bar(ws, "Uppdrag per paket", 1, n, 1, [3, 4], "G2")
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
    bars = _bar(ws, "Intäkter och budget per månad", 1, 12, 1, [4, 5], "K2", horizontal=False, y_title="kr")
    bars.width = 20
    line = LineChart()
    line.title, line.y_axis.title, line.height, line.width = "Ackumulerade intäkter mot budget", "kr", 7.5, 20
    for col in (6, 7):
        line.add_data(Reference(ws, min_col=col, min_row=1, max_row=13), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=2, max_row=13))
    ws.add_chart(line, "K18")
    economy = data["economy"]
    r = end + 1
    _header(ws, r, ["Nyckeltal", "Värde (kr)"])
    for i, (label, value) in enumerate(
        [
            ("Fakturerat i perioden", economy["invoiced"]),
            ("Bokat, ej fakturerat", economy["booked"]),
            ("Budget för perioden", economy["budget"]),
            ("Beställt i pågående uppdrag", economy["ordered_value"]),
            ("Prognos helår", economy["forecast"]),
            ("Intäkt per årsarbetare", economy["revenue_per_fte"]),
            ("Kostnader i perioden", economy["costs"]),
            ("Resultat i perioden", economy["result"]),
        ],
        start=r + 1,
    ):
        ws.cell(row=i, column=1, value=label)
        ws.cell(row=i, column=2, value=cell_value(value)).number_format = "# ##0"
    if "ekonomi-ar" in tables:
        write_table(ws, tables["ekonomi-ar"], row=r + 11, title=True)
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
            ws.cell(row=r, column=1, value=label)
            ws.cell(row=r, column=2, value=cell_value(a))
            ws.cell(row=r, column=3, value=cell_value(b))
        start = len(rows) + 3
        _header(
            ws,
            start,
            [
                "Fråga",
                "Svar",
                "Medelvärde",
                "Andel nöjda (%)",
                "Andel ja (%)",
                f"Medelvärde {chosen.previous_year.label}",
            ],
        )
        earlier = {q["key"]: q for q in before.questions}
        scale_rows = 0
        for r, q in enumerate(now.questions, start=start + 1):
            ws.cell(row=r, column=1, value=q["text"])
            ws.cell(row=r, column=2, value=q["count"])
            ws.cell(row=r, column=3, value=q.get("mean"))
            ws.cell(row=r, column=4, value=q.get("share_satisfied"))
            ws.cell(row=r, column=5, value=q.get("share_yes"))
            ws.cell(row=r, column=6, value=earlier.get(q["key"], {}).get("mean"))
            scale_rows += 1
        if now.hidden:
            ws.cell(row=start + 1, column=1, value="Färre än fem svar: resultaten visas inte.")
        ws.column_dimensions["A"].width = 70
        for letter in "BCDEF":
            ws.column_dimensions[letter].width = 16
        ws.freeze_panes = "A2"
        if scale_rows and any(q.get("mean") is not None for q in now.questions):
            chart = _bar(ws, f"{title}: medelvärde per fråga", start, scale_rows, 1, [3, 6], "H2")
            chart.x_axis.title = "Fråga"

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
                ws.cell(row=r, column=c, value=cell_value(v))
    else:
        ws.cell(row=2, column=1, value=f"Det finns ingen verksamhetsplan för {year}.")
    for letter, width in zip("ABCDEF", (40, 60, 12, 12, 16, 70), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
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
            ws.cell(row=r, column=1, value=activity.goal.title)
            ws.cell(row=r, column=2, value=activity.text)
            ws.cell(row=r, column=3, value=activity.start.isoformat() if activity.start else None)
            ws.cell(row=r, column=4, value=activity.end.isoformat() if activity.end else None)
            ws.cell(row=r, column=5, value=activity.responsible or None)
            ws.cell(row=r, column=6, value=str(statuses[follow.status if follow else activity.status]))
            ws.cell(row=r, column=7, value=follow.comment if follow and follow.comment else None)
    for letter, width in zip("ABCDEFG", (40, 70, 12, 12, 16, 14, 50), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
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
        ws.cell(row=r, column=1, value=labels.get(answer.response.kind, answer.response.kind))
        ws.cell(row=r, column=2, value=answer.response.answered_on.isoformat())
        ws.cell(row=r, column=3, value=answer.text).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = (
        18,
        12,
        100,
    )
    ws.freeze_panes = "A2"

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
