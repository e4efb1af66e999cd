"""Annual targets (årsmål) as the plans write them: `97 %`, `9,5 /10`, `70 NPS`, `1 200 000 kr`,
`40 st`, `2`, `Ja`, or nothing; and whether an outcome meets one."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rekrytering.numbers import format_number

from .models import Indicator

UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(Indicator.UNITS, key=len, reverse=True))
TARGET = re.compile(rf"^(?P<number>-?[\d\s\u00a0]+(?:,\d+)?)\s*(?P<unit>{UNIT_PATTERN})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    kind: str
    value: Decimal | None = None
    unit: str = ""
    yes: bool | None = None


def parse_target(text: str) -> Target:
    """`97 %` → number 97 with unit %. Raises ValueError with a Swedish message for anything else."""
    text = (text or "").strip()
    if not text:
        return Target(Indicator.TargetKind.NONE)
    if text.lower() in ("ja", "nej"):
        return Target(Indicator.TargetKind.YESNO, yes=text.lower() == "ja")
    match = TARGET.match(text)
    if not match:
        raise ValueError(
            f"”{text}” är inget årsmål; skriv till exempel 97 %, 9,5 /10, 70 NPS, 1 200 000 kr, "
            "40 st, 2, Ja eller Nej."
        )
    digits = re.sub(r"[\s\u00a0]", "", match["number"]).replace(",", ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"”{text}” är inget tal.") from None
    unit = match["unit"] or ""
    unit = next((u for u in Indicator.UNITS if u.lower() == unit.lower()), unit)
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


def apply_target(indicator: Indicator, text: str) -> None:
    target = parse_target(text)
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
    value = Decimal(value)
    if indicator.direction == Indicator.Direction.AT_MOST:
        return value <= indicator.target_value
    if indicator.direction == Indicator.Direction.EXACTLY:
        return value == indicator.target_value
    return value >= indicator.target_value
