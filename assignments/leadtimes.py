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
PostgreSQL. Groups are the package (by its code, named as the newest of its assignments names it),
the level, the responsible consultant and the close year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db.models import Exists, OuterRef, Q

from .models import Assignment

MEASURES = (
    ("to_start", "Beställning → start"),
    ("start_to_close", "Start → avslut"),
    ("to_hire", "Beställning → tillsättning"),
    ("to_close", "Beställning → avslut"),
)
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


def closed_frame(start: date, end: date, q: Q | None = None) -> pd.DataFrame:
    """The assignments closed from `start` to `end` (inclusive), one row each, with their day counts."""
    redone = Assignment.objects.filter(redo_of=OuterRef("pk"))
    rows = (
        Assignment.objects.filter(q or Q(), status=Assignment.Status.AVSLUTAD, closed_on__range=(start, end))
        .annotate(redone=Exists(redone))
        .order_by("closed_on", "pk")
        .values_list(*COLUMNS)
    )
    frame = pd.DataFrame.from_records(list(rows), columns=list(COLUMNS))
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
    frame["consultant"] = frame["responsible_id"].astype(str)
    return frame


def since(frame: pd.DataFrame, start: date) -> pd.DataFrame:
    """The rows of those closed on or after `start` (a longer frame cut to a period)."""
    return frame if frame.empty else frame[frame["closed_on"] >= pd.Timestamp(start)]


def _labels(frame: pd.DataFrame, by: str) -> dict[str, str]:
    if by == "package":  # the name the newest assignment of the code gives it
        newest = frame.sort_values(["ordered_on", "pk"]).groupby("package").last()
        return {code: f"{row.package__name} ({code})" for code, row in newest.iterrows()}
    if by == "level":
        return LEVELS
    if by == "consultant":
        people = frame.drop_duplicates("consultant").set_index("consultant")
        return {
            key: " ".join(filter(None, [row.responsible__first_name, row.responsible__last_name]))
            or row.responsible__username
            for key, row in people.iterrows()
        }
    return {}


def _days(value) -> Decimal | None:
    return None if pd.isna(value) else Decimal(str(round(float(value), 1)))


def _stat(days: pd.Series) -> Stat:
    days = days.dropna()
    if days.empty:
        return Stat(0, None, None)
    return Stat(int(days.size), _days(days.median()), _days(days.quantile(0.8)))


def _order(groups: dict, by: str, labels: dict) -> list:
    if by == "level":
        return [key for key in LEVELS if key in groups]
    if by == "year":
        return sorted(groups)
    return sorted(groups, key=lambda key: labels.get(key, key).lower())


def lead_times(frame: pd.DataFrame, by: str) -> list[LeadTimeRow]:
    """Per group (`by`: package, level, consultant or year): each measure's count, median and p80."""
    if by not in GROUPS:
        raise ValueError(by)
    if frame.empty:
        return []
    labels = _labels(frame, by)
    groups = dict(tuple(frame.groupby(by, sort=False)))
    return [
        LeadTimeRow(
            group=key,
            label=labels.get(key, key),
            closed=len(groups[key]),
            stats={measure: _stat(groups[key][measure]) for measure, _label in MEASURES},
        )
        for key in _order(groups, by, labels)
    ]


def total(frame: pd.DataFrame) -> LeadTimeRow | None:
    """The same measures over all the period's closed assignments."""
    if frame.empty:
        return None
    return LeadTimeRow(
        group="",
        label="Alla",
        closed=len(frame),
        stats={measure: _stat(frame[measure]) for measure, _label in MEASURES},
    )


def redo_shares(frame: pd.DataFrame, by: str) -> list[RedoRow]:
    """Per group: closed, closed without a hire, later redone, the share redone and the reasons."""
    if by not in GROUPS:
        raise ValueError(by)
    if frame.empty:
        return []
    labels = _labels(frame, by)
    groups = dict(tuple(frame.groupby(by, sort=False)))
    rows = []
    for key in _order(groups, by, labels):
        group = groups[key]
        not_hired = group[group["outcome"] != Assignment.Outcome.TILLSATT]
        redone = int(group["redone"].sum())
        counts = not_hired["close_reason"].map(lambda code: REASONS.get(code, NO_REASON)).value_counts()
        # Most given first; equal counts by the reason's words, so the order is the same every time.
        reasons = dict(sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0])))
        rows.append(
            RedoRow(
                group=key,
                label=labels.get(key, key),
                closed=len(group),
                not_hired=len(not_hired),
                redone=redone,
                share=Decimal(str(round(100 * redone / len(group), 1))),
                reasons=reasons,
            )
        )
    return rows


def reasons_text(reasons: dict[str, int]) -> str:
    """`Kandidaten tackade nej 2, Inget skäl angivet 1`."""
    return ", ".join(f"{reason} {count}" for reason, count in reasons.items())
