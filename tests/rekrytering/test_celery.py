"""The Celery settings that keep tasks from running twice or retrying forever."""

import inspect

from django.conf import settings

from rekrytering.celery import app
from surveys.tasks import retry_countdown


def our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_broker_visibility_outlasts_every_delay_and_time_limit():
    """Redis redelivers an unacknowledged message after the visibility timeout: no task may wait in
    the broker (a retry's countdown) plus run that long, or it would run twice."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest_wait = max(settings.SURVEY_RETRY_MAX_SECONDS, 10 * 2**3)  # send retries, import retries
    longest_run = max(settings.CELERY_TASK_TIME_LIMIT, *(t.time_limit or 0 for t in our_tasks().values()))
    assert visibility > longest_wait + longest_run


def test_every_retrying_task_has_a_limit_and_jittered_backoff():
    retrying = {}
    for name, task in our_tasks().items():
        source = inspect.getsource(task.run)
        autoretry = getattr(task, "autoretry_for", ())
        if "retry" in source or autoretry:
            retrying[name] = task
            limited = task.max_retries is not None or "MAX_TRIES" in source
            jittered = (
                task.retry_jitter if autoretry else ("uniform" in source or "retry_countdown" in source)
            )
            assert limited, f"{name} försöker igen utan gräns"
            assert jittered, f"{name} försöker igen utan slumpad väntetid"
    assert {
        "surveys.tasks.send_invitation",
        "surveys.tasks.send_reminder",
        "assignments.tasks.run_import",
    } <= set(retrying)


def test_send_backoff_grows_is_jittered_and_capped(settings):
    settings.SURVEY_RETRY_BASE_SECONDS = 15
    settings.SURVEY_RETRY_MAX_SECONDS = 600
    first = [retry_countdown(1) for _ in range(200)]
    assert 15 <= min(first) and max(first) <= 30 and len(set(first)) > 100
    assert all(120 <= retry_countdown(4) <= 240 for _ in range(50))
    assert all(300 <= retry_countdown(12) <= 600 for _ in range(50))


def test_beat_resumes_work_whose_message_never_reached_the_broker(db, konsult):
    from datetime import timedelta

    from django.utils import timezone

    from assignments.models import ImportJob
    from assignments.tasks import resume_pending_imports

    stale = ImportJob.objects.create(
        original_name="gammal.xlsx", created_by=konsult, file="imports/saknas.xlsx"
    )
    ImportJob.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    fresh = ImportJob.objects.create(original_name="ny.xlsx", created_by=konsult)
    assert resume_pending_imports.delay().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    # The stale job ran (its upload is gone, so it fails visibly); the fresh one waits for its message.
    assert stale.state == ImportJob.State.FAILED and "finns inte längre" in stale.errors[0]["message"]
    assert fresh.state == ImportJob.State.PENDING
    assert "resume-pending-imports" in settings.CELERY_BEAT_SCHEDULE
