from html import escape

from django import template
from django.utils.safestring import mark_safe

from rekrytering.charts import cell_text

register = template.Library()


cell = register.filter("cell", cell_text)  # {{ value|cell:"h" }} in the templates


@register.filter
def fmt_of(table, index):
    formats = table.formats or []
    return formats[index] if index < len(formats) else ""


@register.filter
def at(sequence, index):
    try:
        return sequence[index]
    except (IndexError, TypeError, KeyError):
        return ""


@register.simple_tag
def table_rows(table):
    """The table's body rows: the first cell a row header, the others numbers the Swedish way,
    each labelled by its column for the narrow layout. Built here rather than in the template:
    a dashboard has some 750 cells, and a template node per cell part costs more than the
    page's queries. Every text is escaped (html.escape) before it is joined."""
    columns, formats = table.columns, table.formats or []
    labels = [escape(str(c), quote=True) for c in columns]
    lines = []
    for row in table.rows:
        parts = []
        for i, value in enumerate(row):
            label = labels[i] if i < len(labels) else ""
            text = escape(str(cell_text(value, formats[i] if i < len(formats) else "")), quote=True)
            if i == 0:
                parts.append(f'<th scope="row" data-label="{label}">{text}</th>')
            elif i < len(formats) and formats[i] == "text":
                parts.append(f'<td data-label="{label}">{text}</td>')
            elif isinstance(value, str) and value:
                # A text in a figures' table ("Utfall från ekonomisystemet") may wrap; numbers do not.
                parts.append(f'<td class="num text" data-label="{label}">{text}</td>')
            else:
                parts.append(f'<td class="num" data-label="{label}">{text}</td>')
        lines.append("<tr>" + "".join(parts) + "</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 - built from escaped texts above


def _load_cell(cell) -> str:
    free = cell.free
    over = " over" if free < 0 else ""
    return (
        f'<td class="num{over}"><span class="load-free">{escape(cell_text(free, "h"))}'
        f'<span class="visually-hidden"> h ledigt</span></span><span class="load-of">'
        f"{escape(cell_text(cell.planned, 'h'))} av {escape(cell_text(cell.capacity, 'h'))}</span></td>"
    )


@register.simple_tag
def load_rows(load):
    """The load table's body: per consultant a row header (name, hours × share) and per week the
    free hours, then planned of capacity. Built here, as table_rows, rather than in the template:
    some 200 cells of three figures each. Every text is escaped before it is joined."""
    lines = []
    for row in load.rows:
        name = escape(row.user.get_full_name() or row.user.username)
        hours, share = cell_text(row.weekly_hours, "dec"), cell_text(row.assignment_share, "dec")
        terms = f"{escape(hours)} h × {escape(share)} %"
        cells = "".join(_load_cell(c) for c in row.cells)
        lines.append(
            f'<tr><th scope="row">{name}<span class="help load-terms">{terms}</span></th>{cells}</tr>'
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - built from escaped texts above


@register.simple_tag
def load_total_cells(load):
    """The totals row's week cells, as load_rows builds them."""
    return mark_safe("".join(_load_cell(c) for c in load.totals))  # noqa: S308 - escaped above
