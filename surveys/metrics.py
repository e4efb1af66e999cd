"""The unit's survey metrics, defined once. Every page, report and API uses this module.

- NPS = round(100 × (promoters − detractors) / answered, 1); promoters 9–10, detractors 0–6.
- Satisfied (*nöjd*) = 6–10 on a 1–10 question; share satisfied uses the overall question `helhet`.
- Pooled mean (*snittbetyg*) = mean of all 1–10 answers of the customer survey.
- Response rate (*svarsfrekvens*) = answered / sent.

The pure functions take plain numbers; the `*_aggregates` helpers compute the same figures in SQL
from counts, and `from_counts` helpers turn those counts into the figures, so both paths share one
definition.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SATISFIED_MIN = 6
DISSATISFIED_MAX = SATISFIED_MIN - 1  # 1–5: not satisfied, followed up
OVERALL_KEY = "helhet"
NPS_KEY = "nps"


def is_satisfied(score: int) -> bool:
    """6–10 on a 1–10 question."""
    return score >= SATISFIED_MIN


def is_detractor(score: int) -> bool:
    """0–6 on the NPS question."""
    return score <= DETRACTOR_MAX


def _round(value: Decimal | float, places: int = 1) -> float:
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class NpsCounts:
    promoters: int
    passives: int
    detractors: int

    @property
    def answered(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return nps_from_counts(self.promoters, self.detractors, self.answered)


def nps_counts(scores: Iterable[int]) -> NpsCounts:
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"NPS score out of range: {score}")
        if score >= PROMOTER_MIN:
            promoters += 1
        elif is_detractor(score):
            detractors += 1
        else:
            passives += 1
    return NpsCounts(promoters, passives, detractors)


def nps_from_counts(promoters: int, detractors: int, answered: int) -> float | None:
    if not answered:
        return None
    return _round(Decimal(100) * (promoters - detractors) / answered, 1)


def nps(scores: Iterable[int]) -> float | None:
    """Net Promoter Score of 0–10 answers, −100 … 100, one decimal; None without answers."""
    return nps_counts(scores).nps


def share_from_counts(part: int, whole: int) -> float | None:
    """A share in percent with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return _round(Decimal(100) * part / whole, 1)


def share_satisfied(scores: Iterable[int]) -> float | None:
    """Percent of 1–10 answers that are 6–10."""
    scores = list(scores)
    return share_from_counts(sum(1 for s in scores if is_satisfied(s)), len(scores))


def mean(scores: Iterable[int | float]) -> float | None:
    """Mean with two decimals, as the unit publishes its scores (9,56)."""
    scores = list(scores)
    return mean_from_sum(sum(Decimal(str(s)) for s in scores), len(scores))


def mean_from_sum(total: int | None, count: int) -> float | None:
    """The same rounding as mean(), from a sum and a count computed in SQL."""
    if not count:
        return None
    return _round(Decimal(total) / count, 2)


def pooled_mean(answers_by_question: dict[str, Iterable[int]]) -> float | None:
    """Mean of every 1–10 answer, all questions pooled (*snittbetyg*)."""
    return mean([score for scores in answers_by_question.values() for score in scores])


def response_rate(answered: int, sent: int) -> float | None:
    return share_from_counts(answered, sent)


def share_yes(answers: Iterable[bool]) -> float | None:
    answers = list(answers)
    return share_from_counts(sum(1 for a in answers if a), len(answers))


# --- The same figures in SQL over Answer querysets ------------------------------------------


def nps_aggregate(answers) -> NpsCounts:
    """NPS counts of an Answer queryset already filtered to the NPS question."""
    row = answers.filter(number__isnull=False).aggregate(
        promoters=Count("id", filter=Q(number__gte=PROMOTER_MIN)),
        detractors=Count("id", filter=Q(number__lte=DETRACTOR_MAX)),
        answered=Count("id"),
    )
    return NpsCounts(
        row["promoters"], row["answered"] - row["promoters"] - row["detractors"], row["detractors"]
    )


def scale_aggregate(answers) -> dict:
    """Mean, count and share satisfied of an Answer queryset of 1–10 answers."""
    row = answers.filter(number__isnull=False).aggregate(
        total=Sum("number"), count=Count("id"), satisfied=Count("id", filter=Q(number__gte=SATISFIED_MIN))
    )
    return {
        "mean": mean_from_sum(row["total"], row["count"]),
        "count": row["count"],
        "share_satisfied": share_from_counts(row["satisfied"], row["count"]),
    }


def yes_aggregate(answers) -> dict:
    row = answers.filter(yes__isnull=False).aggregate(count=Count("id"), yes=Count("id", filter=Q(yes=True)))
    return {
        "count": row["count"],
        "yes": row["yes"],
        "share_yes": share_from_counts(row["yes"], row["count"]),
    }
