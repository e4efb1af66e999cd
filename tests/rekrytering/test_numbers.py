from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rekrytering.forms import SwedishDecimalField
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
