"""Demo survey data: invitations and answers for the demo assignments, close to the published results.

Called by `load_demo` after the assignments app's demo data; idempotent. The benchmark (bench/)
generates its ten years of surveys with the same `generate_surveys`.
"""

import random
from datetime import date, datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from assignments.models import Assignment
from rekrytering.demo import bulk_insert

from .models import ANONYMOUS_KINDS, Answer, FollowUp, FollowUpNote, Invitation, Kind, Question, Response
from .questionnaires import seed_all
from .services import (
    build_follow_up,
    build_response,
    planned_invitations,
    purge_candidate_contacts,
    questionnaire_for,
    questions_for,
    unit_heads,
)

SCALE_WEIGHTS = {10: 66, 9: 22, 8: 7, 7: 2, 6: 1, 5: 1, 4: 0.5, 3: 0.5}
NPS_WEIGHTS = {10: 70, 9: 17, 8: 6, 7: 3, 6: 2, 5: 1, 3: 1}
RESPONSE_RATES = {Kind.KUND: 0.76, Kind.KANDIDAT: 0.62, Kind.MATCHNING: 0.70}
COMMENTS = {
    Kind.KUND: [
        "Mycket professionellt bemötande genom hela processen.",
        "Tydlig planering och snabb återkoppling. Tack!",
        "Bra stöd i urvalet, vi fick flera starka kandidater.",
        "Annonsen blev mycket bättre än vi själva hade kunnat skriva.",
        "Processen drog ut lite på tiden i slutet.",
        "Vi kommer absolut att anlita er igen.",
        "Referenstagningen gick smidigt och snabbt.",
    ],
    Kind.KANDIDAT: [
        "Ett av de bästa rekryteringsförfarandena jag varit med om.",
        "Tydlig information om varje steg.",
        "Testerna var intressanta och återkopplingen bra.",
    ],
    Kind.MATCHNING: ["Personen har kommit in mycket bra i arbetsgruppen.", "Precis rätt kompetens."],
    Kind.UTBILDNING: ["Lärorik dag med bra övningar.", "Mycket användbart i vardagen."],
}


def _weighted(rng, weights):
    values, w = zip(*weights.items(), strict=True)
    return rng.choices(values, w)[0]


def _aware(day: date, hour: int = 9):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def settle_sent(invitation, *, kind, send_at, age: int, answered: bool, days: int) -> None:
    """A sent invitation as the services leave it `age` days after `send_at` (answered `days`
    after sending, if at all)."""
    link_days = settings.SURVEY_LINK_DAYS
    invitation.sent_at = send_at
    invitation.expires_at = send_at + timedelta(days=link_days)
    invitation.status = Invitation.Status.SENT if age <= link_days else Invitation.Status.EXPIRED
    if invitation.shared:
        return  # a training's link is handed out, not e-mailed: no reminders; its answers are counted
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


def answer_values(rng, invitation) -> dict:
    """question key → answer of one response, to the questions the invitation asks."""
    kind, values = invitation.questionnaire.kind, {}
    for q in questions_for(invitation):
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
                values[q.key] = invitation.assignment.psychometric_tests
            else:
                values[q.key] = rng.random() < 0.985
        elif rng.random() < 0.25:
            values[q.key] = rng.choice(COMMENTS[kind])
    return values


def generate_surveys(assignments, *, today: date, rng: random.Random) -> tuple[int, int, int, int]:
    """The invitations closing each of `assignments` schedules, as the services leave them by
    `today`, with responses, answers and follow-ups; returns how many of each were created.

    The assignments need their package, manager and responsible consultant at hand."""

    @cache
    def version(kind, year):
        questionnaire = questionnaire_for(kind, year)
        prefetch_related_objects([questionnaire], "questions")
        return questionnaire

    invitations, planned = [], []
    for a in assignments:
        if not a.closed_on or a.closed_on > today:
            continue
        closed_at = _aware(a.closed_on, 10)
        for kind, name, email, send_at, shared in planned_invitations(a, now=closed_at):
            invitation = Invitation(
                questionnaire=version(kind, a.closed_on.year),
                assignment=a,
                recipient_name=name,
                email=email,
                send_at=send_at,
                shared=shared,
            )
            invitations.append(invitation)
            age = (today - timezone.localdate(send_at)).days
            if age < 0:
                continue  # still scheduled
            if shared:
                settle_sent(invitation, kind=kind, send_at=send_at, age=age, answered=False, days=0)
                invitation.answer_count = rng.randint(4, 14) if age > 3 else 0
                for _ in range(invitation.answer_count):
                    answered = min(a.closed_on + timedelta(days=rng.randint(0, 3)), today)
                    planned.append((invitation, _aware(answered, 12)))
                continue
            days = rng.randint(0, 12)
            answered = rng.random() < RESPONSE_RATES[kind] and age >= days
            settle_sent(invitation, kind=kind, send_at=send_at, age=age, answered=answered, days=days)
            if answered:
                planned.append((invitation, send_at + timedelta(days=days, hours=rng.randint(0, 8))))
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    # Candidate contact data is kept only while the candidate survey may still be e-mailed.
    purge_candidate_contacts(
        [
            i.assignment_id
            for i in invitations
            if i.questionnaire.kind == Kind.KANDIDAT and i.sent_at is not None and not i.email
        ]
    )

    responses, answer_sets = [], []
    for invitation, answered_at in planned:
        values = answer_values(rng, invitation)
        responses.append(
            build_response(
                invitation.questionnaire,
                answered_at=answered_at,
                invitation=invitation,
                assignment=invitation.assignment,
                values=values,
            )
        )
        answer_sets.append((invitation.questionnaire, values))
    Response.objects.bulk_create(responses, batch_size=2000)

    def answers():
        for response, (questionnaire, values) in zip(responses, answer_sets, strict=True):
            types = {q.key: q.type for q in questionnaire.questions.all()}
            for key, value in values.items():
                is_quote = types[key] == Question.Type.TEXT and rng.random() < 0.1
                yield Answer.of(response, key, types[key], value, is_quote=is_quote)

    answer_count = bulk_insert(Answer, answers())
    head_for, follow_ups = unit_heads(), []
    for response, (_questionnaire, values) in zip(responses, answer_sets, strict=True):
        if response.kind == Kind.KUND:
            follow_up = build_follow_up(response, values, response.assignment, head_for=head_for)
            if follow_up is not None:
                follow_up.done = (today - response.answered_on).days > 20
                follow_ups.append(follow_up)
    FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
    FollowUpNote.objects.bulk_create(
        (
            FollowUpNote(
                follow_up=follow_up,
                author=follow_up.assigned_to,
                text="Ringde beställaren och gick igenom synpunkterna.",
            )
            for follow_up in follow_ups
            if follow_up.done
        ),
        batch_size=2000,
    )
    return len(invitations), len(responses), answer_count, len(follow_ups)


@transaction.atomic
def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    for year in (today.year - 1, today.year):
        seed_all(year)
    if Invitation.objects.exists() or Response.objects.exists():
        return
    closed = (
        Assignment.objects.filter(status=Assignment.Status.AVSLUTAD, closed_on__year__gte=today.year - 1)
        .select_related("package", "manager", "responsible", "organisation")
        .order_by("closed_on", "id")
    )
    counts = generate_surveys(closed, today=today, rng=random.Random(today.year * 7))
    stdout("Enkäter: {} utskick, {} svar, {} svarsrader, {} uppföljningar".format(*counts))
