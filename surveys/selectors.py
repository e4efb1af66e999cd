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

from django.db.models import Count, Q, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from rekrytering.periods import Period

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


@dataclass
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


def responses_in(period: Period, kind: str, flt: ResultFilter, disclosure=None):
    if disclosure is None and kind in ANONYMOUS_KINDS and flt.narrows:
        disclosure = CandidateDisclosure(period.year)
    return Response.objects.filter(answered_on__range=(period.start, period.end)).filter(
        counted_q(kind, flt, disclosure)
    )


def response_rates(period: Period, kinds, flt: ResultFilter) -> dict[str, tuple[int, int]]:
    """kind → (sent, answered): the personal invitations sent in the period, and the responses to
    them, counted on the responses by the tertial their link was sent in (an anonymous survey's
    invitation does not know whether it was answered). Two queries."""
    kinds = list(kinds)
    sent = (
        Invitation.objects.filter(
            questionnaire__kind__in=kinds,
            shared=False,
            sent_at__gte=period.moments[0],
            sent_at__lt=period.moments[1],
            status__in=SENT_STATES,
        )
        .filter(flt.invitations_q())
        .values("questionnaire__kind")
        .annotate(n=Count("id"))
    )
    # Below the department an anonymous survey has no rate: its responses keep no consultant,
    # organisation, sector or package, and a unit's count stragglers of other units.
    counted = [kind for kind in kinds if not (kind in ANONYMOUS_KINDS and flt.narrows)]
    sent = sent.filter(questionnaire__kind__in=counted)
    rates = {row["questionnaire__kind"]: (row["n"], 0) for row in sent}
    if counted:
        answered = (
            Response.objects.filter(sent_in__range=(period.start, period.end))
            .filter(reduce(or_, (counted_q(kind, flt) for kind in counted)))
            .values("kind")
            .annotate(n=Count("id"))
        )
        for row in answered:
            rates[row["kind"]] = (rates.get(row["kind"], (0, 0))[0], row["n"])
    return rates


def response_rate_counts(period: Period, kind: str, flt: ResultFilter) -> tuple[int, int]:
    """(sent, answered) of the personal invitations sent in the period."""
    return response_rates(period, [kind], flt).get(kind, (0, 0))


def question_texts(kind: str, year: int) -> dict[str, tuple[str, str]]:
    """key → (text, type) of the questions the year asks, in order; every published key as fallback."""
    # One query: the questions of the latest version up to the year.
    latest = Questionnaire.objects.filter(kind=kind, year__lte=year).order_by("-year").values("id")[:1]
    questions = list(Question.objects.filter(questionnaire_id=Subquery(latest)))
    if questions:
        asked = {q.key: (q.text, q.type) for q in questions}
    else:
        asked = {spec["key"]: (spec["text"], spec["type"]) for spec in question_specs(kind, year)}
    every = {spec["key"]: (spec["text"], spec["type"]) for spec in published()[kind]["questions"]}
    return asked, every


def answer_stats(responses, *group_by: str):
    """Counts, sums, satisfied, yes, promoters and detractors of the non-text answers of some
    responses, grouped by `group_by` (Answer fields), in one query."""
    return (
        Answer.objects.filter(response__in=responses)
        .exclude(type=Question.Type.TEXT)
        .values(*group_by)
        .annotate(
            count=Count("id", filter=Q(number__isnull=False) | Q(yes__isnull=False)),
            total=Sum("number"),
            satisfied=Count("id", filter=Q(number__gte=metrics.SATISFIED_MIN)),
            yes=Count("id", filter=Q(yes=True)),
            promoters=Count("id", filter=Q(number__gte=metrics.PROMOTER_MIN)),
            detractors=Count("id", filter=Q(number__lte=metrics.DETRACTOR_MAX)),
        )
    )


def per_question(responses) -> dict[str, dict]:
    """Counts, sums, satisfied and yes per question key, in one query."""
    return {row["question_key"]: row for row in answer_stats(responses, "question_key", "type")}


def kind_result(period: Period, kind: str, flt: ResultFilter, disclosure=None) -> KindResult:
    narrowed = kind in ANONYMOUS_KINDS and flt.narrows
    if narrowed:
        disclosure = disclosure or CandidateDisclosure(period.year)
    responses = responses_in(period, kind, flt, disclosure)
    count = responses.count()
    sent, answered = response_rate_counts(period, kind, flt)
    result = KindResult(
        kind=kind,
        label=Kind(kind).label,
        responses=count,
        sent=sent,
        answered=answered,
        response_rate=metrics.response_rate(answered, sent),
    )
    release = release_of(kind, period, flt, disclosure)
    if not release.shown:
        result.hidden, result.hidden_reason = True, release.message
        result.unavailable = release.reason == "filter"
        return result
    stats = per_question(responses)
    asked, every = question_texts(kind, period.year)
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


def year_over_year(kind: str, flt: ResultFilter, until_year: int) -> dict:
    """Per question and year: the system's own mean/share, or the published figure before it.

    Anonymous results are compared for the whole department only."""
    if kind in ANONYMOUS_KINDS and flt.narrows:
        return {"years": [], "rows": []}
    own = (
        Answer.objects.filter(response__in=Response.objects.filter(counted_q(kind, flt)))
        .exclude(type=Question.Type.TEXT)
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
    """Per kind: responses, response rate, NPS, share satisfied and the headline mean, in four
    queries, with the same definitions and the same release rules as kind_result()."""
    kinds = list(kinds or Kind.values)
    result = {kind: Headline(kind=kind, label=Kind(kind).label) for kind in kinds}
    for kind, (sent, answered) in response_rates(period, kinds, flt).items():
        head = result[kind]
        head.sent, head.answered = sent, answered
        head.response_rate = metrics.response_rate(answered, sent)
    disclosure = None
    if flt.narrows and set(kinds) & set(ANONYMOUS_KINDS):
        disclosure = CandidateDisclosure(period.year)
    responses = Response.objects.filter(answered_on__range=(period.start, period.end)).filter(
        reduce(or_, (counted_q(kind, flt, disclosure) for kind in kinds))
    )
    for row in responses.values("kind").annotate(n=Count("id")):
        result[row["kind"]].responses = row["n"]
    rows = answer_stats(responses, "response__kind", "question_key", "type")
    pooled: dict[str, tuple[int, int]] = {}
    for row in rows:
        kind, head = row["response__kind"], result[row["response__kind"]]
        if row["type"] == Question.Type.NPS and row["count"]:
            head.nps = metrics.nps_from_counts(row["promoters"], row["detractors"], row["count"])
        if row["type"] == Question.Type.SCALE:
            total, counted = pooled.get(kind, (0, 0))
            pooled[kind] = (total + (row["total"] or 0), counted + row["count"])
        if kind == Kind.KUND and row["question_key"] == metrics.OVERALL_KEY:
            head.share_satisfied = metrics.share_from_counts(row["satisfied"], row["count"])
        if MAIN_QUESTION.get(kind) == row["question_key"]:
            head.mean = metrics.mean_from_sum(row["total"], row["count"])
    if Kind.KUND in result and Kind.KUND in pooled:
        result[Kind.KUND].mean = metrics.mean_from_sum(*pooled[Kind.KUND])
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
    definitions as kind_result), in two queries."""
    responses = Response.objects.filter(
        kind=Kind.KUND, answered_on__range=(period.start, period.end), consultant_id__in=list(consultant_ids)
    )
    scores = {
        row["consultant"]: {"responses": row["n"], "nps": None, "mean": None, "_sum": 0, "_count": 0}
        for row in responses.values("consultant").annotate(n=Count("id"))
    }
    for row in answer_stats(responses, "response__consultant", "type"):
        entry = scores[row["response__consultant"]]
        if row["type"] == Question.Type.NPS and row["count"]:
            entry["nps"] = metrics.nps_from_counts(row["promoters"], row["detractors"], row["count"])
        if row["type"] == Question.Type.SCALE:
            entry["_sum"] += row["total"] or 0
            entry["_count"] += row["count"]
    for entry in scores.values():
        entry["mean"] = metrics.mean_from_sum(entry.pop("_sum"), entry.pop("_count"))
    return scores
