"""The load page (beläggning): the heat map's table from the load selector.

The figures are defined once, in assignments.selectors.consultant_load; this module only lays
them out: one row per consultant (and the department's totals), one column per ISO week, each
value planned ÷ capacity in per cent for the heat map (charts.heat_map).
"""

from assignments.selectors import Load
from rekrytering.charts import Table

TOTAL_LABEL = "Avdelningen totalt"


def week_label(monday) -> str:
    return f"v. {monday.isocalendar()[1]}"


NO_CAPACITY_BUT_PLANNED = "> 100 %"


def heat_value(cell):
    """Planned ÷ capacity in per cent, or "> 100 %" where hours are planned but there is no
    capacity (a week of absence)."""
    if cell.utilisation is None:
        return NO_CAPACITY_BUT_PLANNED
    return cell.utilisation


def heat_table(load: Load) -> Table:
    rows = [
        [row.user.get_full_name() or row.user.username] + [heat_value(c) for c in row.cells]
        for row in load.rows
    ]
    rows.append([TOTAL_LABEL] + [heat_value(c) for c in load.totals])
    return Table(
        key="belaggning",
        title="Beläggning per konsult och vecka (planerat i procent av kapaciteten)",
        columns=["Konsult"] + [week_label(m) for m in load.mondays],
        rows=rows,
        chart={"type": "heat", "label": 0, "values": list(range(1, len(load.mondays) + 1))},
        formats=[""] + ["pct"] * len(load.mondays),
    )
