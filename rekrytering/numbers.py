"""Swedish numbers, read and written in one place: `24 000 kr`, `1 200,50`, `9,5 h`, `97 %`.

Every form, import, export and page goes through `parse_decimal` / `parse_integer` and
`format_number` (Babel's `sv_SE` rules): spaces of any kind (also U+00A0 and U+202F) group
thousands, the decimal comma (a point is accepted too), the minus sign as `-` or `−`. A parsed
number is checked against the bounds of the database column that will hold it, so what a user
types never reaches the database as something it cannot store.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import lru_cache

from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol
from babel.numbers import parse_decimal as babel_parse

LOCALE = "sv_SE"
NBSP = "\xa0"
SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
MINUS = "\u2212"
# The PostgreSQL integer column (the largest an IntegerField holds).
MAX_INTEGER = 2**31 - 1
EXAMPLE = "till exempel 24 000 eller 1 200,50"


class NumberError(ValueError):
    """A number that cannot be read or stored; its message is Swedish and names the value."""


def _where(label: str) -> str:
    return f"{label}: " if label else ""


def to_decimal(value, *, units: tuple[str, ...] = ("kr", "%", "h", "st")) -> Decimal | None:
    """The number in `value` (text as typed, or a number from a spreadsheet cell); None when empty.

    Raises NumberError for anything that is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError(f"”{value}” är inget tal.")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = SPACES.sub(NBSP, str(value)).strip(f" {NBSP}")
        if not text:
            return None
        for unit in units:
            if text.lower().endswith(unit):
                text = text[: -len(unit)].strip(f" {NBSP}")
                break
        text = text.replace(MINUS, "-")
        if "e" in text.lower():  # "1e3" is a programmer's thousand, not how a number is written here
            raise NumberError(f"”{str(value).strip()}” är inget tal; skriv {EXAMPLE}.")
        try:
            number = babel_parse(text, locale=LOCALE, strict=True)
        except (NumberFormatError, InvalidOperation):  # Babel's strict check fails on "1e2 9"
            raise NumberError(f"”{str(value).strip()}” är inget tal; skriv {EXAMPLE}.") from None
    if not number.is_finite():
        raise NumberError(f"”{value}” är inget tal; skriv {EXAMPLE}.")
    return number


def check_bounds(
    number: Decimal,
    *,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    label: str = "",
    shown=None,
) -> Decimal:
    """`number` within the column (`max_digits`, `decimal_places`) and the range; rounded (half up) to
    the column's places. Raises NumberError naming the value and, if given, the field."""
    shown = number if shown is None else shown
    where = _where(label)
    # The field's own range first: "at most 24" says more than the column's size.
    if minimum is not None and number < minimum:
        raise NumberError(f"{where}”{shown}” är för litet; det minsta som går är {format_number(minimum)}.")
    if maximum is not None and number > maximum:
        raise NumberError(f"{where}”{shown}” är för stort; det största som går är {format_number(maximum)}.")
    if decimal_places is not None:
        try:
            number = number.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise NumberError(f"{where}”{shown}” är för stort.") from None
    if max_digits is not None:
        whole_digits = max_digits - (decimal_places or 0)
        if abs(number) >= Decimal(10) ** whole_digits:
            largest = Decimal(10) ** whole_digits - (Decimal(1).scaleb(-(decimal_places or 0)))
            raise NumberError(
                f"{where}”{shown}” är för stort; det största som kan sparas är {format_number(largest)}."
            )
    return number


def parse_decimal(value, *, label: str = "", **bounds) -> Decimal | None:
    """Read a Swedish number and check it fits (see `check_bounds`); None when empty."""
    number = to_decimal(value)
    if number is None:
        return None
    return check_bounds(number, label=label, shown=_shown(value), **bounds)


def parse_integer(
    value, *, label: str = "", minimum: int | None = None, maximum: int = MAX_INTEGER
) -> int | None:
    """A whole number (`1 200`, or a spreadsheet's 1200.0); None when empty."""
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise NumberError(f"{_where(label)}”{_shown(value)}” ska vara ett heltal.")
    return int(check_bounds(number, minimum=minimum, maximum=maximum, label=label, shown=_shown(value)))


def _shown(value) -> str:
    return str(value).strip() if isinstance(value, str) else format_number(value)


@lru_cache(maxsize=1)
def _symbols() -> tuple[str, str]:
    """The locale's group and decimal symbols (Babel's, read once)."""
    return get_group_symbol(LOCALE), get_decimal_symbol(LOCALE)


def format_number(value, decimals: int | None = None) -> str:
    """`24000` → `24 000`, `9.50` → `9,5`, `1200.25` → `1 200,25` (non-breaking spaces);
    `decimals` fixes the places. None and '' → ''; anything else that is no number as it is."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    with localcontext() as context:
        # Enough digits for any number to be shown whole (an error message may name 1.5e300).
        digits = number.adjusted() + abs(number.as_tuple().exponent) + (decimals or 0) + 2
        context.prec = max(context.prec, digits)
        if decimals is None:
            whole = number == number.to_integral_value()
            number = number.quantize(Decimal(1)) if whole else number.normalize()
            places = max(0, -number.as_tuple().exponent)
        else:
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            places = decimals
        # Grouped by Python's own Decimal formatting (exact: the number is already quantized to
        # `places`), then given the locale's symbols; Babel's format_decimal gives the same text
        # (tests/rekrytering/test_numbers.py) at a tenth of the cost, which a dashboard of some
        # 600 numbers notices.
        text = f"{number:,.{places}f}"
    group, point = _symbols()
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def format_kr(value) -> str:
    """Whole kronor when the amount is whole, else two decimals: `24 000 kr`, `1 200,50 kr`."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    decimals = 0 if number == number.to_integral_value() else 2
    return f"{format_number(number, decimals)}{NBSP}kr"


def format_hours(value) -> str:
    """`10` → `10 h`, `2.50` → `2,5 h`."""
    if value is None or value == "":
        return ""
    return f"{format_number(value)}{NBSP}h"


def format_percent(value, decimals: int = 0) -> str:
    """`97` → `97 %` (the value is already a percentage)."""
    if value is None or value == "":
        return ""
    return f"{format_number(value, decimals)}{NBSP}%"
