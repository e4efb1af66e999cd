"""The Celery application. Tasks run eagerly in-process unless REDIS_URL names a broker."""

import logging
import os
from datetime import timedelta

from celery import Celery
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekrytering.settings")

app = Celery("rekrytering")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Send a task once the transaction commits, without letting a broker outage fail the request.

    The database already holds the work (a scheduled invitation, a pending job) and a beat sweep
    picks up what is due, so a message that cannot be sent now is only late, never lost.
    """

    def send():
        try:
            task.delay(*args)
        except OperationalError as error:
            log.warning("Broker unavailable, %s%s left to the sweep: %s", task.name, args, error)

    transaction.on_commit(send)


def resume_stale(queryset, task, *, minutes: int = 2) -> int:
    """Enqueue `task` for each row of `queryset` (pending work) created over `minutes` ago.

    For beat: work whose message never reached the broker (it was down) is picked up here. The
    tasks check the row's state under a lock, so one that already ran or runs twice does nothing.
    """
    ids = list(
        queryset.filter(created_at__lt=timezone.now() - timedelta(minutes=minutes)).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        task.delay(pk)
    return len(ids)
