"""The Celery application. Tasks run eagerly in-process unless REDIS_URL names a broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekrytering.settings")

app = Celery("rekrytering")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args) -> None:
    """Send a task once the transaction commits, without letting a broker outage fail the request.

    The database already holds the work (a scheduled invitation, a pending job) and a beat sweep
    picks up what is due, so a message that cannot be sent now is only late, never lost.
    """
    import logging

    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send():
        try:
            task.delay(*args)
        except OperationalError as error:
            logging.getLogger(__name__).warning(
                "Broker unavailable, %s%s left to the sweep: %s", task.name, args, error
            )

    transaction.on_commit(send)
