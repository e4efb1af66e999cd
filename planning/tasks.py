"""Celery tasks of the plan: the Excel import runs here, so the page can show its progress; beat
sweeps the tertials' reminders of what is still missing and a task sends each, once."""

import random

from celery import shared_task

from rekrytering.jobs import JOB_TASK_OPTIONS, ImportOutcome, resume_pending_jobs, run_import_job

from . import services
from .excel import import_plan
from .models import PlanImportJob


def _import(job: PlanImportJob, file, progress) -> ImportOutcome:
    result = import_plan(year=job.year, unit=job.unit, title=job.title, file=file, progress=progress)
    if result.plan is not None:
        services.link_responsibles(result.plan)  # the activities' initials, as the plan writes them
        services.propose_measures(result.plan)  # for a person to accept, change or reject
    return ImportOutcome(errors=result.errors, total=result.total, fields={"plan": result.plan})


@shared_task(**JOB_TASK_OPTIONS)
def run_plan_import(self, job_id: int) -> str:
    """Run an uploaded plan import once (rekrytering.jobs); a finished job is left alone."""
    return run_import_job(self, PlanImportJob, job_id, _import)


@shared_task
def resume_pending_plan_imports() -> int:
    """Every few minutes: enqueue plan imports still pending, whose message never reached the broker."""
    return resume_pending_jobs(PlanImportJob, run_plan_import)


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_plan_reminder(self, reminder_id: int) -> bool:
    """Send one reminder (services.send_plan_reminder: once, whatever delivers the message twice).
    A failure is counted on the reminder and retried with a growing, jittered wait, up to
    services.REMINDER_MAX_TRIES."""
    try:
        return services.send_plan_reminder(reminder_id)
    except Exception as error:  # every failure counts, so none retries forever unseen
        retry_in = services.record_reminder_failure(
            reminder_id, error, backoff=retry_countdown, max_tries=services.REMINDER_MAX_TRIES
        )
        if retry_in is None:
            return False
        raise self.retry(exc=error, countdown=retry_in) from error


def retry_countdown(tries: int) -> float:
    """Exponential backoff with jitter (half to whole of the step), 15 s doubling, at most 10 minutes."""
    return min(600.0, 2**tries * 15.0) * random.uniform(0.5, 1.0)


@shared_task
def send_due_plan_reminders() -> int:
    """Beat, every PLAN_REMINDER_SWEEP_SECONDS: make today's reminders and enqueue those not sent."""
    ids = services.due_plan_reminder_ids()
    for pk in ids:
        send_plan_reminder.delay(pk)
    return len(ids)
