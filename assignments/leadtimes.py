"""Lead times (*ledtider*) and redone recruitments (*omtag*), per package, level, consultant and year.

For the assignments closed in a period (by close date, as *avslutade uppdrag*):

- *beställning → start*: start date − order date, in days (an assignment closed without a start
  date got the order date as its start when it closed);
- *start → avslut*: close date − start date;
- *beställning → tillsättning*: close date − order date, for those closed with a hire (Tillsatt);
- *beställning → avslut*: close date − order date, for all of them;

each as its **median** and **80th percentile** (linear interpolation between the two nearest
values, pandas' and Excel's PERCENTILE.INC rule), with the number of assignments behind it.

- *andel omtag*: of the assignments closed in the period, the share that a later assignment redoes
  (*Omtag av* on the new one), with the reasons given when they closed without a hire.

One query gives the rows (`.values()`); pandas does the group statistics, the same on SQLite and
PostgreSQL: one grouped count, median and quantile per grouping over all the measures at once (a
quantile per group and measure would cost the dashboard a tenth of a second in pandas' overhead).
Groups are the package (by its code, named as the newest of its assignments names it), the level,
the responsible consultant and the close year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db.models import Case, Exists, F, OuterRef, Q, When

from rekrytering import sqlcache

from .models import Assignment

MEASURES = (
    ("to_start", "Beställning → start"),
    ("start_to_close", "Start → avslut"),
    ("to_hire", "Beställning → tillsättning"),
    ("to_close", "Beställning → avslut"),
)
MEASURE_KEYS = [key for key, _label in MEASURES]
P80 = 0.8
GROUPS = {"package": "Paket", "level": "Nivå", "consultant": "Konsult", "year": "År"}
LEVELS = dict(Assignment.Level.choices)
REASONS = dict(Assignment.CloseReason.choices)
NO_REASON = "Inget skäl angivet"
COLUMNS = (
    "pk",
    "ordered_on",
    "started_on",
    "closed_on",
    "outcome",
    "close_reason",
    "level",
    "package__code",
    "package__name",
    "responsible_id",
    "responsible__first_name",
    "responsible__last_name",
    "responsible__username",
    "redone",
)


@dataclass(frozen=True)
class Stat:
    count: int
    median: Decimal | None
    p80: Decimal | None


@dataclass(frozen=True)
class LeadTimeRow:
    group: str  # the group's key: package code, level, consultant id or year
    label: str
    closed: int
    stats: dict[str, Stat]  # measure key → its statistics


@dataclass(frozen=True)
class RedoRow:
    group: str
    label: str
    closed: int
    not_hired: int
    redone: int
    share: Decimal | None  # redone ÷ closed, in per cent with one decimal
    reasons: dict[str, int]  # reason text → how many of those closed without a hire gave it


# What only the groupings of a period need (never the table per year): everything but the dates
# and the outcome, left out (NULL) for the rows closed before `detail_from`, when asked, so the
# four years behind the table per year cost the dashboard only their dates.
DETAIL = set(COLUMNS) - {"pk", "ordered_on", "started_on", "closed_on", "outcome"}


def _closed_rows(start: date, end: date, q: Q | None, detail_from: date | None):
    redone = Exists(Assignment.objects.filter(redo_of=OuterRef("pk")))
    closed = Assignment.objects.filter(
        q or Q(), status=Assignment.Status.AVSLUTAD, closed_on__range=(start, end)
    )
    if detail_from is None:
        return closed.annotate(redone=redone).order_by("closed_on", "pk").values_list(*COLUMNS)
    recent = Q(closed_on__gte=detail_from)
    details = {
        f"detail_{column}": Case(When(recent, then=redone if column == "redone" else F(column)))
        for column in COLUMNS
        if column in DETAIL
    }
    names = [f"detail_{column}" if column in DETAIL else column for column in COLUMNS]
    return closed.annotate(**details).order_by("closed_on", "pk").values_list(*names)


def closed_frame(
    start: date, end: date, q: Q | None = None, *, detail_from: date | None = None
) -> pd.DataFrame:
    """The assignments closed from `start` to `end` (inclusive), one row each, with their day counts.
    With `detail_from`, the rows closed before it have only their dates and outcome (DETAIL)."""
    rows = sqlcache.rows(
        ("lead_times", start, end, q, detail_from), lambda: _closed_rows(start, end, q, detail_from)
    )
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    if frame.empty:
        return frame
    for column in ("ordered_on", "started_on", "closed_on"):
        frame[column] = pd.to_datetime(frame[column])
    frame["to_start"] = (frame["started_on"] - frame["ordered_on"]).dt.days
    frame["start_to_close"] = (frame["closed_on"] - frame["started_on"]).dt.days
    frame["to_close"] = (frame["closed_on"] - frame["ordered_on"]).dt.days
    frame["to_hire"] = frame["to_close"].where(frame["outcome"] == Assignment.Outcome.TILLSATT)
    frame["year"] = frame["closed_on"].dt.year.astype(str)
    frame["package"] = frame["package__code"]
    frame["consultant"] = frame["responsible_id"].astype("Int64").astype(str)
    frame["redone"] = frame["redone"].eq(True)
    return frame


def since(frame: pd.DataFrame, start: date) -> pd.DataFrame:
    """The rows of those closed on or after `start` (a longer frame cut to a period)."""
    return frame if frame.empty else frame[frame["closed_on"] >= pd.Timestamp(start)]


def _labels(frame: pd.DataFrame, by: str) -> dict[str, str]:
    if by == "package":  # the name the newest assignment of the code gives it
        newest = frame.sort_values(["ordered_on", "pk"]).drop_duplicates("package", keep="last")
        pairs = zip(newest["package"], newest["package__name"], strict=True)
        return {code: f"{name} ({code})" for code, name in pairs}
    if by == "level":
        return LEVELS
    if by == "consultant":
        people = frame.drop_duplicates("consultant")
        columns = ("consultant", "responsible__first_name", "responsible__last_name", "responsible__username")
        return {
            key: " ".join(filter(None, [first, last])) or username
            for key, first, last, username in zip(*(people[c] for c in columns), strict=True)
        }
    return {}


def _days(value) -> Decimal | None:
    return None if pd.isna(value) else Decimal(str(round(float(value), 1)))


def _stat(count, median, p80) -> Stat:
    """A measure's statistics from its count and the median and 80th percentile of its values
    (pandas leaves out the missing ones: an assignment without a hire has no time to hire)."""
    if not count:
        return Stat(0, None, None)
    return Stat(int(count), _days(median), _days(p80))


def _order(groups: dict, by: str, labels: dict) -> list:
    if by == "level":
        return [key for key in LEVELS if key in groups]
    if by == "year":
        return sorted(groups)
    return sorted(groups, key=lambda key: labels.get(key, key).lower())


def _stacked(sources: dict[str, pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The rows of each grouping's frame under one pair of keys (`_by`: the grouping, `_key`: the
    group), so that one grouped computation serves every grouping."""
    return pd.concat(
        [frame[columns].assign(_by=by, _key=frame[by].to_numpy()) for by, frame in sources.items()],
        ignore_index=True,
    )


def lead_time_tables(sources: dict[str, pd.DataFrame]) -> dict[str, list[LeadTimeRow]]:
    """`lead_times` for several groupings at once: `sources` maps each grouping to the frame it
    groups (the period's, or the years' for "year"); one count, median and 80th percentile in all."""
    for by in sources:
        if by not in GROUPS:
            raise ValueError(by)
    found = {by: [] for by in sources}
    sources = {by: frame for by, frame in sources.items() if not frame.empty}
    if not sources:
        return found
    grouped = _stacked(sources, MEASURE_KEYS).groupby(["_by", "_key"], sort=False)
    sizes = grouped.size().to_dict()
    measures = grouped[MEASURE_KEYS]
    counts = measures.count().to_dict("index")
    medians = measures.median().to_dict("index")
    p80s = measures.quantile(P80).to_dict("index")
    for by, frame in sources.items():
        labels = _labels(frame, by)
        keys = {key for grouping, key in sizes if grouping == by}
        found[by] = [
            LeadTimeRow(
                group=key,
                label=labels.get(key, key),
                closed=int(sizes[(by, key)]),
                stats={
                    m: _stat(counts[(by, key)][m], medians[(by, key)][m], p80s[(by, key)][m])
                    for m in MEASURE_KEYS
                },
            )
            for key in _order(keys, by, labels)
        ]
    return found


def lead_times(frame: pd.DataFrame, by: str) -> list[LeadTimeRow]:
    """Per group (`by`: package, level, consultant or year): each measure's count, median and p80."""
    return lead_time_tables({by: frame})[by]


def total(frame: pd.DataFrame) -> LeadTimeRow | None:
    """The same measures over all the period's closed assignments."""
    if frame.empty:
        return None
    measures = frame[MEASURE_KEYS]
    counts, medians, p80s = measures.count(), measures.median(), measures.quantile(P80)
    return LeadTimeRow(
        group="",
        label="Alla",
        closed=len(frame),
        stats={m: _stat(counts[m], medians[m], p80s[m]) for m in MEASURE_KEYS},
    )


def redo_tables(frame: pd.DataFrame, groupings) -> dict[str, list[RedoRow]]:
    """`redo_shares` for several groupings of the same frame at once."""
    for by in groupings:
        if by not in GROUPS:
            raise ValueError(by)
    found = {by: [] for by in groupings}
    if frame.empty or not groupings:
        return found
    stacked = _stacked({by: frame for by in groupings}, ["outcome", "close_reason", "redone"])
    grouped = stacked.groupby(["_by", "_key"], sort=False)
    sizes, redone = grouped.size().to_dict(), grouped["redone"].sum().to_dict()
    not_hired = stacked[stacked["outcome"] != Assignment.Outcome.TILLSATT]
    not_hired_sizes = not_hired.groupby(["_by", "_key"], sort=False).size().to_dict()
    texts = {code: str(text) for code, text in REASONS.items()}  # translated once, not per row
    reason = not_hired["close_reason"].map(texts).fillna(NO_REASON)
    given = defaultdict(list)
    for (by, key, text), count in (
        not_hired.groupby([not_hired["_by"], not_hired["_key"], reason], sort=False).size().items()
    ):
        given[(by, key)].append((str(text), int(count)))
    for by in groupings:
        labels = _labels(frame, by)
        keys = {key for grouping, key in sizes if grouping == by}
        rows = []
        for key in _order(keys, by, labels):
            closed, redone_count = int(sizes[(by, key)]), int(redone[(by, key)])
            rows.append(
                RedoRow(
                    group=key,
                    label=labels.get(key, key),
                    closed=closed,
                    not_hired=int(not_hired_sizes.get((by, key), 0)),
                    redone=redone_count,
                    share=Decimal(str(round(100 * redone_count / closed, 1))),
                    # Most given first; equal counts by the reason's words, the same order every time.
                    reasons=dict(sorted(given[(by, key)], key=lambda kv: (-kv[1], kv[0]))),
                )
            )
        found[by] = rows
    return found


def redo_shares(frame: pd.DataFrame, by: str) -> list[RedoRow]:
    """Per group: closed, closed without a hire, later redone, the share redone and the reasons."""
    return redo_tables(frame, [by])[by]


def reasons_text(reasons: dict[str, int]) -> str:
    """`Kandidaten tackade nej 2, Inget skäl angivet 1`."""
    return ", ".join(f"{reason} {count}" for reason, count in reasons.items())
