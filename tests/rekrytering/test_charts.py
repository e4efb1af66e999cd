"""The server-drawn SVG charts (rekrytering.charts): readable labels, negative values, long labels."""

import re
from decimal import Decimal

import pytest
from lxml import etree

from rekrytering.charts import FONT, Table, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return etree.fromstring(svg.encode())


def test_every_label_is_at_least_12_px_at_the_narrowest_drawn_width():
    bars = Table("b", "B", ["Paket", "A", "B"], [["Stora paketet", 3, 4], ["Chefspaket", 1, None]])
    bars.chart = {"type": "bar", "values": [1, 2]}
    columns = Table("c", "C", ["Månad", "A"], [["jan", Decimal("1320000")], ["feb", Decimal("3960002")]])
    columns.chart = {"type": "columns", "values": [1]}
    # static/css/app.css draws a chart at least 520 px wide; the viewBox is 640 units.
    css = open("static/css/app.css", encoding="utf-8").read()
    narrowest = int(re.search(r"svg\.chart \{[^}]*min-width: (\d+)px", css).group(1))
    for svg in (bar_chart(bars), column_chart(columns)):
        root = parse(svg)
        width = float(root.get("viewBox").split()[2])
        sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG}text")}
        assert sizes == {FONT}
        assert min(sizes) * narrowest / width >= 12


def test_negative_values_hang_below_the_zero_line():
    table = Table("nps", "NPS", ["År", "NPS"], [["2024", -20.0], ["2025", 40.0]])
    table.chart = {"type": "columns", "values": [1]}
    root = parse(column_chart(table))
    rects = [r for r in root.iter(f"{SVG}rect") if float(r.get("height")) > 20]
    below, above = rects
    zero = next(float(line.get("y1")) for line in root.iter(f"{SVG}line") if line.get("stroke") == "#1a1a1a")
    assert float(below.get("y")) == zero  # starts at zero and goes down
    assert float(above.get("y")) + float(above.get("height")) == pytest.approx(zero, abs=0.1)
    assert float(above.get("height")) == pytest.approx(2 * float(below.get("height")), abs=0.2)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks[0] == "-20" and "0" in ticks and ticks[-1] == "40"


def test_long_labels_above_their_bars_on_a_whole_scale():
    question = "Hur nöjd är du med tjänsten/paketet du köpt av oss på Serviceförvaltningen Rekrytering?"
    table = Table("q", "Q", ["Fråga", "Andel"], [[question, 50.0], ["Kort", 100.0]])
    table.chart = {"type": "bar", "values": [1], "labels_above": True, "max": 100}
    root = parse(bar_chart(table))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0].startswith("Hur nöjd är du med tjänsten/paketet") and texts[0].endswith("…")
    assert "Kort" in texts
    half, whole = (float(r.get("width")) for r in root.iter(f"{SVG}rect"))
    assert whole == 2 * half  # 50 on a 0–100 scale is half of 100, not of the largest value
