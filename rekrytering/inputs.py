"""Numbers that arrive in query strings and form posts, parsed the same way everywhere.

A value that is not a plain decimal number (`²`, `٣`, `1e3`, `-0`) or lies outside what the
database can hold is treated as absent, never passed on: SQLite raises OverflowError for integers
beyond 64 bits, and `int()` accepts digits of other scripts.
"""

import re

_DIGITS = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1


def parse_int(value, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """An integer from ASCII digits within [low, high], else None."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_id(value) -> int | None:
    """A primary key from a request, else None."""
    return parse_int(value, low=1)


# Control characters other than tab and line feed: PostgreSQL refuses NUL in text, openpyxl
# refuses the rest in a cell, and none of them is anything a person meant to type.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value) -> str:
    """Free text as it is stored: line breaks as \\n, control characters removed, trimmed."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()
