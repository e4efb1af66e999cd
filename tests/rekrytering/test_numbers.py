from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from rekrytering.forms import SwedishDecimalField, SwedishIntegerField
from rekrytering.numbers import (
    NumberError,
    format_hours,
    format_kr,
    format_number,
    parse_decimal,
    parse_integer,
    to_decimal,
)
from rekrytering.templatetags.sv import hrs, kr, num

NBSP = "\xa0"


@pytest.mark.parametrize(
    "value, expected",
    [
        (24000, f"24{NBSP}000{NBSP}kr"),
        (Decimal("1200.50"), f"1{NBSP}200,50{NBSP}kr"),
        (0, f"0{NBSP}kr"),
        (Decimal("1200000.00"), f"1{NBSP}200{NBSP}000{NBSP}kr"),
        (None, ""),
    ],
)
def test_kr(value, expected):
    assert kr(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("9.50"), "9,5"),
        (Decimal("32.00"), "32"),
        (1234.25, f"1{NBSP}234,25"),
        ("", ""),
    ],
)
def test_num(value, expected):
    assert num(value) == expected


def test_hrs():
    assert hrs(Decimal("2.50")) == f"2,5{NBSP}h"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("24 000", Decimal("24000")),
        ("24000", Decimal("24000")),
        ("1 200,50", Decimal("1200.50")),
        (f"1{NBSP}200,5", Decimal("1200.5")),
        ("9.5", Decimal("9.5")),
        ("24 000 kr", Decimal("24000")),
    ],
)
def test_swedish_decimal_field_parses(text, expected):
    assert SwedishDecimalField(max_digits=12, decimal_places=2).clean(text) == expected


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_amount_parses_back(value):
    shown = num(value, 2)
    assert SwedishDecimalField(max_digits=14, decimal_places=2).clean(shown) == value


# --- rekrytering.numbers: the one parser every form, import and export uses -----------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 234,5", Decimal("1234.5")),
        ("1\u202f234,5", Decimal("1234.5")),  # narrow no-break space, as Word and macOS write it
        ("1\u2009234", Decimal("1234")),
        ("−3,5", Decimal("-3.5")),  # the typographic minus
        ("40.5", Decimal("40.5")),
        ("97 %", Decimal("97")),
        ("10 h", Decimal("10")),
        ("  ", None),
        (None, None),
        (12, Decimal("12")),
        (0.1, Decimal("0.1")),
    ],
)
def test_to_decimal(text, expected):
    assert to_decimal(text) == expected


@pytest.mark.parametrize("text", ["abc", "1.234,5", "12 34", "NaN", "Infinity", "1,2,3", "--1"])
def test_to_decimal_refuses_with_the_value_in_the_message(text):
    with pytest.raises(NumberError) as error:
        to_decimal(text)
    assert f"”{text}” är inget tal" in str(error.value)


def test_parse_decimal_is_bounded_by_the_column():
    with pytest.raises(NumberError) as error:
        parse_decimal("1234567890123", max_digits=12, decimal_places=2, label="Utfall T1")
    assert str(error.value) == (
        "Utfall T1: ”1234567890123” är för stort; "
        f"det största som kan sparas är 9{NBSP}999{NBSP}999{NBSP}999,99."
    )
    assert parse_decimal("9 999 999 999,99", max_digits=12, decimal_places=2) == Decimal("9999999999.99")
    assert parse_decimal("1,005", max_digits=5, decimal_places=2) == Decimal("1.01")  # half up
    with pytest.raises(NumberError, match="för litet"):
        parse_decimal("-1", minimum=0)


def test_parse_integer():
    assert parse_integer("1 200") == 1200
    assert parse_integer(1200.0) == 1200
    with pytest.raises(NumberError, match="ska vara ett heltal"):
        parse_integer("1,5")
    with pytest.raises(NumberError, match="för stort"):
        parse_integer(str(2**31))


def test_form_fields_refuse_what_the_column_cannot_hold():
    field = SwedishDecimalField(max_digits=5, decimal_places=2)
    with pytest.raises(ValidationError) as error:
        field.clean("1234")
    assert "”1234” är för stort" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        SwedishIntegerField().clean("99999999999")
    assert "för stort" in error.value.messages[0]
    assert SwedishIntegerField().clean("1 200") == 1200
    with pytest.raises(ValidationError, match="Ange ett heltal"):
        SwedishIntegerField().clean("1,5")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_every_formatted_number_reads_back(value):
    assert to_decimal(format_number(value)) == value
    assert to_decimal(format_kr(value)) == value


@given(st.text(max_size=30))
def test_any_text_is_a_number_or_a_swedish_error(text):
    try:
        parse_decimal(text, max_digits=12, decimal_places=2)
    except NumberError as error:
        assert "”" in str(error)


def test_hours_are_not_shortened():
    assert format_hours(Decimal("10.00")) == f"10{NBSP}h"
    assert format_hours(Decimal("2E+1")) == f"20{NBSP}h"
    assert format_number(Decimal("-1200.5")) == f"-1{NBSP}200,5"


def test_the_fields_range_is_said_before_the_columns_size():
    with pytest.raises(NumberError, match="det största som går är 24"):
        parse_decimal("99999", max_digits=5, decimal_places=2, maximum=24)


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, places=4),
    st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
)
def test_format_number_writes_what_babel_writes(value, decimals):
    """The fast grouping gives Babel's sv_SE text (its own pattern, as format_number used)."""
    from decimal import ROUND_HALF_UP, localcontext

    from babel.numbers import format_decimal

    with localcontext() as context:
        context.prec = 40
        if decimals is None:
            number = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
            places = max(0, -number.as_tuple().exponent)
        else:
            number = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            places = decimals
        pattern = "#,##0" + ("." + "0" * places if places else "")
        expected = format_decimal(number, format=pattern, locale="sv_SE", decimal_quantization=False)
    assert format_number(value, decimals) == expected.replace("\u2212", "-")
