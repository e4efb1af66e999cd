from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rekrytering.periods import default_period, period, tertial_bounds, tertial_of


def test_tertial_bounds():
    assert tertial_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 4, 30))
    assert tertial_bounds(2024, 2) == (date(2024, 5, 1), date(2024, 8, 31))
    assert tertial_bounds(2026, 3) == (date(2026, 9, 1), date(2026, 12, 31))


def test_cumulative_periods():
    assert (period(2026, "cum2").start, period(2026, "cum2").end) == (date(2026, 1, 1), date(2026, 8, 31))
    assert period(2026, "year").end == date(2026, 12, 31)
    assert default_period(date(2026, 5, 3)).code == "cum2"
    assert default_period(date(2026, 11, 22)).code == "year"
    with pytest.raises(ValueError):
        period(2026, "T4")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_lies_in_its_tertial(day):
    start, end = tertial_bounds(day.year, tertial_of(day))
    assert start <= day <= end


def test_period_moments_are_local_midnights_across_summer_time():
    first, after = period(2026, "cum1").moments
    assert first.isoformat() == "2026-01-01T00:00:00+01:00"
    assert after.isoformat() == "2026-05-01T00:00:00+02:00"  # summer time began in March
    assert period(2026, "T3").tertial == 3 and period(2026, "cum2").tertial == 2
