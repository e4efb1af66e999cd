"""The survey pages' charts, as tables (rekrytering.charts.Table) drawn the way the dashboard's are.

Each chart's rows are its numbers: the page shows them as a table beside the chart. The figures
themselves come from the selectors (metrics.py's definitions); this module only arranges them.
"""

from rekrytering.charts import Table

from .metrics import NPS_KEY


def nps_by_year(year_table: dict, key: str = "nps") -> Table | None:
    """NPS per year from a year_over_year() table: the system's own answers, the published result for
    the years before them. None when the table has no NPS."""
    row = next((r for r in year_table.get("rows", []) if r["key"] == NPS_KEY), None)
    if row is None:
        return None
    rows = [
        [
            str(year),
            cell["value"],
            "Publicerat resultat" if cell["published"] else "Svar i systemet",
            cell["count"],
        ]
        for year, cell in zip(year_table["years"], row["cells"], strict=True)
        if cell is not None and cell["value"] is not None
    ]
    if not rows:
        return None
    return Table(
        key,
        "NPS per år",
        ["År", "NPS", "Källa", "Svar"],
        rows,
        chart={"type": "columns", "label": 0, "values": [], "lines": [1], "point_labels": True},
        formats=["", "dec", "", ""],
    )


def satisfied_by_question(result, key: str) -> Table | None:
    """Share of satisfied answers (6–10) per 1–10 question of a KindResult, in the page's order.
    None when no question has a share to show (hidden, or no answers)."""
    rows = [
        [q["text"], q["share_satisfied"], q["count"]]
        for q in result.questions
        if q["type"] == "scale" and not q.get("hidden") and q.get("share_satisfied") is not None
    ]
    if not rows:
        return None
    return Table(
        key,
        f"{result.label}: andel nöjda (6–10) per fråga",
        ["Fråga", "Andel nöjda (%)", "Svar"],
        rows,
        chart={"type": "bar", "label": 0, "values": [1], "labels_above": True, "max": 100},
        formats=["", "dec", ""],
    )
