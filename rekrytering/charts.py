"""Charts as inline SVG, drawn on the server from a dashboard table's rows.

No JavaScript and no inline styles (the Content-Security-Policy forbids them): colours are
presentation attributes. Every chart has a title and a description for screen readers, and the
figures are always available as the table next to it; bars carry their value as text so the
chart does not depend on colour.
"""

import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

from rekrytering.numbers import format_number

PALETTE = ["#0b4a8b", "#c56a00", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457"]
INK, GRID, MUTED = "#1a1a1a", "#d0d5dc", "#5b6470"
# Every text on a chart, in viewBox units. The charts are 640 units wide and never drawn narrower
# than 520 px (static/css/app.css: a narrow screen scrolls the chart sideways), so no label is
# smaller than 12 px on the screen (15 × 520 / 640 = 12.2).
FONT = 15


def cell_text(value, fmt=""):
    """A table cell as every page and document shows it: numbers the Swedish way (whole kronor;
    hours, per cent and the like with one decimal, "dec" as many as it has), "–" for no data."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if fmt == "kr":
        return format_number(value, 0)
    if fmt in ("h", "dec", "pct"):
        return format_number(value, 1) if fmt != "dec" else format_number(value)
    return format_number(value)


@dataclass
class Table:
    """A table of the dashboard: shown, charted and downloadable as .xlsx from the same rows."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: dict | None = None  # {"type": "bar"|"columns"|"line", "label": 0, "values": [1, 2]}
    note: str = ""
    formats: list[str] = field(default_factory=list)  # per column: "", "kr", "pct", "h", "dec", "text"

    def text(self, row: list, index: int) -> str:
        """Cell `index` of `row` as the page shows it (cell_text in the column's format)."""
        formats = self.formats or []
        return cell_text(row[index], formats[index] if index < len(formats) else "")

    @property
    def header(self) -> list[tuple[str, bool]]:
        """(column, is a number column): the first column names the rows; a "text" column is words."""
        formats = self.formats or []
        return [
            (name, i > 0 and (formats[i] if i < len(formats) else "") != "text")
            for i, name in enumerate(self.columns)
        ]


def _n(value) -> float:
    if value is None:
        return 0.0
    return float(value)


def _label(value) -> str:
    """A value written on a chart: Swedish number format, whole numbers from a thousand up."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return format_number(value, 0 if abs(float(value)) >= 1000 else None)


def nice_axis(top: float, ticks: int = 4) -> tuple[float, float]:
    """A value axis 0..end in round steps (1, 2, 2.5 or 5 × 10^k) with at most `ticks` steps:
    (end, step). `nice_axis(3_960_002)` → (4 000 000, 1 000 000)."""
    if top <= 0:
        return 1.0, 0.25
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return step * math.ceil(top / step - 1e-9), step


def _legend(names, y) -> list[str]:
    parts, x = [], 8
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}" font-size="{FONT}" fill="{INK}">{escape(name)}</text>')
        x += 26 + 9 * len(name)
    return parts


def bar_chart(table) -> str:
    """Horizontal bars: one row per category, one bar per value column, the value written out.
    With `"labels_above": True` in the spec each category's label is written on its own line above
    its bars (long texts such as survey questions), else to the left of them (cut at 28 characters)."""
    spec = table.chart
    label_col, value_cols = spec.get("label", 0), spec["values"]
    above = spec.get("labels_above", False)
    rows = [r for r in table.rows if any(r[c] is not None for c in value_cols)]
    if not rows:
        return ""
    # A share is drawn on its whole scale (`"max": 100`), so that 97 % does not look like 100 %.
    top = spec.get("max") or max(max(_n(r[c]) for c in value_cols) for r in rows) or 1
    bar_h, gap, width = 19, 10, 640
    label_w, label_h, cut = (8, 20, 72) if above else (230, 0, 26)
    group_h = bar_h * len(value_cols) + gap + label_h
    legend = len(value_cols) > 1
    height = len(rows) * group_h + (34 if legend else 8)
    plot_w = width - label_w - 70
    parts = []
    y = 30 if legend else 4
    if legend:
        parts += _legend([table.columns[c] for c in value_cols], 14)
    for row in rows:
        label = " ".join(str(row[label_col]).split())
        label = label if len(label) <= cut else label[: cut - 1] + "…"
        if above:
            parts.append(
                f'<text x="{label_w}" y="{y + 15}" font-size="{FONT}" fill="{INK}">{escape(label)}</text>'
            )
        else:
            parts.append(
                f'<text x="{label_w - 8}" y="{y + group_h / 2 + 2:.0f}" font-size="{FONT}" text-anchor="end" '
                f'fill="{INK}">{escape(label)}</text>'
            )
        for i, c in enumerate(value_cols):
            w = plot_w * _n(row[c]) / top
            by = y + label_h + i * bar_h
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 4}" font-size="{FONT}" fill="{INK}">'
                f"{escape(_label(row[c]))}</text>"
            )
        y += group_h
    return _svg(table, width, height, parts)


def column_chart(table) -> str:
    """Columns per category (months, years), a value column per series, with optional line series.
    Negative values (an NPS can be) hang below a zero line."""
    spec = table.chart
    label_col, value_cols, line_cols = spec.get("label", 0), spec["values"], spec.get("lines", [])
    rows = table.rows
    values = [_n(r[c]) for r in rows for c in value_cols + line_cols]
    if not rows or not any(values):
        return ""
    high, step = nice_axis(max(max(values), 0) or -min(values))
    low = -step * math.ceil(-min(min(values), 0) / step - 1e-9)
    span = high - low
    ticks = [round(low + step * i, 9) for i in range(round(span / step) + 1)]
    tick_labels = [_label(round(t) if t == round(t) else t) for t in ticks]
    # The value axis is as wide as its longest label ("20 000 000"), so that none is cut.
    left = 16 + round(FONT * 0.6 * max(len(t) for t in tick_labels))
    width, height, bottom, top_pad = 640, 280, 34, 34
    plot_w, plot_h = width - left - 10, height - bottom - top_pad

    def y_of(value: float) -> float:
        return top_pad + plot_h * (high - value) / span

    zero = y_of(0)
    slot = plot_w / len(rows)
    bar_w = max(2.0, (slot - 6) / max(1, len(value_cols)))
    parts = _legend([table.columns[c] for c in value_cols + line_cols], 14)
    for tick, text in zip(ticks, tick_labels, strict=True):
        gy = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{gy + 5:.1f}" font-size="{FONT}" text-anchor="end" fill="{MUTED}">'
            f"{escape(text)}</text>"
        )
    for i, row in enumerate(rows):
        x0 = left + i * slot + 3
        for j, c in enumerate(value_cols):
            y = y_of(_n(row[c]))
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{min(y, zero):.1f}" width="{bar_w - 1:.1f}" '
                f'height="{abs(zero - y):.1f}" fill="{PALETTE[j % len(PALETTE)]}"/>'
            )
        parts.append(
            f'<text x="{x0 + slot / 2 - 3:.1f}" y="{height - 10}" font-size="{FONT}" text-anchor="middle" '
            f'fill="{INK}">{escape(str(row[label_col]))}</text>'
        )
    if low < 0:
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="{INK}"/>')
    for k, c in enumerate(line_cols):
        colour = PALETTE[(len(value_cols) + k) % len(PALETTE)]
        points = [
            f"{left + i * slot + slot / 2:.1f},{y_of(_n(row[c])):.1f}"
            for i, row in enumerate(rows)
            if row[c] is not None
        ]
        if points:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-dasharray="{"6 3" if k % 2 else "none"}"/>'
            )
            # Each point's value written out, so a line does not depend on reading the axis.
            if spec.get("point_labels"):
                for i, row in enumerate(rows):
                    if row[c] is None:
                        continue
                    x, y = left + i * slot + slot / 2, y_of(_n(row[c]))
                    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
                    parts.append(
                        f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="{FONT}" text-anchor="middle" '
                        f'fill="{INK}">{escape(_label(row[c]))}</text>'
                    )
    return _svg(table, width, height, parts)


# Heat map bands: (upper bound of planned ÷ capacity in %, fill, text colour, legend text). Each
# cell also writes its per cent, so the bands are never the only carrier of the figure.
HEAT_BANDS = [
    (50, "#e3eef9", INK, "under 50 %"),
    (80, "#9cc3e6", INK, "50–80 %"),
    (100, "#2f6fb0", "#ffffff", "80–100 %"),
    (None, "#a4262c", "#ffffff", "över 100 %"),
]
HEAT_NONE = ("#eeeeee", INK)


def heat_band(percent):
    """The band (fill, text colour) of a utilisation in per cent; HEAT_NONE for no figure, the top
    band for a text (a figure beyond any number, e.g. "> 100 %" where there is no capacity)."""
    if percent is None:
        return HEAT_NONE
    if isinstance(percent, str):
        return HEAT_BANDS[-1][1:3]
    for top, fill, ink, _legend_text in HEAT_BANDS:
        if top is None or _n(percent) <= top:
            return fill, ink
    return HEAT_NONE  # pragma: no cover - the last band has no top


def heat_map(table) -> str:
    """A grid: one row per table row, one column per value column, each cell filled by its band
    and with its value written as a whole per cent ("–" for None, a text as it is)."""
    spec = table.chart
    label_col, value_cols = spec.get("label", 0), spec["values"]
    rows = table.rows
    if not rows or not value_cols:
        return ""
    label_w, cell_w, cell_h, head_h, legend_h = 180, 64, 28, 26, 32
    width = label_w + cell_w * len(value_cols) + 8
    height = legend_h + head_h + cell_h * len(rows) + 6
    parts, x = [], 8
    for _top, fill, _ink, text in HEAT_BANDS:
        parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{fill}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x + 18}" y="18" font-size="12" fill="{INK}">{escape(text)}</text>')
        x += 30 + 7 * len(text)
    y0 = legend_h + head_h
    for j, c in enumerate(value_cols):
        cx = label_w + j * cell_w + cell_w / 2
        parts.append(
            f'<text x="{cx:.0f}" y="{y0 - 8}" font-size="12" text-anchor="middle" fill="{INK}">'
            f"{escape(str(table.columns[c]))}</text>"
        )
    for i, row in enumerate(rows):
        y = y0 + i * cell_h
        label = str(row[label_col])
        label = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + cell_h / 2 + 4:.0f}" font-size="12" text-anchor="end" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        for j, c in enumerate(value_cols):
            value = row[c]
            fill, ink = heat_band(value)
            cx = label_w + j * cell_w
            parts.append(
                f'<rect x="{cx + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>'
            )
            if value is None or isinstance(value, str):
                text = value or "–"
            else:
                text = f"{format_number(round(_n(value)), 0)} %"
            parts.append(
                f'<text x="{cx + cell_w / 2:.0f}" y="{y + cell_h / 2 + 4:.0f}" font-size="12" '
                f'text-anchor="middle" fill="{ink}">{escape(text)}</text>'
            )
    # Drawn at its own size (width and height given), scrolling sideways where the page is narrower.
    return _svg(table, width, height, parts, extra_class="heat-map", sized=True)


def _svg(table, width, height, parts, extra_class="", sized=False) -> str:
    key = escape(table.key)
    classes = f"chart {extra_class}".strip()
    size = f'width="{width}" height="{height}" ' if sized else ""
    return (
        f'<svg class="{classes}" {size}viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{key}-title" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        f'<title id="chart-{key}-title">Diagram: {escape(table.title)}. Siffrorna finns i tabellen.</title>'
        + "".join(parts)
        + "</svg>"
    )


def render(table) -> str:
    if not table.chart:
        return ""
    kind = table.chart.get("type", "bar")
    draw = {"columns": column_chart, "heat": heat_map}.get(kind, bar_chart)
    svg = draw(table)
    return mark_safe(svg)  # noqa: S308 - every text is escaped above
