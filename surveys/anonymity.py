"""What an anonymous (candidate) response keeps, and which of its groups may be shown.

Two promises, kept by construction rather than by hiding things on the pages:

1. **Nothing stored links a candidate's answers to an assignment** (k-anonymity, k =
   SURVEY_MIN_GROUP). Answering writes nothing on the invitation (see services.submit_response);
   the response keeps its answer month and, when it is safe, the tertial its link was sent in and
   the responsible consultant's unit. "Safe" means that at the moment of answering, every group of
   links that could have been answered that month and shares what the response keeps holds at
   least k links. The decisions look at every group, not only the respondent's own, so that a
   response stored without something does not give it away by being stored without it
   (`coarsen`, `counted_unit`).

2. **No group of fewer than k candidates can be rebuilt from what is shown** (secondary
   suppression). Below the department, candidate results are shown per unit only (never per
   consultant, organisation, sector or package: the responses do not keep them), only for
   periods that have ended (so that they do not change from one day to the next), and only when
   no combination of the shown figures — the department's, every unit's, every period's of the
   year — singles out fewer than k responses. The check is exact: the shown figures are sums over
   groups of responses, so a group can be rebuilt exactly when its indicator vector lies in the
   span of the shown groups' vectors; we look for such a group among the small cells.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from itertools import combinations

import numpy as np
from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekrytering.periods import Period, month_start, period, tertial_of, tertial_start

from .models import ANONYMOUS_KINDS, Answer, Invitation, Question, Response

# Answers that repeat something the assignment records: a response that keeps such an answer
# can only come from an assignment that agrees with it, so its peers are counted among those.
ANSWER_MIRRORS = {"tester_genomforda": "psychometric_tests"}


def coarsen(peers, unit_id, sent_on: date) -> tuple[date | None, int | None]:
    """(sent_in, unit) an anonymous response may keep, from its link's unit and send date and the
    (unit, send date) of every link that could have been the one answered (its peers): the same as
    `coarsen_counted` over those pairs counted.
    """
    return coarsen_counted(Counter(peers).items(), unit_id, sent_on)


def coarsen_counted(peer_counts, unit_id, sent_on: date) -> tuple[date | None, int | None]:
    """(sent_in, unit) an anonymous response may keep, from its link's unit and send date and
    ((unit, send date), number of links) of the links that could have been the one answered (its
    peers; any day of a send month stands for the month, since only its tertial counts).

    The send tertial is kept when every send tertial's group of peers — the response's own among
    them — holds at least k links, one unit's included (in a tertial's first days its group is
    small, and nobody keeps it then); the unit as `counted_unit` decides, among the peers that
    share what else is kept. Pure, so that the data migration applies the very same rule.
    """
    k = settings.SURVEY_MIN_GROUP
    slices = defaultdict(Counter)
    for (unit, sent), n in peer_counts:
        slices[tertial_start(sent)][unit] += n
    own = tertial_start(sent_on)
    if own in slices and all(
        sum(links.values()) >= k and any(n >= k for unit, n in links.items() if unit is not None)
        for links in slices.values()
    ):
        return own, counted_unit(unit_id, slices[own])
    per_unit = Counter()
    for links in slices.values():
        per_unit.update(links)
    return None, counted_unit(unit_id, per_unit)


def counted_unit(unit_id: int | None, open_links: dict) -> int | None:
    """The unit a response is counted for, given the open links per unit (None: staff without a
    unit) that share everything else it keeps.

    Units with at least k links keep their own. The rest — staff without a unit, and units with
    1…k−1 links — are counted with the largest unit: stored without a unit, or with a small one,
    they could be told apart (the department head's odd assignment). That unit's results then
    include a few answers from outside it. Only when no unit has k links is no unit kept.
    """
    k = settings.SURVEY_MIN_GROUP
    units = [unit for unit, n in open_links.items() if unit is not None and n >= k]
    if unit_id in units:
        return unit_id
    if units:
        return max(units, key=lambda unit: (open_links[unit], -unit))
    return None


def coarse_dimensions(invitation: Invitation | None, answered_at: datetime, values=None) -> dict:
    """The fields an anonymous response to `invitation`, answered at `answered_at` with `values`
    (question key → answer), keeps.

    Its peers are the links of the same questionnaire that were open at that moment: even an
    attacker who learns the exact time of the answer (row order, say) finds at least k of them
    sharing what is kept — and, for an answer that repeats what the assignment records (whether
    tests were used), sharing that too.
    """
    answered_on = month_start(timezone.localdate(answered_at))
    kept = {"answered_on": answered_on, "sent_in": None, "unit_id": None}
    if invitation is None or invitation.shared or invitation.sent_at is None:
        return kept
    peers = Invitation.objects.filter(
        questionnaire_id=invitation.questionnaire_id,
        shared=False,
        sent_at__lte=answered_at,
        expires_at__gt=answered_at,
    ).exclude(status=Invitation.Status.CANCELLED)
    for key, field in ANSWER_MIRRORS.items():
        if isinstance((values or {}).get(key), bool):
            peers = peers.filter(**{f"assignment__{field}": values[key]})
    assignment = invitation.assignment
    kept["sent_in"], kept["unit_id"] = coarsen_counted(
        peer_counts(peers),
        assignment.responsible.unit_id if assignment is not None else None,
        timezone.localdate(invitation.sent_at),
    )
    return kept


def peer_counts(peers) -> list[tuple[tuple[int | None, date], int]]:
    """The links of `peers` counted by the responsible's unit and the (local) month they were
    sent: a few dozen rows from the database, not one per open link (~1 400 in a busy month)."""
    month = TruncMonth("sent_at", tzinfo=timezone.get_current_timezone())
    rows = peers.order_by().values_list("assignment__responsible__unit_id", month).annotate(n=Count("id"))
    return [((unit, timezone.localdate(sent)), n) for unit, sent, n in rows]


# --- Which candidate figures may be shown below the department ------------------------------


@dataclass(frozen=True)
class Release:
    shown: bool
    reason: str = ""  # "filter", "ongoing" or "small" when not shown

    @property
    def message(self) -> str:
        return str(REASONS.get(self.reason, "")) % {"k": settings.SURVEY_MIN_GROUP}


REASONS = {
    "filter": _(
        "Kandidatenkäten redovisas bara för hela avdelningen och per enhet, så att ingen kandidat "
        "kan identifieras."
    ),
    "ongoing": _(
        "Kandidatenkäten redovisas per enhet först när perioden är slut, så att ingen kandidat kan "
        "identifieras genom att resultaten jämförs från dag till dag."
    ),
    "small": _(
        "Färre än %(k)s svar i enheten, eller i resten av avdelningen, för perioden eller för en "
        "jämförelse med andra perioder: resultaten visas inte, så att ingen kandidat kan identifieras."
    ),
}

SHOWN = Release(True)

# Each period code as the tertials it sums; the department's figures are always shown.
PERIOD_TERTIALS = {"T1": (1,), "cum1": (1,), "T2": (2,), "T3": (3,), "cum2": (1, 2), "year": (1, 2, 3)}
# When a combination must lose a figure, the single tertials T2 and T3 go first: the city's
# reports are cumulative (T1, January–August, the year).
DROP_ORDER = {"T3": 0, "T2": 1, "T1": 2, "cum1": 2, "cum2": 3, "year": 4}
RESPONSES = "__responses__"


def _in_span(sizes: dict, groups: list[frozenset], target: frozenset) -> bool:
    """Whether the sums over `target` follow from the sums over `groups` (cells of size 0 aside)."""
    cells = sorted((cell for cell, n in sizes.items() if n), key=str)
    rows = [[1.0 if cell in group else 0.0 for cell in cells] for group in groups]
    rows = [row for row in rows if any(row)]
    if not rows:
        return False
    matrix = np.array(rows)
    wanted = np.array([[1.0 if cell in target else 0.0 for cell in cells]])
    return np.linalg.matrix_rank(np.vstack([matrix, wanted])) == np.linalg.matrix_rank(matrix)


def small_group(sizes: dict, shown_groups: list[frozenset]) -> frozenset | None:
    """A group of 1…k−1 responses, below the department, whose sums can be computed from the
    shown groups (each a set of cells), or None.

    Cells of size 0 are left out: they add nothing to any sum. A group made only of whole
    tertials of the department is the department's own figure and is shown anyway.
    """
    k = settings.SURVEY_MIN_GROUP
    cells = [cell for cell, n in sizes.items() if n]
    by_tertial = defaultdict(set)
    for cell in cells:
        by_tertial[cell[1]].add(cell)
    small = sorted((cell for cell in cells if sizes[cell] < k), key=str)
    # Every cell holds at least one response, so a group of k cells or more is never small.
    for size in range(1, min(len(small), k - 1) + 1):
        for group in combinations(small, size):
            if sum(sizes[cell] for cell in group) >= k:
                continue
            chosen = frozenset(group)
            if all(by_tertial[t] <= chosen for t in {cell[1] for cell in chosen}):
                continue  # whole tertials of the department
            if _in_span(sizes, shown_groups, chosen):
                return chosen
    return None


def released(sizes: dict, department: list[frozenset], candidates: dict) -> set:
    """The keys of `candidates` (key → group of cells) that can be shown beside the groups that
    are shown anyway (`department`: the department's, and what earlier decisions released)
    without any small group becoming computable.

    Groups of fewer than k are held back first (primary suppression); then, while a small group
    can still be computed, the figure whose holding back stops it goes too (secondary), single
    tertials before cumulative periods, smaller before larger.
    """
    k = settings.SURVEY_MIN_GROUP

    def total(group):
        return sum(sizes.get(cell, 0) for cell in group)

    shown = {key: group for key, group in candidates.items() if total(group) == 0 or total(group) >= k}
    while True:
        leak = small_group(sizes, department + list(shown.values()))
        if leak is None:
            return set(shown)
        order = sorted(shown, key=lambda key: (DROP_ORDER[key[1]], total(shown[key]), str(key)))
        for key in order:
            rest = [group for other, group in shown.items() if other != key]
            if not _in_span(sizes, department + rest, leak):
                break
        else:
            key = order[0]
        del shown[key]


class CandidateDisclosure:
    """The candidate figures of one year that may be shown per unit, as of `today`.

    A figure appears when its period has ended and stays once shown: the decisions are taken
    tertial by tertial, as the tertials end, and each takes the figures released before it as
    given, so that no later figure can be combined with an earlier one into a small group.
    Responses kept without a unit are counted with the unit that has most answers in the year,
    as `counted_unit` counts the stragglers when answers are stored: shown apart they would be
    the department minus its units, a group small enough to hide the units' figures.
    """

    def __init__(self, year: int, today: date | None = None):
        self.year = year
        self.today = today or timezone.localdate()

    @cached_property
    def ended(self) -> tuple[int, ...]:
        return tuple(t for t in (1, 2, 3) if period(self.year, f"T{t}").end < self.today)

    @cached_property
    def _counted(self) -> dict[str, dict]:
        """measure (RESPONSES or a question key) → {(stored unit or None, tertial): count}."""
        responses = Response.objects.filter(kind__in=ANONYMOUS_KINDS, answered_on__year=self.year).annotate(
            month=ExtractMonth("answered_on")
        )
        sizes = defaultdict(Counter)
        for row in responses.values("unit_id", "month").annotate(n=Count("id")):
            sizes[RESPONSES][(row["unit_id"], tertial_of(date(self.year, row["month"], 1)))] += row["n"]
        answers = (
            Answer.objects.filter(response__in=responses)
            .exclude(type=Question.Type.TEXT)
            .exclude(number__isnull=True, yes__isnull=True)
            .annotate(month=ExtractMonth("response__answered_on"))
            .values("question_key", "response__unit_id", "month")
            .annotate(n=Count("id"))
        )
        for row in answers:
            cell = (row["response__unit_id"], tertial_of(date(self.year, row["month"], 1)))
            sizes[row["question_key"]][cell] += row["n"]
        return sizes

    @cached_property
    def pooling_unit(self) -> int | None:
        """The unit that responses kept without one are counted with: the one with most answers."""
        per_unit = Counter()
        for (unit, _t), n in self._counted.get(RESPONSES, {}).items():
            if unit is not None:
                per_unit[unit] += n
        return max(per_unit, key=lambda unit: (per_unit[unit], -unit)) if per_unit else None

    def unit_q(self, unit_id: int) -> Q:
        """The responses a unit's candidate figures count."""
        if unit_id == self.pooling_unit:
            return Q(unit_id=unit_id) | Q(unit__isnull=True)
        return Q(unit_id=unit_id)

    def _sizes(self, measure: str) -> dict:
        sizes = Counter()
        for (unit, tertial), n in self._counted.get(measure, {}).items():
            sizes[(self.pooling_unit if unit is None else unit, tertial)] += n
        return sizes

    def _released(self, measure: str) -> set:
        cache = self.__dict__.setdefault("_released_cache", {})
        if measure not in cache:
            every = self._sizes(measure)
            units = sorted(
                {unit for unit, _t in self._sizes(RESPONSES) if unit is not None}
                | {unit for unit, _t in every if unit is not None}
            )
            shown: set = set()
            for stage in self.ended:
                done = {t for t in self.ended if t <= stage}
                sizes = {cell: n for cell, n in every.items() if cell[1] in done}
                scopes = {unit for unit, _t in sizes} | set(units)
                codes = [code for code, tertials in PERIOD_TERTIALS.items() if set(tertials) <= done]
                department = [
                    frozenset((scope, t) for scope in scopes for t in PERIOD_TERTIALS[code]) for code in codes
                ]
                earlier = [frozenset((unit, t) for t in PERIOD_TERTIALS[code]) for unit, code in shown]
                new = {
                    (unit, code): frozenset((unit, t) for t in PERIOD_TERTIALS[code])
                    for unit in units
                    for code in codes
                    if max(PERIOD_TERTIALS[code]) == stage
                }
                shown |= released(sizes, department + earlier, new)
            cache[measure] = shown
        return cache[measure]

    def release(self, unit_id: int, chosen: Period, measure: str = RESPONSES) -> Release:
        if chosen.end >= self.today:
            return Release(False, "ongoing")
        if measure != RESPONSES and not self._counted.get(measure):
            return SHOWN  # nobody answered the question this year: nothing to give away
        if (unit_id, chosen.code) in self._released(measure):
            return SHOWN
        if not any(n for (unit, _t), n in self._sizes(measure).items() if unit == unit_id):
            return SHOWN  # the unit has no answers this year: there is nothing to give away
        return Release(False, "small")


def counted_before(today: date | None = None) -> date:
    """Candidate answers count from the end of the month they were given in: figures that
    changed with every answer would give each answer away from one day to the next."""
    return month_start(today or timezone.localdate())
