"""Swedish number formats for templates: `24 000 kr`, `9,5`, `1 200,5 h`."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

NBSP = "\xa0"


def format_number(value, decimals=None):
    """`24000` → `24 000`, `9.50` → `9,5`, `1200.25` → `1 200,25`; None and '' → ''."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals))
        text = f"{number:,.{decimals}f}"
    else:
        text = f"{number:,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(",", NBSP).replace(".", ",")


@register.filter
def num(value, decimals=None):
    return format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def kr(value):
    """Whole kronor when the amount is whole, else two decimals: `24 000 kr`, `1 200,50 kr`."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    decimals = 0 if number == number.to_integral_value() else 2
    return f"{format_number(number, decimals)}{NBSP}kr"


@register.filter
def hrs(value):
    if value is None or value == "":
        return ""
    return f"{format_number(value)}{NBSP}h"


@register.filter
def get_item(mapping, key):
    """`{{ mapping|get_item:key }}` for dictionaries keyed by variables."""
    if mapping is None:
        return None
    return mapping.get(key)
