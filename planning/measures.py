"""Measures a computed indicator is bound to: a measure key and filters, no code per indicator.

Each measure returns the value for a period together with how it was computed, in Swedish, so the
follow-up can show it. Register and economy figures come from assignments.figures, survey
figures from surveys.metrics/selectors, each defined once there; numbers in the explanations are
written with the kernel's Swedish formatters.
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from assignments import figures as af
from assignments.models import Assignment
from rekrytering import memo
from rekrytering.numbers import format_hours, format_kr, format_number
from rekrytering.periods import Period
from surveys import metrics
from surveys.models import Kind
from surveys.selectors import ResultFilter, kind_results

FLAGS = {
    "personal_letter": "personligt brev",
    "screening": "screening",
    "psychometric_tests": "tester",
    "search": "search",
}


@dataclass
class Computed:
    value: Decimal | None
    explanation: str


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


ASSIGNMENT_FILTERS = ("package", "level", "sector", "organisation_kind", "organisation", "outcome")


def assignment_filter(filters: dict) -> tuple[Q, list[str]]:
    """The Q and the Swedish description (`planning.labels`) of an indicator's assignment filters."""
    from .labels import filter_labels  # labels names the measures: imported when first used

    q = Q()
    packages = filters.get("package")
    if packages:
        q &= Q(package__code__in=[packages] if isinstance(packages, str) else list(packages))
    if filters.get("level"):
        q &= Q(level=filters["level"])
    if filters.get("sector"):
        q &= Q(sector__name__iexact=filters["sector"])
    if filters.get("organisation_kind"):
        q &= Q(organisation__kind=filters["organisation_kind"])
    if filters.get("organisation"):
        q &= Q(organisation__name__iexact=filters["organisation"])
    if filters.get("outcome"):
        q &= Q(outcome=filters["outcome"])
    words = filter_labels({key: filters[key] for key in ASSIGNMENT_FILTERS if filters.get(key)})
    return q, words


def _span(period: Period) -> str:
    return f"{period.start:%Y-%m-%d}–{period.end:%Y-%m-%d}"


def _described(text: str, words: list[str]) -> str:
    return f"{text} ({', '.join(words)})" if words else text


# --- Counts of assignments: every count of a page in one conditional aggregate ---------------

COUNTS = {
    "ordered": lambda q, p, flag: Count("id", filter=q & af.ordered_in(p.start, p.end)),
    "closed": lambda q, p, flag: Count("id", filter=q & af.closed_in(p.start, p.end)),
    "organisations": lambda q, p, flag: Count(
        "organisation", distinct=True, filter=q & af.ordered_in(p.start, p.end)
    ),
    "flagged": lambda q, p, flag: Count("id", filter=q & af.ordered_in(p.start, p.end) & Q(**flag)),
    "new_managers": lambda q, p, flag: Count(
        "manager",
        distinct=True,
        filter=af.ordered_in(p.start, p.end) & af.no_earlier_order(p.start, "manager_id"),
    ),
}
# What each measure counts (`share_of_entered` counts as `ordered` does).
COUNTED = {
    "ordered": ("ordered",),
    "share_of_entered": ("ordered",),
    "closed": ("closed",),
    "mean_hours": ("closed",),
    "distinct_organisations": ("organisations",),
    "flag_count": ("flagged",),
    "flag_share": ("ordered", "flagged"),
    "new_managers": ("new_managers",),
}


def _flag_lookup(filters) -> dict:
    flag, without = _flag(filters)
    return {flag: not without}


def _count_key(what: str, period: Period, filters: dict):
    return ("plan_count", what, period, json.dumps(filters, sort_keys=True, default=str))


def _count(what: str, period: Period, filters: dict) -> int:
    """One count of assignments (COUNTS) for the period and an indicator's filters; read from
    the figure cache when count_together() has fetched it."""
    key = _count_key(what, period, filters)
    found = memo.lookup(key)
    if found is None:
        q, _words = assignment_filter(filters)
        expression = COUNTS[what](q, period, _flag_lookup(filters) if what == "flagged" else {})
        found = Assignment.objects.aggregate(n=expression)["n"]
    return found


def count_together(requests) -> None:
    """Fetch every count the measures of `requests` ((measure, period, filters) each) need in one
    conditional aggregate over the periods' assignments, into the figure cache."""
    if not memo.active():
        return
    wanted = {}
    for measure, period, filters in requests:
        for what in COUNTED.get(measure, ()):
            if what == "new_managers" and memo.lookup(("new_managers", period.start, period.end)) is not None:
                continue  # the page has counted them already
            key = _count_key(what, period, filters or {})
            if memo.lookup(key) is None and key not in wanted:
                wanted[key] = (what, period, filters or {})
    if not wanted:
        return
    periods = {period for _what, period, _filters in wanted.values()}
    expressions = {}
    for i, (what, period, filters) in enumerate(wanted.values()):
        q, _words = assignment_filter(filters)
        expressions[f"c{i}"] = COUNTS[what](q, period, _flag_lookup(filters) if what == "flagged" else {})
    within = Q()
    for period in periods:
        within |= af.ordered_in(period.start, period.end) | af.closed_in(period.start, period.end)
    row = Assignment.objects.filter(within).aggregate(**expressions)
    for i, key in enumerate(wanted):
        memo.keep(key, row[f"c{i}"])


def ordered(period, filters):
    q, words = assignment_filter(filters)
    n = _count("ordered", period, filters)
    return Computed(
        Decimal(n), _described(f"Antal uppdrag beställda {_span(period)}", words) + f": {format_number(n)}."
    )


def closed(period, filters):
    q, words = assignment_filter(filters)
    n = _count("closed", period, filters)
    return Computed(
        Decimal(n), _described(f"Antal uppdrag avslutade {_span(period)}", words) + f": {format_number(n)}."
    )


def distinct_organisations(period, filters):
    q, words = assignment_filter(filters)
    n = _count("organisations", period, filters)
    return Computed(
        Decimal(n),
        _described(f"Antal olika organisationer med beställda uppdrag {_span(period)}", words) + f": {n}.",
    )


def _flag(filters):
    flag = filters.get("flag", "personal_letter")
    if flag not in FLAGS:
        raise ValueError(f"Okänd flagga: {flag}")
    return flag, bool(filters.get("without"))


def flag_count(period, filters):
    flag, without = _flag(filters)
    q, words = assignment_filter(filters)
    n = _count("flagged", period, filters)
    what = f"{'utan' if without else 'med'} {FLAGS[flag]}"
    return Computed(
        Decimal(n), _described(f"Antal uppdrag {what} beställda {_span(period)}", words) + f": {n}."
    )


def flag_share(period, filters):
    flag, without = _flag(filters)
    q, words = assignment_filter(filters)
    row = {"total": _count("ordered", period, filters), "hits": _count("flagged", period, filters)}
    share = metrics.share_from_counts(row["hits"], row["total"])
    what = f"{'utan' if without else 'med'} {FLAGS[flag]}"
    return Computed(
        _d(share),
        _described(f"Andel uppdrag {what} av beställda {_span(period)}", words)
        + f": {row['hits']} av {row['total']}.",
    )


def mean_hours(period, filters):
    q, words = assignment_filter(filters)
    count = _count("closed", period, filters)
    hours = sum(af.hours_on_closed(period.start, period.end, q).values(), Decimal(0))
    return Computed(
        af.mean_hours(hours, count),
        _described(f"Rapporterade timmar på uppdrag avslutade {_span(period)}", words)
        + f": {format_hours(hours)} på {format_number(count)} uppdrag.",
    )


def _economy(period):
    return af.economy(period.start, period.end, timezone.localdate(), with_forecast=False)


def _revenue_text(period, economy) -> str:
    source = " (utfall från ekonomisystemet)" if "revenue" in economy["entered"] else ""
    return (
        f"Intäkter (fakturerat + bokat) {_span(period)}: {format_kr(economy['revenue']) or 'inga'}{source}."
    )


def revenue(period, filters):
    economy = _economy(period)
    total = economy["revenue"]  # None without intäkter in the period, as on the dashboard
    return Computed(
        total,
        _revenue_text(period, economy),
    )


def revenue_per_fte(period, filters):
    economy = _economy(period)
    explanation = _revenue_text(period, economy)
    if not economy["ftes"]:
        return Computed(None, explanation + f" Ingen budget med årsarbetare för {period.year}.")
    where = "enligt utfallet" if "ftes" in economy["entered"] else "enligt budgeten"
    return Computed(
        economy["revenue_per_fte"],
        explanation + f" Delat med {format_number(economy['ftes'])} årsarbetare {where}.",
    )


def new_manager_count(period, filters):
    n = memo.lookup(("new_managers", period.start, period.end))
    if n is None:
        n = _count("new_managers", period, {})
    return Computed(
        Decimal(n), f"Beställare vars första uppdrag beställdes {_span(period)}: {format_number(n)}."
    )


def _survey(period, filters):
    kind = filters.get("kind", Kind.KUND)
    flt = ResultFilter(package=filters.get("package", ""))
    return kind, kind_results(period, [kind], flt, with_texts=False)[kind]


def nps(period, filters):
    kind, result = _survey(period, filters)
    counts = result.nps
    if counts is None or not counts.answered:
        return Computed(None, f"Inga svar på rekommendationsfrågan {_span(period)}.")
    return Computed(
        _d(counts.nps),
        f"NPS {_span(period)}: {counts.promoters} promotorer − {counts.detractors} "
        f"kritiker av {counts.answered} svar.",
    )


def share_satisfied(period, filters):
    kind, result = _survey(period, filters)
    return Computed(
        _d(result.share_satisfied),
        f"Andel svar 6–10 på helhetsfrågan {_span(period)} ({result.responses} svar).",
    )


def pooled_mean(period, filters):
    kind, result = _survey(period, filters)
    return Computed(
        _d(result.pooled_mean),
        f"Medelvärde av alla svar 1–10 i kundenkäten {_span(period)} ({result.responses} svar).",
    )


def _question(period, filters):
    kind, result = _survey(period, filters)
    key = filters.get("question")
    entry = next((q for q in result.questions if q["key"] == key), None)
    return entry, result


def _question_figure(key: str, what: str):
    """A measure of one question's figure (`key` in kind_result's question entry)."""

    def measure(period, filters):
        entry, _result = _question(period, filters)
        # The question as the questionnaire words it; its key only when the results have no entry.
        question = f"”{entry['text']}”" if entry else filters.get("question")
        return Computed(
            _d(entry.get(key) if entry else None),
            f"{what} frågan {question} {_span(period)} ({entry['count'] if entry else 0} svar).",
        )

    return measure


question_mean = _question_figure("mean", "Medelvärde för")
question_share_yes = _question_figure("share_yes", "Andel ja på")
question_share_satisfied = _question_figure("share_satisfied", "Andel svar 6–10 på")


def response_count(period, filters):
    kind, result = _survey(period, filters)
    return Computed(
        Decimal(result.responses),
        f"Antal svar på {Kind(kind).label.lower()} {_span(period)}: {result.responses}.",
    )


def response_rate(period, filters):
    kind, result = _survey(period, filters)
    return Computed(
        _d(result.response_rate),
        f"Svarsfrekvens {Kind(kind).label.lower()} {_span(period)}: "
        f"{result.answered} av {result.sent} inbjudningar.",
    )


def share_of_entered(period, filters, denominator=None):
    """Our count divided by a denominator entered by hand (e.g. the city's ads in Varbi)."""
    counted = ordered(period, filters)
    if not denominator:
        return Computed(None, counted.explanation + " Nämnaren är inte angiven för perioden.")
    share = metrics.share_from_counts(int(counted.value), denominator)
    return Computed(
        _d(share), counted.explanation + f" Delat med angiven nämnare {format_number(denominator)}."
    )


MEASURES = {
    "ordered": ("Antal beställda uppdrag", ordered),
    "closed": ("Antal avslutade uppdrag", closed),
    "distinct_organisations": ("Antal olika organisationer", distinct_organisations),
    "flag_count": ("Antal uppdrag med/utan flagga", flag_count),
    "flag_share": ("Andel uppdrag med/utan flagga (%)", flag_share),
    "mean_hours": ("Snittid per avslutat uppdrag (h)", mean_hours),
    "revenue": ("Intäkter, fakturerat + bokat (kr)", revenue),
    "revenue_per_fte": ("Intäkt per årsarbetare (kr)", revenue_per_fte),
    "new_managers": ("Antal nya beställare", new_manager_count),
    "nps": ("NPS", nps),
    "share_satisfied": ("Andel nöjda kunder (%)", share_satisfied),
    "pooled_mean": ("Snittbetyg kundenkät", pooled_mean),
    "question_mean": ("Medelvärde för en enkätfråga", question_mean),
    "question_share_yes": ("Andel ja för en enkätfråga (%)", question_share_yes),
    "question_share_satisfied": ("Andel nöjda (6–10) för en enkätfråga (%)", question_share_satisfied),
    "response_count": ("Antal enkätsvar", response_count),
    "response_rate": ("Svarsfrekvens (%)", response_rate),
    "share_of_entered": ("Andel av angiven nämnare (%)", share_of_entered),
}
MEASURE_CHOICES = [("", "Anges för hand")] + [(key, label) for key, (label, _f) in MEASURES.items()]


def compute_all(requests) -> list[Computed]:
    """compute() of many (measure, period, filters, denominator) at once: inside a figure cache,
    the counts in one aggregate (count_together), each survey period's figures in one fetch for
    every kind, each period's economy and new managers once."""
    requests = list(requests)
    with memo.figure_cache():
        count_together((measure, period, filters) for measure, period, filters, _d in requests)
        return [
            compute(measure, period, filters, denominator=denominator)
            for measure, period, filters, denominator in requests
        ]


def compute(measure: str, period: Period, filters: dict, *, denominator=None) -> Computed:
    if measure not in MEASURES:
        raise ValueError(f"Okänt mått: {measure}")
    function = MEASURES[measure][1]
    if measure == "share_of_entered":
        return function(period, filters or {}, denominator=denominator)
    return function(period, filters or {})
