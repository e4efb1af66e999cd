"""Celery tasks of the surveys. They take ids, call a service, and are safe to run twice.

Beat sweeps what the database says is due, so nothing depends on a message that only lived in the
broker: a lost or duplicated message is repaired by the next sweep or refused by the state check.
"""

import random
import smtplib

from celery import shared_task
from django.conf import settings

from . import services

TRANSIENT = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_invitation(self, invitation_id: int):
    """Send one invitation. Every try mails the same link; the tries are counted on the invitation
    (up to SURVEY_SEND_MAX_TRIES) and the next one is due after a growing, jittered wait."""
    try:
        return services.send_invitation(invitation_id)
    except Exception as error:  # every failure counts, so none retries forever unseen
        retry_in = services.record_send_failure(
            invitation_id, error, max_tries=settings.SURVEY_SEND_MAX_TRIES, backoff=retry_countdown
        )
        if retry_in is None:
            return False
        raise self.retry(exc=error, countdown=retry_in) from error


def retry_countdown(tries: int) -> float:
    """Exponential backoff with jitter (half to whole of the step), capped at SURVEY_RETRY_MAX_SECONDS."""
    step = min(settings.SURVEY_RETRY_MAX_SECONDS, 2**tries * settings.SURVEY_RETRY_BASE_SECONDS)
    return step * random.uniform(0.5, 1.0)


@shared_task(
    bind=True, max_retries=3, acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_jitter=True
)
def send_reminder(self, invitation_id: int):
    return services.send_reminder(invitation_id)


@shared_task
def send_due_invitations():
    ids = services.due_invitation_ids()
    for pk in ids:
        send_invitation.delay(pk)
    return len(ids)


@shared_task
def send_due_reminders():
    ids = services.due_reminder_ids()
    for pk in ids:
        send_reminder.delay(pk)
    return len(ids)


@shared_task
def expire_invitations():
    return services.expire_invitations()
