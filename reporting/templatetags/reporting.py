from django import template

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
