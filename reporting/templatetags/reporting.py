from html import escape

from django import template
from django.utils.safestring import mark_safe

from rekrytering.numbers import format_number

register = template.Library()


@register.filter
def cell(value, fmt=""):
    """A dashboard table cell: numbers the Swedish way, "–" for no data."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if fmt == "kr":
        return format_number(value, 0)
    if fmt in ("h", "dec", "pct"):
        return format_number(value, 1) if fmt != "dec" else format_number(value)
    return format_number(value)


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
            text = escape(str(cell(value, formats[i] if i < len(formats) else "")), quote=True)
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
