"""Tertials and reporting periods: the one place their boundaries are defined.

T1 is January–April, T2 May–August, T3 September–December. The city's tertial reports are
cumulative: report 1 covers T1, report 2 January–August, the annual report the whole year.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

TERTIAL_MONTHS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}


def tertial_of(day: date) -> int:
    return (day.month - 1) // 4 + 1


def tertial_bounds(year: int, tertial: int) -> tuple[date, date]:
    first, last = TERTIAL_MONTHS[tertial]
    end = date(year, 12, 31) if last == 12 else date(year, last + 1, 1) - timedelta(days=1)
    return date(year, first, 1), end


@dataclass(frozen=True)
class Period:
    year: int
    code: str  # "T1", "T2", "T3", "year", "cum1", "cum2"
    start: date
    end: date
    label: str

    @property
    def previous_year(self) -> "Period":
        return period(self.year - 1, self.code)

    @property
    def moments(self) -> tuple[datetime, datetime]:
        """[midnight of the first day, midnight after the last day) in the current time zone: the
        period for a DateTimeField, compared so that an index on it can be used."""
        first = timezone.make_aware(datetime.combine(self.start, time.min))
        after = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        return first, after

    @property
    def tertial(self) -> int:
        """The last tertial the period reaches (T1 and cum1 → 1, T2 and cum2 → 2, T3 and year → 3)."""
        return tertial_of(self.end)


# The code of the period a tertial report covers: cumulative from January, as the city reports.
CUMULATIVE = {1: "cum1", 2: "cum2", 3: "year"}

PERIOD_CODES = [
    ("cum1", "T1 (jan–apr)"),
    ("cum2", "Ackumulerat T2 (jan–aug)"),
    ("year", "Helår"),
    ("T2", "Endast T2 (maj–aug)"),
    ("T3", "Endast T3 (sep–dec)"),
]


def period(year: int, code: str) -> Period:
    """A period by code; unknown codes raise ValueError."""
    if code in ("T1", "cum1"):
        start, end = tertial_bounds(year, 1)
        return Period(year, code, start, end, f"T1 {year}")
    if code in ("T2", "T3"):
        start, end = tertial_bounds(year, int(code[1]))
        return Period(year, code, start, end, f"{code} {year}")
    if code == "cum2":
        return Period(year, code, date(year, 1, 1), tertial_bounds(year, 2)[1], f"Jan–aug {year}")
    if code in ("year", "cum3"):
        return Period(year, code, date(year, 1, 1), date(year, 12, 31), f"Helår {year}")
    raise ValueError(f"Okänd period: {code}")


def tertials_of(chosen: Period) -> list[Period] | None:
    """The tertials (codes T1–T3) that make up the period exactly, or None when it is not made of
    whole tertials. Figures that add up can be fetched per tertial and summed for any period."""
    parts = []
    for t in (1, 2, 3):
        start, end = tertial_bounds(chosen.year, t)
        if chosen.start <= start and end <= chosen.end:
            parts.append(period(chosen.year, f"T{t}"))
    if not parts or parts[0].start != chosen.start or parts[-1].end != chosen.end:
        return None
    return parts


def default_period(today: date) -> Period:
    """Cumulative to the current tertial."""
    return period(today.year, CUMULATIVE[tertial_of(today)])


def month_start(day: date) -> date:
    return day.replace(day=1)


def tertial_start(day: date) -> date:
    """The first day of the tertial a day falls in."""
    return tertial_bounds(day.year, tertial_of(day))[0]


def month_moments(day: date) -> tuple[datetime, datetime]:
    """[midnight of the month's first day, midnight of the next month's) in the current time zone."""
    first = month_start(day)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(first, time.min)),
        timezone.make_aware(datetime.combine(following, time.min)),
    )
