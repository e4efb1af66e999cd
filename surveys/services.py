"""Everything that changes survey state: scheduling, sending, reminding, expiring and answering.

The database says what is due; Celery tasks only carry invitation ids and call these functions,
which check and set state under `select_for_update`, so a task run twice does its step once.
"""

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import Assignment, User
from assignments.permissions import manages_survey_sends
from rekrytering.audit import log_change
from rekrytering.celery import enqueue_on_commit
from rekrytering.inputs import clean_text, parse_int
from rekrytering.periods import month_start, tertial_start

from . import metrics
from .anonymity import coarse_dimensions
from .models import (
    Answer,
    FollowUp,
    FollowUpNote,
    Invitation,
    InvitationChange,
    Kind,
    Question,
    Questionnaire,
    Response,
    SpentLink,
)
from .questionnaires import copy_questionnaire as copy_version
from .questionnaires import seed_questionnaire

log = logging.getLogger(__name__)
CONTACT_KEY = "vill_bli_kontaktad"


# --- Tokens -------------------------------------------------------------------------------


def token_for(invitation: Invitation) -> str:
    """The link token: an HMAC of the invitation's random salt (256 bits), never stored."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"survey-link:{invitation.token_salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _arm_token(invitation: Invitation) -> str:
    """Give the invitation its link, keeping the one it has: a salt once chosen is never replaced.

    Retries and re-sends after a crash therefore mail the same link. Only a deliberate new link
    (resending to a corrected address) clears the salt first, so that the old link stops working.
    """
    if not invitation.token_salt:
        invitation.token_salt = secrets.token_hex(16)
    token = token_for(invitation)
    invitation.token_hash = Invitation.hash_token(token)
    return token


def spent_digest(token: str) -> str:
    """The mark of a used anonymous link: keyed, so that it cannot be matched to an invitation's
    stored token hash."""
    return hmac.new(settings.SECRET_KEY.encode(), f"spent-link:{token}".encode(), hashlib.sha256).hexdigest()


def answered_digest(token: str) -> str:
    """What a browser keeps of a link it has answered (the public pages' signed cookie), so that it
    alone is told "already answered" when it opens the link again. Keyed, so that it is neither the
    token nor its stored hash nor the mark of a used anonymous link (`spent_digest`); and never
    stored on the server, so nothing in the database links it to a response."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"answered-link:{token}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def survey_url(token: str) -> str:
    return settings.SITE_URL + reverse("survey-answer", args=[token])


# --- Scheduling ---------------------------------------------------------------------------


def questionnaire_for(kind: str, year: int) -> Questionnaire:
    """The version of a kind for a year: the year's own, else the latest earlier, else seeded."""
    found = Questionnaire.objects.filter(kind=kind, year__lte=year).order_by("-year").first()
    return found or seed_questionnaire(kind, year)


def planned_invitations(assignment: Assignment, *, now: datetime) -> list[tuple]:
    """The surveys closing an assignment at `now` plans, by its package's survey settings and its
    outcome: (kind, recipient name, e-mail, send at, shared) each."""
    package = assignment.package
    hired = assignment.outcome == Assignment.Outcome.TILLSATT
    planned = []
    if package.sends_customer_survey and assignment.outcome != Assignment.Outcome.AVBRUTEN:
        planned.append((Kind.KUND, assignment.manager.name, assignment.manager.email, now, False))
    if package.sends_candidate_survey and hired and assignment.candidate_email:
        planned.append((Kind.KANDIDAT, assignment.candidate_name, assignment.candidate_email, now, False))
    if package.sends_match_survey and hired and assignment.candidate_start and assignment.psychometric_tests:
        start = timezone.make_aware(
            datetime.combine(assignment.candidate_start, datetime.min.time())
        ).replace(hour=9)
        send_at = start + relativedelta(months=settings.SURVEY_MATCH_MONTHS)
        planned.append((Kind.MATCHNING, assignment.manager.name, assignment.manager.email, send_at, False))
    if package.sends_training_evaluation:
        planned.append((Kind.UTBILDNING, "", "", now, True))
    return planned


def schedule_invitations(assignment: Assignment, *, now: datetime | None = None) -> list[Invitation]:
    """What closing an assignment schedules, by its package's survey settings and its outcome."""
    now = now or timezone.now()
    year = (assignment.closed_on or timezone.localdate()).year
    created = []
    for kind, name, email, send_at, shared in planned_invitations(assignment, now=now):
        questionnaire = questionnaire_for(kind, year)
        exists = Invitation.objects.filter(assignment=assignment, questionnaire__kind=kind).exclude(
            status=Invitation.Status.CANCELLED
        )
        if exists.exists():
            continue
        invitation = Invitation(
            questionnaire=questionnaire,
            assignment=assignment,
            recipient_name=name,
            email=email,
            send_at=send_at,
            shared=shared,
        )
        if shared:
            # A training's link is handed out by the trainer, not e-mailed.
            _arm_token(invitation)
            invitation.status = Invitation.Status.SENT
            invitation.sent_at = now
            invitation.expires_at = now + timedelta(days=settings.SURVEY_LINK_DAYS)
        invitation.save()
        created.append(invitation)
    due_now = [i.pk for i in created if i.status == Invitation.Status.SCHEDULED and i.send_at <= now]
    if due_now:
        from .tasks import send_invitation

        for pk in due_now:
            enqueue_on_commit(send_invitation, pk)
    return created


def on_assignment_closed(sender, assignment, by, **kwargs):
    schedule_invitations(assignment)


# --- Sending ------------------------------------------------------------------------------


def recruitment_of(invitation: Invitation) -> dict | None:
    """What a survey is about, as its e-mail and its answer page name it: the role as registered
    (its casing kept: "IT-samordnare", "Enhetschef LSS") and the customer organisation. Never the
    candidate's name. The candidate is shown only what they applied for, and an anonymous response
    keeps nothing of it (surveys.anonymity)."""
    assignment = invitation.assignment
    if assignment is None:
        return None
    return {"role_title": assignment.role_title, "organisation": assignment.organisation.name}


def _message(invitation: Invitation, token: str, *, reminder: bool) -> EmailMultiAlternatives:
    context = {
        "invitation": invitation,
        "questionnaire": invitation.questionnaire,
        "url": survey_url(token),
        "reminder": reminder,
        "expires_on": timezone.localtime(invitation.expires_at).date() if invitation.expires_at else None,
        "recruitment": recruitment_of(invitation),
    }
    subject = render_to_string("surveys/email/invitation_subject.txt", context).strip()
    body = render_to_string("surveys/email/invitation.txt", context)
    return EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


def send_invitation(invitation_id: int, *, now: datetime | None = None) -> bool:
    """Send a due invitation. Returns True if this call sent it; safe to call again at any time.

    Two transactions, so that the link in any e-mail that may have reached the customer works:
    `prepare_invitation` fixes the link and commits it before the mail server is contacted, then
    `deliver_invitation` sends it and marks the invitation sent. A worker that dies in between, or
    after the mail server accepted the message, leaves it scheduled with the same link, which the
    retry or the sweep mails again. Call it outside a transaction (tasks do).
    """
    now = now or timezone.now()
    return prepare_invitation(invitation_id, now=now) and deliver_invitation(invitation_id, now=now)


def _due(invitation: Invitation | None, now: datetime) -> bool:
    return (
        invitation is not None
        and invitation.status == Invitation.Status.SCHEDULED
        and invitation.send_at <= now
    )


def prepare_invitation(invitation_id: int, *, now: datetime | None = None) -> bool:
    """The first step of a send: the link is fixed and committed. True if the invitation can go out.

    From here the link opens the survey (the invitation is still scheduled), and every later try
    sends this same link. The link's clock starts at each try, as the message may leave then.
    An invitation another worker holds locked (it is sending it) is left to that worker.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(skip_locked=True).filter(pk=invitation_id).first()
        if not _due(invitation, now):
            return False
        if not invitation.email:
            invitation.status = Invitation.Status.FAILED
            invitation.last_error = "Ingen e-postadress"
            invitation.save(update_fields=["status", "last_error"])
            return False
        _arm_token(invitation)
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(days=settings.SURVEY_LINK_DAYS)
        invitation.save(update_fields=["token_salt", "token_hash", "sent_at", "expires_at"])
    return True


def deliver_invitation(invitation_id: int, *, now: datetime | None = None) -> bool:
    """The second step of a send: mail the committed link and mark the invitation sent, once.

    The row stays locked during the SMTP conversation, so no other worker sends it at the same time
    (one that finds it locked leaves it: should this send fail, its retry or the sweep takes it up).
    If sending raises, or the worker dies, this transaction rolls back and the link stays as it was.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("questionnaire", "assignment__organisation")
            .filter(pk=invitation_id)
            .first()
        )
        if not _due(invitation, now) or not invitation.token_salt:
            # No salt: a re-send to a corrected address has just dropped the link, and its own task
            # prepares the new one. A link is never made here, where it would not be committed first.
            return False
        # sent_at and expires_at were set with the link, by this try's first step.
        invitation.status = Invitation.Status.SENT
        invitation.last_error = ""
        invitation.save(update_fields=["status", "last_error"])
        _message(invitation, token_for(invitation), reminder=False).send()
    log.info("Survey invitation %s sent", invitation_id)
    return True


def record_send_failure(
    invitation_id: int,
    error: Exception,
    *,
    max_tries: int,
    backoff: Callable[[int], float],
    now: datetime | None = None,
) -> float | None:
    """Count a failed try. Returns the seconds until the next one, or None if there is none.

    The count is kept on the invitation, so tries from retries, sweeps and redelivered messages add
    up to one limit; the last leaves the invitation failed (its link closed). The next try's time
    becomes `send_at`, so the sweep waits out the backoff too. The link is left as it is.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.status != Invitation.Status.SCHEDULED:
            return None
        invitation.attempts += 1
        invitation.last_error = f"{type(error).__name__}: {error}"[:300]
        retry_in = None
        if invitation.attempts >= max_tries:
            invitation.status = Invitation.Status.FAILED
            invitation.sent_at = None
            invitation.expires_at = None
        else:
            retry_in = backoff(invitation.attempts)
            invitation.send_at = max(invitation.send_at, now + timedelta(seconds=retry_in))
        invitation.save(
            update_fields=["attempts", "last_error", "status", "sent_at", "expires_at", "send_at"]
        )
    return retry_in


def send_reminder(invitation_id: int, *, now: datetime | None = None) -> bool:
    """Send the next reminder if one is due and the invitation is unanswered. Once per step.

    An anonymous survey's invitation does not know whether it was answered, so every candidate
    gets the reminders; the e-mail thanks those who have already answered.
    """
    now = now or timezone.now()
    steps = settings.SURVEY_REMINDER_DAYS
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("questionnaire", "assignment__organisation")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or invitation.shared
            or invitation.status != Invitation.Status.SENT
            or invitation.reminders_sent >= len(steps)
            or not invitation.email
            or invitation.sent_at + timedelta(days=steps[invitation.reminders_sent]) > now
            or (invitation.expires_at and invitation.expires_at <= now)
        ):
            return False
        invitation.reminders_sent += 1
        invitation.last_reminder_at = now
        invitation.save(update_fields=["reminders_sent", "last_reminder_at"])
        _message(invitation, token_for(invitation), reminder=True).send()
        if invitation.reminders_sent >= len(steps):
            # Nothing more will be sent: a candidate's address is not needed any longer.
            _purge_contact_data(invitation)
    return True


def due_invitation_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Invitation.objects.filter(status=Invitation.Status.SCHEDULED, send_at__lte=now)
        .order_by("send_at")
        .values_list("pk", flat=True)[:500]
    )


def due_reminder_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    first = min(settings.SURVEY_REMINDER_DAYS, default=None)
    if first is None:
        return []
    return list(
        Invitation.objects.filter(
            status=Invitation.Status.SENT,
            shared=False,
            reminders_sent__lt=len(settings.SURVEY_REMINDER_DAYS),
            sent_at__lte=now - timedelta(days=first),
            expires_at__gt=now,
        ).values_list("pk", flat=True)[:1000]
    )


def expire_invitations(now: datetime | None = None) -> int:
    """Expire sent invitations past their date and delete the contact data they held."""
    now = now or timezone.now()
    expired = 0
    ids = list(
        Invitation.objects.filter(status=Invitation.Status.SENT, expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(of=("self",)).select_related("questionnaire").get(pk=pk)
            )
            if invitation.status != Invitation.Status.SENT:
                continue
            invitation.status = Invitation.Status.EXPIRED
            invitation.save(update_fields=["status"])
            _purge_contact_data(invitation)
            expired += 1
    return expired


def _purge_contact_data(invitation: Invitation) -> None:
    """Candidate names and e-mails are kept only while the candidate survey may still be e-mailed:
    until its last reminder, its expiry or its cancellation — the same for every candidate, since
    purging at the answer would tell which candidates answered.

    The link's salt goes too: the link still opens by its stored hash, but not even the holder of
    SECRET_KEY can then remake the token and match it to the marks of used links (SpentLink).
    """
    if invitation.questionnaire.kind != Kind.KANDIDAT:
        return
    Invitation.objects.filter(pk=invitation.pk).update(recipient_name="", email="", token_salt="")
    if invitation.assignment_id:
        purge_candidate_contacts([invitation.assignment_id])


def purge_candidate_contacts(assignment_ids) -> None:
    """The candidate names and e-mails of these assignments go, and so do those of their historical
    copies, which held the same contact data."""
    Assignment.objects.filter(pk__in=assignment_ids).update(candidate_name="", candidate_email="")
    Assignment.history.filter(id__in=assignment_ids).update(candidate_name="", candidate_email="")


# --- Consultants' changes to invitations -------------------------------------------------
# Only those who manage survey sends (samordnare, chef, admin) change an invitation, always with
# a reason: a new recipient, a later date or a cancelled survey steers whose results count. Each
# change is kept (InvitationChange: the assignment's history) and written to the audit log.


OPEN_STATES = (Invitation.Status.SCHEDULED, Invitation.Status.SENT, Invitation.Status.FAILED)


def _lock_for_change(invitation: Invitation, by: User, *, states, refusal: str) -> Invitation:
    """The invitation, locked, if `by` manages survey sends and it is in one of `states`."""
    if not manages_survey_sends(by):
        raise PermissionDenied(_("Bara samordnare, chef och administratör ändrar enkätutskick."))
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("assignment", "questionnaire")
        .get(pk=invitation.pk)
    )
    if invitation.assignment is None:
        raise PermissionDenied(_("Utskicket hör inte till något uppdrag."))
    if invitation.status not in states:
        raise ValidationError(refusal)
    return invitation


def _refuse_if_anonymous_and_out(invitation: Invitation) -> None:
    """A sent link of an anonymous survey stays as it is: cancelling or moving it would take it
    out of the group its answer (if any) hides in (surveys.anonymity)."""
    being_sent = invitation.status == Invitation.Status.SCHEDULED and invitation.token_hash
    if invitation.questionnaire.anonymous and (invitation.status == Invitation.Status.SENT or being_sent):
        raise ValidationError(
            _(
                "Kandidatenkäten är anonym: när länken har skickats kan utskicket inte avbrytas "
                "eller skickas om, eftersom det skulle kunna visa vem som har svarat."
            )
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Ange ett skäl till ändringen.")})
    if len(reason) > InvitationChange.REASON_MAX:
        raise ValidationError(
            {"reason": _("Skälet får vara högst %(max)s tecken.") % {"max": InvitationChange.REASON_MAX}}
        )
    return reason


def _record_change(invitation: Invitation, *, by: User, action: str, reason: str, before="", after=""):
    """The change on the assignment's history, and in the audit log once the change is committed."""
    change = InvitationChange.objects.create(
        invitation=invitation, action=action, changed_by=by, before=before, after=after, reason=reason
    )
    details = {
        "invitation": invitation.pk,
        "assignment": invitation.assignment.number,
        "survey": invitation.questionnaire.kind,
        "before": before,
        "after": after,
        "reason": reason,
    }
    transaction.on_commit(lambda: log_change(user=by, action=f"invitation_{action}", **details))
    return change


def _day(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}"


@transaction.atomic
def postpone_invitation(invitation: Invitation, *, by: User, send_at: datetime, reason: str) -> Invitation:
    invitation = _lock_for_change(
        invitation,
        by,
        states=(Invitation.Status.SCHEDULED,),
        refusal=_("Bara schemalagda utskick kan skjutas upp."),
    )
    reason = _reason(reason)
    if send_at <= timezone.now():
        raise ValidationError({"send_at": _("Välj en tidpunkt i framtiden.")})
    before = _day(invitation.send_at)
    invitation.send_at = send_at
    invitation.save(update_fields=["send_at"])
    _record_change(
        invitation,
        by=by,
        action=InvitationChange.Action.POSTPONE,
        reason=reason,
        before=before,
        after=_day(send_at),
    )
    return invitation


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, by: User, reason: str) -> Invitation:
    invitation = _lock_for_change(
        invitation, by, states=OPEN_STATES, refusal=_("Utskicket kan inte avbrytas.")
    )
    _refuse_if_anonymous_and_out(invitation)
    reason = _reason(reason)
    before = invitation.get_status_display()
    invitation.status = Invitation.Status.CANCELLED
    invitation.save(update_fields=["status"])
    _purge_contact_data(invitation)
    _record_change(
        invitation,
        by=by,
        action=InvitationChange.Action.CANCEL,
        reason=reason,
        before=before,
        after=invitation.get_status_display(),
    )
    return invitation


@transaction.atomic
def resend_invitation(invitation: Invitation, *, by: User, email: str, reason: str) -> Invitation:
    """Correct the address and send again: a new link, the old one stops working."""
    invitation = _lock_for_change(
        invitation, by, states=OPEN_STATES, refusal=_("Utskicket kan inte skickas om.")
    )
    if invitation.shared:
        raise ValidationError(_("En delad länk skickas inte med e-post."))
    _refuse_if_anonymous_and_out(invitation)
    reason = _reason(reason)
    email = email.strip().lower()
    # The log keeps no address, only whether it changed.
    after = _("Samma adress") if email == invitation.email else _("Ny adress")
    invitation.email = email
    invitation.status = Invitation.Status.SCHEDULED
    invitation.send_at = timezone.now()
    invitation.token_salt = ""
    invitation.token_hash = ""
    invitation.attempts = 0
    invitation.reminders_sent = 0
    invitation.save()
    _record_change(invitation, by=by, action=InvitationChange.Action.RESEND, reason=reason, after=after)
    from .tasks import send_invitation

    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


# --- Answering ----------------------------------------------------------------------------

# A scheduled invitation with a link is one whose message may already have reached the customer
# (its send was cut off after the link was committed): the link works from that moment.
LINK_OPEN_STATES = (Invitation.Status.SCHEDULED, Invitation.Status.SENT)


# What the answer page and the saving of an answer read of a link (every public request reads it;
# the assignment has some forty columns): the link's state, its questionnaire, what the page says
# the survey is about (recruitment_of), what the questions' conditions ask of the assignment, and
# what a response keeps of it (build_response, anonymity.coarse_dimensions). Anything else is
# loaded by a query of its own when first read.
ANSWERING_READS = [
    "questionnaire",
    "assignment",
    "shared",
    "status",
    "sent_at",
    "expires_at",
    "answer_count",
    "token_hash",
    "assignment__role_title",
    "assignment__organisation__name",
    "assignment__references_checked",
    "assignment__psychometric_tests",
    "assignment__screening",
    "assignment__search",
    "assignment__organisation",
    "assignment__sector",
    "assignment__package__code",
    "assignment__responsible__unit",
]


def find_open_invitation(token: str, *, now: datetime | None = None) -> Invitation | None:
    """The invitation a token opens, if it can still be answered; None for unknown, used or expired.

    One query on the token's hash, with what a response keeps of the assignment (two for an
    anonymous survey's link: has it been used?).
    """
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    # get(), not first(): the hash is unique, and first() would have the database sort the match.
    try:
        invitation = (
            Invitation.objects.select_related(
                "questionnaire", "assignment__package", "assignment__responsible", "assignment__organisation"
            )
            .only(*ANSWERING_READS)
            .get(token_hash=Invitation.hash_token(token), status__in=LINK_OPEN_STATES)
        )
    except Invitation.DoesNotExist:
        return None
    if invitation.expires_at and invitation.expires_at <= now:
        return None
    if _answers_anonymously(invitation):
        if SpentLink.objects.filter(digest=spent_digest(token)).exists():
            return None
    return invitation


def _lock_open_invitation(invitation: Invitation, *, now: datetime) -> Invitation | None:
    """A non-anonymous invitation locked for its answer, with its state read again under the lock,
    if its link is still open: another request may have answered it, or a resend replaced the link.

    Only the row is locked and read (its questionnaire and assignment are the ones just read).
    Never for an anonymous one: a row lock leaves the locking transaction's id on the row, which
    would match the response's.
    """
    try:
        invitation.refresh_from_db(
            fields=["status", "answer_count", "sent_at", "expires_at"],
            from_queryset=Invitation.objects.select_for_update().filter(
                token_hash=invitation.token_hash, status__in=LINK_OPEN_STATES
            ),
        )
    except Invitation.DoesNotExist:
        return None
    if invitation.expires_at and invitation.expires_at <= now:
        return None
    return invitation


def _answers_anonymously(invitation: Invitation) -> bool:
    return invitation.questionnaire.anonymous and not invitation.shared


def questions_for(invitation: Invitation) -> list[Question]:
    """The questions this invitation asks: conditions on the assignment are applied here (never
    for an anonymous survey, whose answered questions would otherwise describe the assignment)."""
    assignment = None if invitation.questionnaire.anonymous else invitation.assignment
    flags = {
        Question.Condition.REFERENCES: bool(assignment and assignment.references_checked),
        Question.Condition.TESTS: bool(assignment and assignment.psychometric_tests),
        Question.Condition.SCREENING: bool(assignment and assignment.screening),
        Question.Condition.SEARCH: bool(assignment and assignment.search),
    }
    return [
        q
        for q in invitation.questionnaire.questions.all()
        if not q.condition or q.condition == Question.Condition.ANSWER_YES or flags.get(q.condition)
    ]


def validate_answers(questions: list[Question], data) -> tuple[dict, dict]:
    """Parse posted answers. Returns (values by key, errors by key) with Swedish messages."""
    values, errors = {}, {}
    for question in questions:
        raw = clean_text(data.get(question.key))
        if (
            question.condition == Question.Condition.ANSWER_YES
            and values.get(question.condition_key) is not True
        ):
            continue
        if not raw:
            if not question.optional:
                errors[question.key] = (
                    _("Svara på frågan.") if question.type != Question.Type.YESNO else _("Välj ja eller nej.")
                )
            continue
        if question.type in (Question.Type.SCALE, Question.Type.NPS):
            allowed = question.scale
            number = parse_int(raw, low=allowed.start, high=allowed.stop - 1)
            if number is None:
                errors[question.key] = _("Välj ett värde från %(low)s till %(high)s.") % {
                    "low": allowed.start,
                    "high": allowed.stop - 1,
                }
            else:
                values[question.key] = number
        elif question.type == Question.Type.YESNO:
            if raw not in ("ja", "nej"):
                errors[question.key] = _("Välj ja eller nej.")
            else:
                values[question.key] = raw == "ja"
        else:
            if len(raw) > 5000:
                errors[question.key] = _("Svaret får vara högst 5 000 tecken.")
            else:
                values[question.key] = raw
    return values, errors


def submit_response(token: str, data, *, now: datetime | None = None) -> tuple[Response | None, dict]:
    """Store one response for the link, once.

    A personal link of an ordinary survey is locked while it is used and then marked answered.
    An anonymous survey's link is marked used only in SpentLink, whose unique digest lets one of
    two simultaneous answers through: its invitation is left exactly as it was. The response
    returned says whether its link stays open for others (`link_stays_open`: a training's shared
    link does), which is not stored.
    """
    now = now or timezone.now()
    refused = {"__all__": _("Länken kan inte användas.")}
    invitation = find_open_invitation(token, now=now)
    if invitation is None:
        return None, refused
    questions = questions_for(invitation)
    values, errors = validate_answers(questions, data)
    if errors:
        return None, errors
    if _answers_anonymously(invitation):
        try:
            with transaction.atomic():
                month = month_start(timezone.localdate(now))
                SpentLink.objects.create(digest=spent_digest(token), month=month)
                response = create_response(
                    invitation.questionnaire, values, questions, invitation=invitation, answered_at=now
                )
        except IntegrityError:
            return None, refused
        response.link_stays_open = False
        return response, {}
    with transaction.atomic():
        invitation = _lock_open_invitation(invitation, now=now)
        if invitation is None:
            return None, refused
        response = create_response(
            invitation.questionnaire,
            values,
            questions,
            invitation=invitation,
            assignment=invitation.assignment,
            answered_at=now,
        )
        invitation.answer_count += 1
        if invitation.shared:
            invitation.save(update_fields=["answer_count"])
        else:
            invitation.status = Invitation.Status.ANSWERED
            invitation.answered_on = response.answered_on
            invitation.save(update_fields=["status", "answer_count", "answered_on"])
    response.link_stays_open = invitation.shared
    return response, {}


def build_response(
    questionnaire: Questionnaire,
    *,
    answered_at: datetime,
    invitation: Invitation | None = None,
    assignment: Assignment | None = None,
    values: dict | None = None,
    source=Response.Source.WEB,
) -> Response:
    """An unsaved response with what it keeps of its link and assignment (and, for an anonymous
    one, given its answers `values`: some answers repeat what the assignment records).

    Every response answered through a personal link keeps the tertial the link was sent in.
    An anonymous one keeps only what surveys.anonymity allows; the others keep the breakdown
    dimensions of their assignment as it was when answered.
    """
    response = Response(
        questionnaire=questionnaire,
        kind=questionnaire.kind,
        answered_on=timezone.localdate(answered_at),
        source=source,
    )
    if questionnaire.anonymous:
        for name, value in coarse_dimensions(invitation, answered_at, values).items():
            setattr(response, name, value)
        return response
    if invitation is not None and not invitation.shared and invitation.sent_at:
        response.sent_in = tertial_start(timezone.localdate(invitation.sent_at))
    if assignment is not None:
        response.assignment = assignment
        response.consultant_id = assignment.responsible_id
        response.unit_id = assignment.responsible.unit_id if assignment.responsible_id else None
        response.organisation_id = assignment.organisation_id
        response.sector_id = assignment.sector_id
        response.package_code = assignment.package.code
    return response


def create_response(
    questionnaire: Questionnaire,
    values: dict,
    questions: list[Question] | None = None,
    *,
    answered_at: datetime,
    invitation: Invitation | None = None,
    assignment: Assignment | None = None,
    source=Response.Source.WEB,
    types: dict[str, str] | None = None,
    follow_up: bool = True,
) -> Response:
    """A response with its answers (and, if `follow_up`, a follow-up for a dissatisfied customer).

    Each answer's type comes from `questions`, or from `types` (key → type) for answers to
    questions the version no longer asks (an import of earlier responses)."""
    response = build_response(
        questionnaire,
        answered_at=answered_at,
        invitation=invitation,
        assignment=assignment,
        values=values,
        source=source,
    )
    response.save()
    types = types if types is not None else {q.key: q.type for q in questions or []}
    Answer.objects.bulk_create(Answer.of(response, key, types[key], value) for key, value in values.items())
    if follow_up and questionnaire.kind == Kind.KUND:
        create_follow_up_if_needed(response, values, assignment)
    return response


# --- Follow-up ----------------------------------------------------------------------------


def follow_up_reasons(values: dict) -> list[str]:
    """Why a customer's answers call for a follow-up: asked to be contacted, not satisfied overall,
    or a detractor (surveys.metrics)."""
    reasons = []
    if values.get(CONTACT_KEY) is True:
        reasons.append(FollowUp.Reason.CONTACT)
    overall, recommend = values.get(metrics.OVERALL_KEY), values.get(metrics.NPS_KEY)
    if isinstance(overall, int) and not metrics.is_satisfied(overall):
        reasons.append(FollowUp.Reason.LOW_SCORE)
    if isinstance(recommend, int) and metrics.is_detractor(recommend):
        reasons.append(FollowUp.Reason.DETRACTOR)
    return reasons


def unit_heads() -> Callable[[Assignment | None], User | None]:
    """`unit_head_for` with the heads loaded once, for many assignments."""
    heads = list(User.objects.filter(role=User.Role.CHEF, is_active=True).order_by("id"))
    by_unit = {}
    for head in heads:
        by_unit.setdefault(head.unit_id, head)

    def head_for(assignment: Assignment | None) -> User | None:
        unit_id = assignment.responsible.unit_id if assignment is not None else None
        if unit_id and unit_id in by_unit:
            return by_unit[unit_id]
        return heads[0] if heads else None

    return head_for


def unit_head_for(assignment: Assignment | None) -> User | None:
    """The head of the responsible consultant's unit, else any active chef."""
    return unit_heads()(assignment)


def build_follow_up(
    response: Response, values: dict, assignment: Assignment | None, *, head_for=unit_head_for
) -> FollowUp | None:
    """The unsaved follow-up a customer response with answers `values` calls for, if any."""
    reasons = follow_up_reasons(values)
    if not reasons:
        return None
    return FollowUp(
        response=response,
        assignment=assignment,
        reasons=",".join(reasons),
        assigned_to=head_for(assignment),
        due_on=response.answered_on + timedelta(days=settings.SURVEY_FOLLOW_UP_DAYS),
    )


def create_follow_up_if_needed(response: Response, values: dict, assignment: Assignment | None):
    follow_up = build_follow_up(response, values, assignment)
    if follow_up is not None:
        follow_up.save()
    return follow_up


@transaction.atomic
def log_follow_up(follow_up: FollowUp, *, by: User, text: str, done: bool) -> FollowUp:
    if not by.is_head:
        raise PermissionDenied(_("Uppföljningar hanteras av chefer."))
    if not text.strip() and not done:
        raise ValidationError({"text": _("Skriv vad som gjorts.")})
    if text.strip():
        FollowUpNote.objects.create(follow_up=follow_up, author=by, text=text.strip())
    if done and not follow_up.done:
        follow_up.done = True
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done", "done_at"])
    return follow_up


# --- Questionnaires -------------------------------------------------------------------------


def _require_admin(by: User):
    if not by.is_admin:
        raise PermissionDenied(_("Bara administratörer ändrar enkäter."))


@transaction.atomic
def save_questions(
    questionnaire: Questionnaire, *, changed: list[Question], deleted: list[Question], by: User
) -> Questionnaire:
    """Add, change and delete questions of a version that has no answers yet."""
    _require_admin(by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.responses.exists():
        raise ValidationError(_("Enkäten har svar och kan inte ändras. Kopiera den till ett nytt år."))
    for question in deleted:
        question.delete()
    for question in changed:
        question.questionnaire = questionnaire
        question.save()
    return questionnaire


@transaction.atomic
def copy_questionnaire(questionnaire: Questionnaire, *, to_year: int, by: User) -> Questionnaire:
    """The version with its questions as another year's, for the admin to edit."""
    _require_admin(by)
    if Questionnaire.objects.filter(kind=questionnaire.kind, year=to_year).exists():
        raise ValidationError(
            {"to_year": _("%(year)s har redan en version av enkäten; välj ett annat år.") % {"year": to_year}}
        )
    return copy_version(questionnaire, to_year)


@transaction.atomic
def keep_quote(answer: Answer, *, by: User, keep: bool = True) -> Answer:
    if not by.is_head:
        raise PermissionDenied(_("Citat väljs av chefer och administratörer."))
    if answer.type != Question.Type.TEXT:
        raise ValidationError(_("Bara fritextsvar kan bli citat."))
    answer.is_quote = keep
    answer.save(update_fields=["is_quote"])
    return answer
