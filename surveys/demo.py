"""Demo survey data: invitations and answers for the demo assignments, close to the published results.

Called by `load_demo` after the assignments app's demo data; idempotent.
"""

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assignments.models import Assignment

from .models import (
    ANONYMOUS_KINDS,
    Answer,
    FollowUp,
    FollowUpNote,
    Invitation,
    Kind,
    Question,
    Questionnaire,
    Response,
)
from .questionnaires import seed_all
from .services import build_response, follow_up_reasons, unit_head_for

SCALE_WEIGHTS = {10: 66, 9: 22, 8: 7, 7: 2, 6: 1, 5: 1, 4: 0.5, 3: 0.5}
NPS_WEIGHTS = {10: 70, 9: 17, 8: 6, 7: 3, 6: 2, 5: 1, 3: 1}
COMMENTS = [
    "Mycket professionellt bemötande genom hela processen.",
    "Tydlig planering och snabb återkoppling. Tack!",
    "Bra stöd i urvalet, vi fick flera starka kandidater.",
    "Annonsen blev mycket bättre än vi själva hade kunnat skriva.",
    "Processen drog ut lite på tiden i slutet.",
    "Vi kommer absolut att anlita er igen.",
    "Referenstagningen gick smidigt och snabbt.",
]
CANDIDATE_COMMENTS = [
    "Ett av de bästa rekryteringsförfarandena jag varit med om.",
    "Tydlig information om varje steg.",
    "Testerna var intressanta och återkopplingen bra.",
]


def _weighted(rng, weights):
    values, w = zip(*weights.items(), strict=True)
    return rng.choices(values, w)[0]


def _aware(day: date, hour: int = 9):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def settle_sent(invitation, *, kind, send_at, age: int, answered: bool, days: int) -> None:
    """A sent invitation as the services leave it `age` days after `send_at` (answered `days`
    after sending, if at all) — the demo's and the benchmark's data alike."""
    link_days = settings.SURVEY_LINK_DAYS
    invitation.sent_at = send_at
    invitation.expires_at = send_at + timedelta(days=link_days)
    invitation.status = Invitation.Status.SENT if age <= link_days else Invitation.Status.EXPIRED
    if kind in ANONYMOUS_KINDS:
        # The invitation never learns it was answered: every candidate gets the reminders, and
        # the address goes after the last one (or at expiry).
        steps = [d for d in settings.SURVEY_REMINDER_DAYS if d <= min(age, link_days)]
        invitation.reminders_sent = len(steps)
        invitation.last_reminder_at = send_at + timedelta(days=steps[-1]) if steps else None
        if len(steps) == len(settings.SURVEY_REMINDER_DAYS) or age > link_days:
            invitation.recipient_name = invitation.email = ""
    elif answered:
        invitation.status = Invitation.Status.ANSWERED
        invitation.answered_on = send_at.date() + timedelta(days=days)
        invitation.answer_count = 1
    elif age <= link_days:
        invitation.reminders_sent = len([d for d in settings.SURVEY_REMINDER_DAYS if d <= age])


@transaction.atomic
def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    for year in (today.year - 1, today.year):
        seed_all(year)
    if Invitation.objects.exists() or Response.objects.exists():
        return
    rng = random.Random(today.year * 7)
    versions = {}
    for question in Question.objects.select_related("questionnaire"):
        versions.setdefault((question.questionnaire.kind, question.questionnaire.year), []).append(question)
    closed = (
        Assignment.objects.filter(status=Assignment.Status.AVSLUTAD, closed_on__year__gte=today.year - 1)
        .select_related("package", "manager", "responsible", "organisation")
        .order_by("closed_on")
    )
    invitations, planned_responses = [], []
    for a in closed:
        year = a.closed_on.year
        sent = _aware(a.closed_on, 10)
        plans = []
        if a.package.sends_customer_survey and a.outcome != Assignment.Outcome.AVBRUTEN:
            plans.append((Kind.KUND, sent, a.manager.name, a.manager.email, 0.76))
        if a.package.sends_candidate_survey and a.outcome == Assignment.Outcome.TILLSATT:
            plans.append((Kind.KANDIDAT, sent, a.candidate_name, a.candidate_email, 0.62))
        if (
            a.package.sends_match_survey
            and a.outcome == Assignment.Outcome.TILLSATT
            and a.candidate_start
            and a.psychometric_tests
        ):
            match_day = a.candidate_start + timedelta(days=183)
            plans.append((Kind.MATCHNING, _aware(match_day), a.manager.name, a.manager.email, 0.7))
        for kind, send_at, name, email, rate in plans:
            version = (kind, send_at.year if (kind, send_at.year) in versions else year)
            invitation = Invitation(assignment=a, send_at=send_at, recipient_name=name, email=email)
            invitation._version = version
            age = (today - send_at.date()).days
            if age < 0:
                invitation.status = Invitation.Status.SCHEDULED
                invitations.append(invitation)
                continue
            answered = rng.random() < rate
            days_to_answer = rng.randint(0, 12)
            answered = answered and age >= days_to_answer
            settle_sent(
                invitation, kind=kind, send_at=send_at, age=age, answered=answered, days=days_to_answer
            )
            if answered:
                answered_at = send_at + timedelta(days=days_to_answer, hours=rng.randint(0, 8))
                planned_responses.append((kind, version, a, invitation, answered_at))
            invitations.append(invitation)
    by_version = {(q.kind, q.year): q for q in Questionnaire.objects.all()}
    for invitation in invitations:
        kind, year = invitation._version
        invitation.questionnaire = by_version.get((kind, year)) or by_version[(kind, today.year)]
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    # Candidate contact data is kept only while the candidate survey may still be e-mailed.
    finished = [
        i.assignment_id
        for i in invitations
        if i.questionnaire.kind == Kind.KANDIDAT and i.sent_at is not None and not i.email
    ]
    Assignment.objects.filter(pk__in=finished).update(candidate_name="", candidate_email="")
    Assignment.history.filter(id__in=finished).update(candidate_name="", candidate_email="")

    responses, answer_sets = [], []
    for kind, (vkind, vyear), a, invitation, answered_at in planned_responses:
        questionnaire = by_version.get((vkind, vyear)) or by_version[(vkind, today.year)]
        values = {}
        for q in versions.get((questionnaire.kind, questionnaire.year), []):
            if q.condition == Question.Condition.REFERENCES and not a.references_checked:
                continue
            if q.condition == Question.Condition.TESTS and not a.psychometric_tests:
                continue
            if q.condition == Question.Condition.ANSWER_YES and values.get(q.condition_key) is not True:
                continue
            if q.type == Question.Type.SCALE:
                values[q.key] = _weighted(rng, SCALE_WEIGHTS)
            elif q.type == Question.Type.NPS:
                values[q.key] = _weighted(rng, NPS_WEIGHTS)
            elif q.type == Question.Type.YESNO:
                if q.key == "vill_bli_kontaktad":
                    values[q.key] = rng.random() < 0.03
                elif q.key == "tester_genomforda":
                    values[q.key] = a.psychometric_tests
                else:
                    values[q.key] = rng.random() < 0.985
            elif rng.random() < 0.25:
                values[q.key] = rng.choice(CANDIDATE_COMMENTS if kind == Kind.KANDIDAT else COMMENTS)
        response = build_response(
            questionnaire, answered_at=answered_at, invitation=invitation, assignment=a, values=values
        )
        responses.append(response)
        answer_sets.append(
            (values, {q.key: q.type for q in versions.get((questionnaire.kind, questionnaire.year), [])})
        )
    Response.objects.bulk_create(responses, batch_size=1000)
    answers, follow_ups = [], []
    for response, (values, types) in zip(responses, answer_sets, strict=True):
        for key, value in values.items():
            qtype = types[key]
            is_quote = qtype == Question.Type.TEXT and rng.random() < 0.1
            answers.append(Answer.of(response, key, qtype, value, is_quote=is_quote))
        if response.kind == Kind.KUND:
            reasons = follow_up_reasons(values)
            if reasons:
                follow_ups.append(
                    FollowUp(
                        response=response,
                        assignment=response.assignment,
                        reasons=",".join(reasons),
                        assigned_to=unit_head_for(response.assignment),
                        due_on=response.answered_on + timedelta(days=14),
                        done=(today - response.answered_on).days > 20,
                    )
                )
    Answer.objects.bulk_create(answers, batch_size=5000)
    FollowUp.objects.bulk_create(follow_ups)
    for follow_up in follow_ups:
        if follow_up.done:
            FollowUpNote.objects.create(
                follow_up=follow_up,
                author=follow_up.assigned_to,
                text="Ringde beställaren och gick igenom synpunkterna.",
            )
    stdout(f"Enkäter: {len(invitations)} utskick, {len(responses)} svar, {len(follow_ups)} uppföljningar")
