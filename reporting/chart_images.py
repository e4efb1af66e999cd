"""The dashboard's charts as PNG images, for the Word document.

Drawn with matplotlib from the same table (its rows and its `chart` spec: `label`, `values`,
`lines`) and in the same colours and number format as the dashboard's SVG charts (charts.py), so
each chart's data is defined once, in dashboard.build. matplotlib ships its own font (DejaVu
Sans, with å, ä and ö), so the images look the same on any machine; its object API is used
(no pyplot): no global state in a worker that draws for several reports.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from rekrytering.charts import GRID, INK, PALETTE, Table, _label, _n, nice_axis

DPI = 200
WIDTH_IN = 16 / 2.54  # the width the document gives a chart
# Every label in points: 9 pt is 12 px (at 96 px per inch), the smallest text a chart has.
FONT_PT = 9


def _text(value) -> str:
    """A label on one line: line breaks and tabs (a register's text may hold them) as spaces."""
    return " ".join(str(value).split())


def _series_name(table: Table, column: int) -> str:
    return _text(table.columns[column])


def _axis_label(value, _position=None) -> str:
    return _label(round(value) if float(value).is_integer() else value)


def _bars(table: Table) -> Figure | None:
    """Horizontal bars, one group per row (first row on top), the value written at each bar."""
    spec = table.chart
    label_col, value_cols = spec.get("label", 0), spec["values"]
    rows = [r for r in table.rows if any(r[c] is not None for c in value_cols)]
    if not rows:
        return None
    height = 0.9 + 0.28 * len(rows) * len(value_cols) + (0.35 if len(value_cols) > 1 else 0)
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    axes = figure.add_subplot()
    group = 0.8 / len(value_cols)
    top = max(_n(r[c]) for r in rows for c in value_cols) or 1
    for i, column in enumerate(value_cols):
        positions = [k + (i - (len(value_cols) - 1) / 2) * group for k in range(len(rows))]
        values = [_n(r[column]) for r in rows]
        bars = axes.barh(
            positions,
            values,
            height=group * 0.9,
            color=PALETTE[i % len(PALETTE)],
            label=_series_name(table, column),
        )
        axes.bar_label(bars, labels=[_label(r[column]) for r in rows], padding=3, fontsize=FONT_PT, color=INK)
    labels = [_text(r[label_col]) for r in rows]
    axes.set_yticks(range(len(rows)), [t if len(t) <= 40 else t[:39] + "…" for t in labels], fontsize=FONT_PT)
    axes.invert_yaxis()
    axes.set_xlim(0, top * 1.15)
    axes.xaxis.set_major_formatter(FuncFormatter(_axis_label))
    axes.tick_params(axis="x", labelsize=FONT_PT, colors=INK)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if len(value_cols) > 1:
        axes.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=len(value_cols),
            frameon=False,
            fontsize=FONT_PT,
        )
    return figure


def _columns(table: Table) -> Figure | None:
    """Columns per category (months), one per value column, and lines for the line columns."""
    spec = table.chart
    label_col, value_cols, line_cols = spec.get("label", 0), spec["values"], spec.get("lines", [])
    rows = table.rows
    values = [_n(r[c]) for r in rows for c in value_cols + line_cols]
    if not rows or not any(values):
        return None
    figure = Figure(figsize=(WIDTH_IN, 3.4), dpi=DPI)
    axes = figure.add_subplot()
    slot = 0.8 / max(1, len(value_cols))
    for i, column in enumerate(value_cols):
        positions = [k + (i - (len(value_cols) - 1) / 2) * slot for k in range(len(rows))]
        axes.bar(
            positions,
            [_n(r[column]) for r in rows],
            width=slot * 0.9,
            color=PALETTE[i % len(PALETTE)],
            label=_series_name(table, column),
        )
    for k, column in enumerate(line_cols):
        points = [(i, _n(r[column])) for i, r in enumerate(rows) if r[column] is not None]
        axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            color=PALETTE[(len(value_cols) + k) % len(PALETTE)],
            linewidth=2,
            linestyle="--" if k % 2 else "-",
            label=_series_name(table, column),
        )
    end, step = nice_axis(max(values))
    axes.set_ylim(0, end)
    axes.set_yticks([step * i for i in range(round(end / step) + 1)])
    axes.yaxis.set_major_formatter(FuncFormatter(_axis_label))
    axes.set_xticks(range(len(rows)), [_text(r[label_col]) for r in rows])
    axes.tick_params(labelsize=FONT_PT, colors=INK)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=len(value_cols) + len(line_cols),
        frameon=False,
        fontsize=FONT_PT,
    )
    return figure


def png(table: Table) -> bytes | None:
    """The table's chart as PNG bytes; None when it has no chart or nothing to draw."""
    if not table.chart or table.chart.get("type") == "heat":  # the heat map is drawn on the page only
        return None
    figure = _columns(table) if table.chart.get("type") == "columns" else _bars(table)
    if figure is None:
        return None
    figure.set_layout_engine("constrained")
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()
