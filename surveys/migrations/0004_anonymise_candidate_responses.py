"""Existing data made as new data is: candidate answers unlinkable from their assignments.

- Every response to a personal link gets `sent_in`, the tertial its link was sent in (response
  rates now count answers on the responses).
- Every candidate response keeps only its answer month and, where surveys.anonymity.coarsen allows
  it, the send tertial and the unit; the consultant, organisation, sector and package go.
  The send date of an old candidate response is taken from the one answered invitation that the
  old columns matched it to (consultant, organisation, sector, package, answer date within the
  link's life); when none or several matched, the answer month stands in.
- Every sent candidate invitation is made to look like every other: answered ones become sent or
  expired, reminders are set to what every unanswered one got, and the contact data and token
  salt of all of them is deleted (on the invitation, the assignment and the assignment's history;
  the open ones get no more reminders). Still-open links that were answered are marked used in
  SpentLink, so they cannot be answered twice.
- The old rows keep their dead versions in PostgreSQL until the table is vacuumed, and in older
  backups: run `VACUUM FULL surveys_response, surveys_answer, surveys_invitation` after the
  migration and let old backups expire.
"""

import base64
import hashlib
import hmac
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from rekrytering.periods import month_start, tertial_start
from surveys.anonymity import coarsen

CANDIDATE = "kandidatenkat"
SENT_STATES = ("sent", "answered", "expired")


def _token(salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"survey-link:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _spent(token: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"spent-link:{token}".encode(), hashlib.sha256).hexdigest()


def _day(moment):
    return timezone.localdate(moment)


def forwards(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Response = apps.get_model("surveys", "Response")
    Answer = apps.get_model("surveys", "Answer")
    SpentLink = apps.get_model("surveys", "SpentLink")
    Assignment = apps.get_model("assignments", "Assignment")
    HistoricalAssignment = apps.get_model("assignments", "HistoricalAssignment")
    now = timezone.now()

    # 1. The send tertial of every non-anonymous response, from its assignment's invitation.
    sent_at = {
        (row["assignment_id"], row["questionnaire__kind"]): row["sent_at"]
        for row in Invitation.objects.filter(shared=False, sent_at__isnull=False, assignment__isnull=False)
        .exclude(questionnaire__kind=CANDIDATE)
        .order_by("sent_at")
        .values("assignment_id", "questionnaire__kind", "sent_at")
    }
    changed = []
    for response in Response.objects.exclude(kind=CANDIDATE).filter(assignment__isnull=False):
        moment = sent_at.get((response.assignment_id, response.kind))
        if moment is not None:
            response.sent_in = tertial_start(_day(moment))
            changed.append(response)
    Response.objects.bulk_update(changed, ["sent_in"], batch_size=1000)

    # 2. Candidate responses: the old join, once, to find each one's send date; then coarsened.
    candidates = list(
        Invitation.objects.filter(questionnaire__kind=CANDIDATE, shared=False, status__in=SENT_STATES)
        .select_related("assignment__package", "assignment__responsible")
        .order_by("id")
    )
    answered = {}
    for invitation in candidates:
        if invitation.status != "answered" or invitation.assignment is None:
            continue
        a = invitation.assignment
        key = (a.responsible_id, a.organisation_id, a.sector_id, a.package.code, invitation.questionnaire_id)
        answered.setdefault(key, []).append(invitation)
    peers_of = {}
    for invitation in candidates:
        a = invitation.assignment
        peers_of.setdefault(invitation.questionnaire_id, []).append(
            (
                a.responsible.unit_id if a else None,
                invitation.sent_at,
                invitation.expires_at,
                a.psychometric_tests if a else None,
            )
        )
    # An answer that repeats what the assignment records narrows its peers (ANSWER_MIRRORS).
    tests_answer = dict(
        Answer.objects.filter(
            response__kind=CANDIDATE, question_key="tester_genomforda", yes__isnull=False
        ).values_list("response_id", "yes")
    )
    changed = []
    for response in Response.objects.filter(kind=CANDIDATE):
        key = (
            response.consultant_id,
            response.organisation_id,
            response.sector_id,
            response.package_code,
            response.questionnaire_id,
        )
        matches = [
            i
            for i in answered.get(key, [])
            if i.sent_at
            and _day(i.sent_at) <= response.answered_on
            and (i.expires_at is None or response.answered_on <= _day(i.expires_at))
        ]
        tertials = {tertial_start(_day(i.sent_at)) for i in matches}
        own_sent = _day(matches[0].sent_at) if len(tertials) == 1 else response.answered_on
        # The old rows kept the answer date: the peers are the links open on that day.
        start = timezone.make_aware(datetime.combine(response.answered_on, time.min))
        end = start + timedelta(days=1)
        tests = tests_answer.get(response.pk)
        peers = [
            (unit, _day(sent))
            for unit, sent, expires, used_tests in peers_of.get(response.questionnaire_id, [])
            if sent
            and sent < end
            and (expires is None or expires > start)
            and (tests is None or used_tests == tests)
        ]
        unit = response.unit_id
        response.sent_in, response.unit_id = coarsen(peers, unit, own_sent) if peers else (None, None)
        response.answered_on = month_start(response.answered_on)
        response.consultant_id = response.organisation_id = response.sector_id = None
        response.package_code = ""
        response.assignment_id = None
        changed.append(response)
    Response.objects.bulk_update(
        changed,
        ["sent_in", "unit", "answered_on", "consultant", "organisation", "sector", "package_code", "assignment"],
        batch_size=1000,
    )

    # 3. Every sent candidate invitation alike.
    steps = sorted(settings.SURVEY_REMINDER_DAYS)
    spent = []
    for invitation in candidates:
        if invitation.status == "answered":
            open_link = invitation.expires_at is None or invitation.expires_at > now
            if open_link and invitation.token_salt:
                spent.append(SpentLink(digest=_spent(_token(invitation.token_salt)), month=month_start(_day(now))))
            # A used link that cannot be marked used (no salt to remake its token) is closed.
            invitation.status = "sent" if open_link and invitation.token_salt else "expired"
        invitation.answered_on = None
        invitation.answer_count = 0
        if invitation.sent_at:
            until = min(now, invitation.expires_at) if invitation.expires_at else now
            passed = [d for d in steps if invitation.sent_at + timedelta(days=d) <= until]
            invitation.reminders_sent = len(passed)
            invitation.last_reminder_at = invitation.sent_at + timedelta(days=passed[-1]) if passed else None
        # No address and no salt for any of them: no more e-mails, and no way to remake a token.
        invitation.recipient_name = invitation.email = invitation.token_salt = ""
    fields = ["status", "answered_on", "answer_count", "reminders_sent", "last_reminder_at"]
    Invitation.objects.bulk_update(
        candidates, [*fields, "recipient_name", "email", "token_salt"], batch_size=1000
    )
    SpentLink.objects.bulk_create(spent, ignore_conflicts=True)
    assignment_ids = [i.assignment_id for i in candidates if i.assignment_id]
    for start in range(0, len(assignment_ids), 1000):
        chunk = assignment_ids[start : start + 1000]
        Assignment.objects.filter(pk__in=chunk).update(candidate_name="", candidate_email="")
        HistoricalAssignment.objects.filter(id__in=chunk).update(candidate_name="", candidate_email="")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_anonymous_candidate_responses"),
        ("assignments", "0003_package_unit_tillfalle"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]

