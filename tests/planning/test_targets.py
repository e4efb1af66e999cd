from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning.models import Indicator
from planning.targets import apply_target, format_target, is_met, parse_target


@pytest.mark.parametrize(
    "text, kind, value, unit",
    [
        ("97 %", "number", Decimal("97"), "%"),
        ("9,5 /10", "number", Decimal("9.5"), "/10"),
        ("70 NPS", "number", Decimal("70"), "NPS"),
        ("1 200 000 kr", "number", Decimal("1200000"), "kr"),
        ("40 st", "number", Decimal("40"), "st"),
        ("2", "number", Decimal("2"), ""),
        ("97%", "number", Decimal("97"), "%"),
        ("", "none", None, ""),
    ],
)
def test_parse(text, kind, value, unit):
    target = parse_target(text)
    assert (target.kind, target.value, target.unit) == (kind, value, unit)


def test_parse_yes_no_and_errors():
    assert parse_target("Ja").yes is True and parse_target("nej").yes is False
    with pytest.raises(ValueError, match="inget årsmål"):
        parse_target("Tas fram av nämnd")


@pytest.mark.parametrize("text", ["97 %", "9,5 /10", "70 NPS", "1 200 000 kr", "40 st", "2", "Ja", "Nej", ""])
def test_format_round_trips_as_the_plans_write(text):
    indicator = Indicator()
    apply_target(indicator, text)
    assert format_target(indicator).replace("\xa0", " ") == text


@given(
    st.decimals(min_value=0, max_value=10**7, places=1, allow_nan=False, allow_infinity=False),
    st.sampled_from(Indicator.UNITS + [""]),
)
def test_any_target_round_trips(value, unit):
    indicator = Indicator()
    indicator.target_kind, indicator.target_value, indicator.target_unit = "number", value, unit
    again = Indicator()
    apply_target(again, format_target(indicator))
    assert again.target_value == value and again.target_unit == unit


def test_is_met():
    at_least = Indicator(target_kind="number", target_value=Decimal("97"), direction="at_least")
    assert is_met(at_least, 97) is True and is_met(at_least, Decimal("96.9")) is False
    at_most = Indicator(target_kind="number", target_value=Decimal("4"), direction="at_most")
    assert is_met(at_most, 3) is True and is_met(at_most, 5) is False
    exactly = Indicator(target_kind="number", target_value=Decimal("2"), direction="exactly")
    assert is_met(exactly, 2) is True and is_met(exactly, 3) is False
    yes = Indicator(target_kind="yesno", target_yes=True)
    assert is_met(yes, value_yes=True) is True and is_met(yes, value_yes=False) is False
    assert is_met(Indicator(target_kind="none"), 10) is None
    assert is_met(at_least, None) is None
