"""Survey results for a period and a filter, computed in SQL with the definitions in metrics.py.

Responses count in the period in which they were answered; response rates count the invitations
sent in the period and the responses to them. Below the whole department, candidate results are
shown only as surveys.anonymity releases them (per unit, ended periods, no group of fewer than
SURVEY_MIN_GROUP computable).
"""

from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from rekrytering import memo, sqlcache
from rekrytering.periods import Period, tertials_of

from . import metrics
from .anonymity import SHOWN, CandidateDisclosure, Release, counted_before
from .models import (
    ANONYMOUS_KINDS,
    Answer,
    FollowUp,
    Invitation,
    InvitationChange,
    Kind,
    Question,
    Questionnaire,
    Response,
)
from .questionnaires import published, published_history, question_specs


@dataclass(frozen=True)
class ResultFilter:
    unit: int | None = None
    consultant: int | None = None
    organisation: int | None = None
    sector: int | None = None
    package: str = ""

    @property
    def narrows(self) -> bool:
        """True when the results are a breakdown below the whole department."""
        return any([self.unit, self.consultant, self.organisation, self.sector, self.package])

    @property
    def below_unit(self) -> bool:
        """True when the filter names more than a unit: anonymous responses do not keep it."""
        return any([self.consultant, self.organisation, self.sector, self.package])

    def responses_q(self) -> Q:
        q = Q()
        if self.unit:
            q &= Q(unit_id=self.unit)
        if self.consultant:
            q &= Q(consultant_id=self.consultant)
        if self.organisation:
            q &= Q(organisation_id=self.organisation)
        if self.sector:
            q &= Q(sector_id=self.sector)
        if self.package:
            q &= Q(package_code=self.package)
        return q

    def invitations_q(self) -> Q:
        q = Q()
        if self.unit:
            q &= Q(assignment__responsible__unit_id=self.unit)
        if self.consultant:
            q &= Q(assignment__responsible_id=self.consultant)
        if self.organisation:
            q &= Q(assignment__organisation_id=self.organisation)
        if self.sector:
            q &= Q(assignment__sector_id=self.sector)
        if self.package:
            q &= Q(assignment__package__code=self.package)
        return q


@dataclass
class KindResult:
    kind: str
    label: str
    responses: int
    sent: int
    answered: int
    response_rate: float | None
    questions: list = field(default_factory=list)
    hidden: bool = False
    hidden_reason: str = ""
    unavailable: bool = False  # the filter names what the responses do not keep
    nps: metrics.NpsCounts | None = None
    pooled_mean: float | None = None
    share_satisfied: float | None = None


# Invitations that went out: the denominator of response rates.
SENT_STATES = (Invitation.Status.SENT, Invitation.Status.ANSWERED, Invitation.Status.EXPIRED)


def release_of(kind: str, period: Period, flt: "ResultFilter", disclosure=None) -> Release:
    """Whether the results of `kind` for the period and filter may be shown at all."""
    if kind not in ANONYMOUS_KINDS or not flt.narrows:
        return SHOWN
    if flt.below_unit:
        return Release(False, "filter")
    return (disclosure or CandidateDisclosure(period.year)).release(flt.unit, period)


def counted_q(kind: str, flt: ResultFilter, disclosure=None) -> Q:
    """The responses of `kind` that the filter's figures count, whatever the period.

    Anonymous answers count once the month they were given in has ended, and a unit's include
    those kept without a unit when it is the unit that counts them (surveys.anonymity)."""
    q = Q(kind=kind)
    if kind not in ANONYMOUS_KINDS:
        return q & flt.responses_q()
    q &= Q(answered_on__lt=counted_before())
    if flt.narrows and not flt.below_unit:
        return q & disclosure.unit_q(flt.unit)
    return q & flt.responses_q()


def _on_answers(q: Q) -> Q:
    """A condition on responses as one on their answers: a join, not a second scan."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _on_answers(child) if isinstance(child, Q) else (f"response__{child[0]}", child[1])
        for child in q.children
    ]
    return clone


def _which_period(field_name: str, periods) -> Case:
    """The index of the period a date falls in (the periods do not overlap)."""
    return Case(
        *(When(**{f"{field_name}__range": (p.start, p.end)}, then=Value(i)) for i, p in enumerate(periods)),
        output_field=IntegerField(),
    )


def _in_any(field_name: str, periods) -> Q:
    return reduce(or_, (Q(**{f"{field_name}__range": (p.start, p.end)}) for p in periods))


STAT_FIELDS = {
    "count": lambda: Count("id", filter=Q(number__isnull=False) | Q(yes__isnull=False)),
    "total": lambda: Sum("number"),
    "satisfied": lambda: Count("id", filter=Q(number__gte=metrics.SATISFIED_MIN)),
    "yes": lambda: Count("id", filter=Q(yes=True)),
    "promoters": lambda: Count("id", filter=Q(number__gte=metrics.PROMOTER_MIN)),
    "detractors": lambda: Count("id", filter=Q(number__lte=metrics.DETRACTOR_MAX)),
}


def answer_stats(where: Q, *group_by: str, answers=None):
    """Counts, sums, satisfied, yes, promoters and detractors of the non-text answers of the
    responses `where` selects (a condition on Response), grouped by `group_by` (Answer fields),
    in one query over answers joined to their responses."""
    answers = Answer.objects.all() if answers is None else answers
    return (
        answers.filter(_on_answers(where))
        .exclude(type=Question.Type.TEXT)
        .values(*group_by)
        .annotate(**{name: make() for name, make in STAT_FIELDS.items()})
    )


@dataclass
class SurveyCounts:
    """One period's raw survey counts for a filter: responses, (sent, answered) and the answer
    statistics per question key, by kind. The figures of kind_result and headlines come from it."""

    responses: dict = field(default_factory=dict)  # kind → responses
    rates: dict = field(default_factory=dict)  # kind → (sent, answered)
    stats: dict = field(default_factory=dict)  # kind → question key → row
    disclosure: CandidateDisclosure | None = None


def _normal_kinds(kinds, flt: ResultFilter) -> tuple:
    """The kinds to fetch: for the whole department every kind (the same queries), so that one
    fetch serves every figure of a page; below it only those asked for."""
    return tuple(Kind.values) if not flt.narrows else tuple(sorted(set(kinds)))


def survey_counts(periods, flt: ResultFilter, kinds) -> list[SurveyCounts]:
    """SurveyCounts per period (same order). Counted per tertial and summed, so that a page's
    periods (a tertial, the year to it, the same last year) are fetched together in four queries
    (per year where a disclosure rule applies); inside `rekrytering.memo.figure_cache` a tertial
    already fetched costs nothing."""
    kinds = _normal_kinds(kinds, flt)
    periods = list(periods)
    parts = {p: tertials_of(p) or [p] for p in periods}
    needed = list(dict.fromkeys(part for p in periods for part in parts[p]))
    found = {part: memo.lookup(("survey_counts", part, flt, kinds)) for part in needed}
    missing = [part for part in needed if found[part] is None]
    if missing:
        ordered = sorted(missing, key=lambda p: p.start)
        overlapping = any(a.end >= b.start for a, b in zip(ordered, ordered[1:], strict=False))
        if overlapping:
            groups = [[part] for part in missing]
        elif flt.narrows and set(kinds) & set(ANONYMOUS_KINDS):  # the disclosure is per year
            groups = [
                [part for part in missing if part.year == year] for year in sorted({p.year for p in missing})
            ]
        else:
            groups = [missing]
        for group in groups:
            for part, counts in zip(group, _fetch_counts(group, flt, kinds), strict=True):
                found[part] = memo.keep(("survey_counts", part, flt, kinds), counts)
    return [_summed([found[part] for part in parts[p]]) for p in periods]


def _summed(parts: list[SurveyCounts]) -> SurveyCounts:
    if len(parts) == 1:
        return parts[0]
    total = SurveyCounts(disclosure=parts[0].disclosure)
    for part in parts:
        for kind, n in part.responses.items():
            total.responses[kind] = total.responses.get(kind, 0) + n
        for kind, (sent, answered) in part.rates.items():
            was = total.rates.get(kind, (0, 0))
            total.rates[kind] = (was[0] + sent, was[1] + answered)
        for kind, rows in part.stats.items():
            into = total.stats.setdefault(kind, {})
            for key, row in rows.items():
                if key not in into:
                    into[key] = dict(row)
                    continue
                merged = into[key]
                for name in STAT_FIELDS:
                    if row[name] is not None:
                        merged[name] = row[name] if merged[name] is None else merged[name] + row[name]
    return total


def _fetch_counts(periods, flt: ResultFilter, kinds) -> list[SurveyCounts]:
    disclosure = None
    if flt.narrows and set(kinds) & set(ANONYMOUS_KINDS):
        disclosure = CandidateDisclosure(periods[0].year)  # one period per fetch in this case
    result = [SurveyCounts(disclosure=disclosure) for _ in periods]
    counted = reduce(or_, (counted_q(kind, flt, disclosure) for kind in kinds))
    where = _in_any("answered_on", periods) & counted
    periods = tuple(periods)
    # The SQL is a function of `where` and the periods alone: compiled once per connection.
    responses = sqlcache.rows(
        ("survey_responses", where, periods),
        lambda: (
            Response.objects.filter(where)
            .annotate(p=_which_period("answered_on", periods))
            .values("p", "kind")
            .annotate(n=Count("id"))
            .values_list("p", "kind", "n")
        ),
    )
    for p, kind, n in responses:
        result[p].responses[kind] = n
    for (i, kind), rate in _rates(periods, kinds, flt).items():
        result[i].rates[kind] = rate
    names = ("p", "response__kind", "question_key", "type", *STAT_FIELDS)
    stats = sqlcache.rows(
        ("survey_answer_stats", where, periods),
        lambda: answer_stats(
            where,
            *names[:4],
            answers=Answer.objects.annotate(p=_which_period("response__answered_on", periods)),
        ).values_list(*names),
    )
    for values in stats:
        row = dict(zip(names, values, strict=True))
        result[row["p"]].stats.setdefault(row["response__kind"], {})[row["question_key"]] = row
    return result


def _rates(periods, kinds, flt: ResultFilter) -> dict[tuple[int, str], tuple[int, int]]:
    """(period index, kind) → (sent, answered): the personal invitations sent in the period, and
    the responses to them, counted on the responses by the tertial their link was sent in (an
    anonymous survey's invitation does not know whether it was answered). Two queries."""
    # Below the department an anonymous survey has no rate: its responses keep no consultant,
    # organisation, sector or package, and a unit's count stragglers of other units.
    counted = [kind for kind in kinds if not (kind in ANONYMOUS_KINDS and flt.narrows)]
    if not counted:
        return {}
    moments = tuple(p.moments for p in periods)
    sent = sqlcache.rows(
        ("survey_sent", moments, tuple(counted), flt),
        lambda: (
            Invitation.objects.filter(
                reduce(or_, (Q(sent_at__gte=start, sent_at__lt=end) for start, end in moments)),
                questionnaire__kind__in=counted,
                shared=False,
                status__in=SENT_STATES,
            )
            .filter(flt.invitations_q())
            .annotate(
                p=Case(
                    *(
                        When(sent_at__gte=start, sent_at__lt=end, then=Value(i))
                        for i, (start, end) in enumerate(moments)
                    ),
                    output_field=IntegerField(),
                )
            )
            .values("p", "questionnaire__kind")
            .annotate(n=Count("id"))
            .values_list("p", "questionnaire__kind", "n")
        ),
    )
    rates = {(p, kind): (n, 0) for p, kind, n in sent}
    answered_q = reduce(or_, (counted_q(kind, flt) for kind in counted))
    answered = sqlcache.rows(
        ("survey_answered", tuple(periods), answered_q),
        lambda: (
            Response.objects.filter(_in_any("sent_in", periods))
            .filter(answered_q)
            .annotate(p=_which_period("sent_in", periods))
            .values("p", "kind")
            .annotate(n=Count("id"))
            .values_list("p", "kind", "n")
        ),
    )
    for p, kind, n in answered:
        rates[(p, kind)] = (rates.get((p, kind), (0, 0))[0], n)
    return rates


def questions_asked(kinds, year: int) -> dict[str, dict[str, tuple[str, str]]]:
    """kind → key → (text, type) of the questions the year asks, in order (one query for all the
    kinds: the latest version of each up to the year); published texts where none is stored."""
    kinds = tuple(sorted(set(kinds)))

    def fetch():
        # Each kind's latest version up to the year, found per kind by the subquery: the older
        # versions' questions are not read.
        latest = (
            Questionnaire.objects.filter(kind=OuterRef("questionnaire__kind"), year__lte=year)
            .order_by("-year", "id")
            .values("id")[:1]
        )
        rows = (
            Question.objects.filter(questionnaire__kind__in=kinds, questionnaire_id=Subquery(latest))
            .select_related("questionnaire")
            .order_by("questionnaire__kind", "order", "id")
        )
        asked: dict[str, dict[str, tuple[str, str]]] = {kind: {} for kind in kinds}
        for question in rows:
            asked[question.questionnaire.kind][question.key] = (question.text, question.type)
        for kind in kinds:
            if not asked[kind]:
                asked[kind] = {
                    spec["key"]: (spec["text"], spec["type"]) for spec in question_specs(kind, year)
                }
        return asked

    return memo.cached(("questions_asked", kinds, year), fetch)


def kind_results(
    period: Period, kinds, flt: ResultFilter, *, with_texts: bool = True
) -> dict[str, KindResult]:
    """kind → KindResult for the period and filter: five queries for all the kinds (four without
    the question texts), fewer inside a figure cache that has them."""
    counts = survey_counts([period], flt, kinds)[0]
    # Every kind's questions in one query, so that the next kind asked for costs nothing.
    asked_all = questions_asked(Kind.values, period.year) if with_texts else {}
    every_all = published()
    return {
        kind: _kind_result(period, kind, flt, counts, asked_all.get(kind, {}), every_all.get(kind))
        for kind in kinds
    }


def results_page(period: Period, kinds, flt: ResultFilter) -> tuple[list[KindResult], dict[str, "Headline"]]:
    """The results page's figures: each kind's KindResult for the period and last year's
    headlines, the two years' counts fetched together (survey_counts: four queries)."""
    with memo.figure_cache():
        survey_counts([period, period.previous_year], flt, kinds)
        results = kind_results(period, kinds, flt)
        return [results[kind] for kind in kinds], headlines(period.previous_year, flt, kinds)


def kind_result(period: Period, kind: str, flt: ResultFilter, disclosure=None) -> KindResult:
    return kind_results(period, [kind], flt)[kind]


def _kind_result(period, kind, flt, counts: SurveyCounts, asked, published_kind) -> KindResult:
    narrowed = kind in ANONYMOUS_KINDS and flt.narrows
    disclosure = counts.disclosure
    sent, answered = counts.rates.get(kind, (0, 0))
    result = KindResult(
        kind=kind,
        label=Kind(kind).label,
        responses=counts.responses.get(kind, 0),
        sent=sent,
        answered=answered,
        response_rate=metrics.response_rate(answered, sent),
    )
    release = release_of(kind, period, flt, disclosure)
    if not release.shown:
        result.hidden, result.hidden_reason = True, release.message
        result.unavailable = release.reason == "filter"
        return result
    stats = counts.stats.get(kind, {})
    every = {
        spec["key"]: (spec["text"], spec["type"]) for spec in (published_kind or {}).get("questions", [])
    }
    # The year's questions in order, then any other key that has answers (imported, retired).
    keys = [key for key in asked if asked[key][1] != "text"] + [key for key in stats if key not in asked]
    for key in keys:
        text, qtype = asked.get(key) or every.get(key) or (key, stats[key]["type"])
        row = stats.get(key)
        entry = {"key": key, "text": text, "type": qtype, "count": row["count"] if row else 0}
        if narrowed and not disclosure.release(flt.unit, period, key).shown:
            entry["hidden"] = True
            result.questions.append(entry)
            continue
        if row and qtype in ("scale", "nps"):
            entry["mean"] = metrics.mean_from_sum(row["total"], row["count"])
            entry["share_satisfied"] = metrics.share_from_counts(row["satisfied"], row["count"])
        if row and qtype == "yesno":
            entry["share_yes"] = metrics.share_from_counts(row["yes"], row["count"])
        if row and qtype == "nps":
            result.nps = metrics.NpsCounts(
                row["promoters"], row["count"] - row["promoters"] - row["detractors"], row["detractors"]
            )
        result.questions.append(entry)
    if kind == Kind.KUND:
        scale_rows = [row for row in stats.values() if row["type"] == Question.Type.SCALE]
        total = sum(row["total"] or 0 for row in scale_rows)
        counted = sum(row["count"] for row in scale_rows)
        result.pooled_mean = metrics.mean_from_sum(total, counted)
        overall = stats.get(metrics.OVERALL_KEY)
        if overall:
            result.share_satisfied = metrics.share_from_counts(overall["satisfied"], overall["count"])
    return result


def comments(period: Period, kinds, flt: ResultFilter, limit: int = 200):
    """Free-text answers of the period, newest first. Candidate comments only department-wide."""
    qs = Answer.objects.filter(
        type=Question.Type.TEXT,
        response__kind__in=kinds,
        response__answered_on__range=(period.start, period.end),
    ).exclude(text="")
    if flt.narrows:
        qs = qs.exclude(response__kind__in=ANONYMOUS_KINDS)
    else:
        qs = qs.exclude(response__kind__in=ANONYMOUS_KINDS, response__answered_on__gte=counted_before())
    q = flt.responses_q()
    if q:
        qs = qs.filter(response__in=Response.objects.filter(q))
    return qs.select_related("response").order_by("-response__answered_on", "-id")[:limit]


def year_over_year(kind: str, flt: ResultFilter, until_year: int, keys=None) -> dict:
    """Per question and year: the system's own mean/share, or the published figure before it;
    only the questions `keys` when given (one query either way).

    Anonymous results are compared for the whole department only."""
    if kind in ANONYMOUS_KINDS and flt.narrows:
        return {"years": [], "rows": []}
    answers = Answer.objects.filter(response__in=Response.objects.filter(counted_q(kind, flt)))
    if keys is not None:
        answers = answers.filter(question_key__in=list(keys))
    own = (
        answers.exclude(type=Question.Type.TEXT)
        .annotate(year=ExtractYear("response__answered_on"))
        .values("question_key", "type", "year")
        .annotate(
            count=Count("id", filter=Q(number__isnull=False) | Q(yes__isnull=False)),
            total=Sum("number"),
            yes=Count("id", filter=Q(yes=True)),
            promoters=Count("id", filter=Q(number__gte=metrics.PROMOTER_MIN)),
            detractors=Count("id", filter=Q(number__lte=metrics.DETRACTOR_MAX)),
        )
    )
    own_years = set()
    table: dict[str, dict[int, dict]] = {}
    for row in own:
        if row["year"] > until_year:
            continue
        own_years.add(row["year"])
        if row["type"] == Question.Type.YESNO:
            value = metrics.share_from_counts(row["yes"], row["count"])
        elif row["type"] == Question.Type.NPS:
            value = metrics.nps_from_counts(row["promoters"], row["detractors"], row["count"])
        else:
            value = metrics.mean_from_sum(row["total"], row["count"])
        table.setdefault(row["question_key"], {})[row["year"]] = {
            "value": value,
            "published": False,
            "count": row["count"],
        }
    if not flt.narrows:
        for key, history in published_history(kind).items():
            if keys is not None and key not in keys:
                continue
            for year, value in history.items():
                if year not in own_years and year <= until_year:
                    table.setdefault(key, {})[year] = {"value": value, "published": True, "count": None}
    years = sorted({year for per_year in table.values() for year in per_year})
    texts = {spec["key"]: spec["text"] for spec in published()[kind]["questions"]}
    rows = [
        {"key": key, "text": texts.get(key, key), "cells": [table[key].get(year) for year in years]}
        for key in texts
        if key in table
    ]
    return {"years": years, "rows": rows}


def follow_ups(*, open_only: bool = True, today: date | None = None):
    qs = FollowUp.objects.select_related("assignment", "assigned_to", "response").prefetch_related("notes")
    if open_only:
        qs = qs.filter(done=False)
    return qs.order_by("done", "due_on")


def answers_with_questions(response) -> list[dict]:
    """A response's answers with each question's text (its version's, else the published one),
    and the answer as the page shows it: the number, Ja/Nej or the text."""
    texts = dict(response.questionnaire.questions.values_list("key", "text"))
    published_texts = {spec["key"]: spec["text"] for spec in published()[response.kind]["questions"]}
    rows = []
    for answer in response.answers.all():
        if answer.number is not None:
            shown = str(answer.number)
        elif answer.yes is not None:
            shown = "Ja" if answer.yes else "Nej"
        else:
            shown = answer.text
        text = texts.get(answer.question_key) or published_texts.get(answer.question_key, answer.question_key)
        rows.append({"question": text, "answer": shown, "type": answer.type})
    return rows


def follow_up_notes(follow_up):
    return follow_up.notes.select_related("author").order_by("created_at")


def questionnaire_versions():
    return Questionnaire.objects.order_by("kind", "-year")


def has_answers(questionnaire) -> bool:
    return questionnaire.responses.exists()


def invitations_of(assignment):
    return assignment.invitations.select_related("questionnaire").order_by("send_at")


def invitation_changes(assignment, limit=100):
    """Changes made to the assignment's invitations, newest first."""
    return list(
        InvitationChange.objects.filter(invitation__assignment=assignment)
        .select_related("changed_by", "invitation__questionnaire")
        .order_by("-changed_at", "-id")[:limit]
    )


def history_events(sender, assignment, limit=100, **kwargs):
    """The changed invitations as events of the assignment's history (assignment_history_events)."""
    return [
        {
            "when": change.changed_at,
            "who": change.changed_by,
            "what": f"{change.invitation.questionnaire.get_kind_display()}: "
            f"{change.get_action_display().lower()}",
            "changes": [(change.subject, change.before, change.after), (_("Skäl"), "", change.reason)],
        }
        for change in invitation_changes(assignment, limit)
    ]


# --- Headline figures of several kinds at once (dashboards, reports) ------------------------

# The question whose mean is a kind's headline score; the customer survey's is the pooled mean.
MAIN_QUESTION = {
    Kind.KANDIDAT: "helhetsomdome",
    Kind.MATCHNING: "matchning",
    Kind.UTBILDNING: "betyg",
}


@dataclass
class Headline:
    kind: str
    label: str
    responses: int = 0
    sent: int = 0
    answered: int = 0
    response_rate: float | None = None
    nps: float | None = None
    share_satisfied: float | None = None
    mean: float | None = None
    hidden: bool = False
    hidden_reason: str = ""


def headlines(period: Period, flt: ResultFilter, kinds=None) -> dict[str, Headline]:
    """Per kind: responses, response rate, NPS, share satisfied and the headline mean, with the
    same definitions and the same release rules as kind_result() (survey_counts' four queries)."""
    return headlines_for([period], flt, kinds)[0]


def headlines_for(periods, flt: ResultFilter, kinds=None) -> list[dict[str, Headline]]:
    """headlines() of several periods (e.g. a period and the same period last year) in the four
    queries of survey_counts."""
    kinds = list(kinds or Kind.values)
    return [
        _headlines(p, flt, kinds, counts)
        for p, counts in zip(periods, survey_counts(periods, flt, kinds), strict=True)
    ]


def _headlines(period: Period, flt: ResultFilter, kinds, counts: SurveyCounts) -> dict[str, Headline]:
    result = {kind: Headline(kind=kind, label=Kind(kind).label) for kind in kinds}
    for kind, head in result.items():
        head.responses = counts.responses.get(kind, 0)
        if kind in counts.rates:
            head.sent, head.answered = counts.rates[kind]
            head.response_rate = metrics.response_rate(head.answered, head.sent)
        pooled_total = pooled_count = 0
        for key, row in counts.stats.get(kind, {}).items():
            if row["type"] == Question.Type.NPS and row["count"]:
                head.nps = metrics.nps_from_counts(row["promoters"], row["detractors"], row["count"])
            if row["type"] == Question.Type.SCALE:
                pooled_total += row["total"] or 0
                pooled_count += row["count"]
            if kind == Kind.KUND and key == metrics.OVERALL_KEY:
                head.share_satisfied = metrics.share_from_counts(row["satisfied"], row["count"])
            if MAIN_QUESTION.get(kind) == key:
                head.mean = metrics.mean_from_sum(row["total"], row["count"])
        if kind == Kind.KUND and pooled_count:
            head.mean = metrics.mean_from_sum(pooled_total, pooled_count)
    disclosure = counts.disclosure
    for head in result.values():
        if head.kind not in ANONYMOUS_KINDS or not flt.narrows:
            continue
        release = release_of(head.kind, period, flt, disclosure)
        if not release.shown:
            head.hidden, head.hidden_reason = True, release.message
            head.nps = head.share_satisfied = head.mean = None
        elif not disclosure.release(flt.unit, period, MAIN_QUESTION[head.kind]).shown:
            head.mean = None
    return result


def customer_scores_by_consultant(period: Period, consultant_ids) -> dict[int, dict]:
    """consultant id → responses, NPS and pooled mean of their customer-survey answers (the same
    definitions as kind_result), in one query over the responses and their answers."""
    consultant_ids = tuple(consultant_ids)
    nps = Q(answers__type=Question.Type.NPS, answers__number__isnull=False)
    scale = Q(answers__type=Question.Type.SCALE, answers__number__isnull=False)
    names = ("consultant", "n", "nps_count", "promoters", "detractors", "scale_sum", "scale_count")
    found = sqlcache.rows(
        ("customer_scores_by_consultant", period.start, period.end, consultant_ids),
        lambda: (
            Response.objects.filter(
                kind=Kind.KUND,
                answered_on__range=(period.start, period.end),
                consultant_id__in=consultant_ids,
            )
            .values("consultant")
            .annotate(
                n=Count("id", distinct=True),
                nps_count=Count("answers", filter=nps),
                promoters=Count("answers", filter=nps & Q(answers__number__gte=metrics.PROMOTER_MIN)),
                detractors=Count("answers", filter=nps & Q(answers__number__lte=metrics.DETRACTOR_MAX)),
                scale_sum=Sum("answers__number", filter=scale),
                scale_count=Count("answers", filter=scale),
            )
            .values_list(*names)
        ),
    )
    rows = [dict(zip(names, row, strict=True)) for row in found]
    return {
        row["consultant"]: {
            "responses": row["n"],
            "nps": metrics.nps_from_counts(row["promoters"], row["detractors"], row["nps_count"])
            if row["nps_count"]
            else None,
            "mean": metrics.mean_from_sum(row["scale_sum"] or 0, row["scale_count"]),
        }
        for row in rows
    }
