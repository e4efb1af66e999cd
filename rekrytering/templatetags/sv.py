"""Swedish number formats for templates (`rekrytering.numbers`): `24 000 kr`, `9,5`, `1 200,5 h`, `97 %`."""

from django import template

from rekrytering.numbers import format_hours, format_kr, format_number, format_percent

register = template.Library()


@register.filter
def num(value, decimals=None):
    return format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def kr(value):
    return format_kr(value)


@register.filter
def hrs(value):
    return format_hours(value)


@register.filter
def pct(value, decimals=0):
    return format_percent(value, int(decimals or 0))


@register.filter
def get_item(mapping, key):
    """`{{ mapping|get_item:key }}` for dictionaries keyed by variables."""
    if mapping is None:
        return None
    return mapping.get(key)
