"""Celery tasks of the register: the Access import runs here, so the page can show its progress."""

import logging

from celery import shared_task

from rekrytering.jobs import JOB_TASK_OPTIONS, ImportOutcome, resume_pending_jobs, run_import_job

from .importing import Confirmations, import_assignments
from .models import ImportJob

logger = logging.getLogger(__name__)


def _confirmations(confirmed: dict) -> Confirmations:
    """What the job's person confirmed (services.confirm_import), as the import takes it."""
    return Confirmations(
        names=frozenset(name["key"] for name in confirmed.get("names", [])),
        price_lists=confirmed.get("price_lists", []),
    )


def _import(job: ImportJob, file, progress) -> ImportOutcome:
    result = import_assignments(
        file=file,
        filename=job.original_name,
        by=job.created_by,
        progress=progress,
        confirmed=_confirmations(job.confirmed),
    )
    return ImportOutcome(
        errors=result.errors,
        total=result.total,
        fields={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "created_names": result.created_names if result.ok else {},
            "confirmation": result.confirmation,
            # Only a confirmation stops it: keep the upload for the run after it.
            "keep_file": result.needs_only_confirmation,
        },
    )


@shared_task(**JOB_TASK_OPTIONS)
def run_import(self, job_id: int) -> str:
    """Run an uploaded import once (rekrytering.jobs); a job that is done or failed is left alone."""
    return run_import_job(self, ImportJob, job_id, _import)


@shared_task
def purge_personal_data() -> dict:
    """Nightly: the retention rules of every app (assignments.privacy)."""
    from rekrytering.privacy import purge_all

    done = purge_all()
    logger.info("Personal data purged: %s", ", ".join(f"{k} {v}" for k, v in done.items()))
    return done


@shared_task
def clear_expired_sessions() -> None:
    """Nightly: Django's clearsessions (expired database sessions)."""
    from django.core.management import call_command

    call_command("clearsessions")


@shared_task
def resume_pending_imports() -> int:
    """Every few minutes: enqueue imports still pending, whose message never reached the broker."""
    return resume_pending_jobs(ImportJob, run_import)
