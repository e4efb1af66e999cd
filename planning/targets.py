"""Annual targets (årsmål) as the plans write them: `97 %`, `9,5 /10`, `70 NPS`, `1 200 000 kr`,
`40 st`, `2`, `Ja`, or nothing; and whether an outcome meets one. The number is read by
`rekrytering.numbers`, bounded by the column that holds it."""

from dataclasses import dataclass
from decimal import Decimal

from rekrytering.numbers import NumberError, check_bounds, format_number, to_decimal

from .models import Indicator, column_bounds

EXAMPLES = "97 %, 9,5 /10, 70 NPS, 1 200 000 kr, 40 st, 2, Ja eller Nej"
# Longest first, so that `/10` is not read as a number followed by nothing.
UNITS = sorted(Indicator.UNITS, key=len, reverse=True)


@dataclass(frozen=True)
class Target:
    kind: str
    value: Decimal | None = None
    unit: str = ""
    yes: bool | None = None


def _split_unit(text: str) -> tuple[str, str]:
    for unit in UNITS:
        if text.lower().endswith(unit.lower()):
            return text[: -len(unit)].strip(), unit
    return text, ""


def parse_target(text: str, *, label: str = "") -> Target:
    """`97 %` → number 97 with unit %. Raises NumberError (a ValueError) with a Swedish message,
    naming `label` (the indicator) when given, for anything else or a number too large to keep."""
    text = (text or "").strip()
    if not text:
        return Target(Indicator.TargetKind.NONE)
    if text.lower() in ("ja", "nej"):
        return Target(Indicator.TargetKind.YESNO, yes=text.lower() == "ja")
    number, unit = _split_unit(text)
    where = f"{label}: " if label else ""
    try:
        value = to_decimal(number, units=())
    except NumberError:
        value = None
    if value is None:
        raise NumberError(f"{where}”{text}” är inget årsmål; skriv till exempel {EXAMPLES}.")
    value = check_bounds(value, label=label, shown=text, **column_bounds(Indicator, "target_value"))
    return Target(Indicator.TargetKind.NUMBER, value=value, unit=unit)


def format_value(value, unit: str = "") -> str:
    if value is None:
        return ""
    number = format_number(value)
    return f"{number} {unit}" if unit else number


def format_target(indicator: Indicator) -> str:
    if indicator.target_kind == Indicator.TargetKind.YESNO:
        return "Ja" if indicator.target_yes else "Nej"
    if indicator.target_kind == Indicator.TargetKind.NUMBER and indicator.target_value is not None:
        return format_value(indicator.target_value, indicator.target_unit)
    return ""


def apply_target(indicator: Indicator, text: str, *, label: str | None = None) -> None:
    """Set the indicator's target from its text; a refusal names `label` (else the indicator)."""
    target = parse_target(text, label=indicator.label if label is None else label)
    indicator.target_kind = target.kind
    indicator.target_value = target.value
    indicator.target_unit = target.unit
    indicator.target_yes = target.yes


def is_met(indicator: Indicator, value=None, value_yes=None) -> bool | None:
    """Whether an outcome meets the target; None when there is no target or no outcome."""
    if indicator.target_kind == Indicator.TargetKind.YESNO:
        return None if value_yes is None else value_yes == indicator.target_yes
    if (
        indicator.target_kind != Indicator.TargetKind.NUMBER
        or value is None
        or indicator.target_value is None
    ):
        return None
    value = Decimal(str(value))
    if indicator.direction == Indicator.Direction.AT_MOST:
        return value <= indicator.target_value
    if indicator.direction == Indicator.Direction.EXACTLY:
        return value == indicator.target_value
    return value >= indicator.target_value
