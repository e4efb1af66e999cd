"""Celery tasks of the register: the Access import runs here, so the page can show its progress."""

import logging
import random

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from .importing import import_assignments
from .models import ImportJob

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000


def _finish(job_id: int, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)


def _fail(job_id: int, message: str) -> None:
    _finish(
        job_id,
        state=ImportJob.State.FAILED,
        errors=[{"line": 0, "column": "", "message": message}],
        error_count=1,
    )


@shared_task(bind=True, acks_late=True, max_retries=3)
def run_import(self, job_id: int) -> str:
    """Run an uploaded import once; a job that is done or failed is left alone.

    Progress: `import_assignments` reports it while it checks the rows, before its write
    transaction opens, and this task is not inside a transaction then; so each `.update()` below
    commits at once and the polling page sees it, on PostgreSQL as on SQLite. The write itself
    (a few seconds for 10 000 rows) runs in one transaction; the page shows "Sparar" meanwhile.
    A second connection for progress inside that transaction would work on PostgreSQL, but on
    SQLite it would wait for the write lock the import holds.

    Safe to run twice: the state is checked and set under `select_for_update`. A job left
    `running` is taken up again only by a retry or by Redis redelivering the message of a worker
    that died; the import is all or nothing, so nothing of that first run was saved.
    """
    resumable = self.request.retries > 0 or bool((self.request.delivery_info or {}).get("redelivered"))
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.state != ImportJob.State.PENDING and not (job.state == ImportJob.State.RUNNING and resumable):
            return "skipped"
        job.state, job.processed, job.total = ImportJob.State.RUNNING, 0, 0
        job.save(update_fields=["state", "processed", "total"])

    def progress(processed: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed=processed, total=total)

    try:
        with job.file.open("rb") as handle:
            result = import_assignments(
                file=handle, filename=job.original_name, by=job.created_by, progress=progress
            )
    except FileNotFoundError:
        _fail(job_id, "Den uppladdade filen finns inte längre. Ladda upp den igen.")
        return "failed"
    except (OperationalError, InterfaceError) as error:
        # The database was away for a moment; the import rolled back, so try again later.
        if self.request.retries < self.max_retries:
            # Exponential backoff with jitter, so retries of several jobs do not arrive together.
            countdown = 10 * 2**self.request.retries * random.uniform(0.5, 1.0)
            raise self.retry(exc=error, countdown=countdown) from error
        _fail(job_id, "Databasen svarade inte. Inget sparades; försök igen senare.")
        raise
    except Exception:
        logger.exception("Import job %s failed", job_id)
        _fail(job_id, "Ett oväntat fel inträffade. Inget sparades.")
        raise
    _finish(
        job_id,
        state=ImportJob.State.DONE if result.ok else ImportJob.State.FAILED,
        total=result.total,
        processed=result.total,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=[e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]],
        error_count=len(result.errors),
    )
    _discard_upload(job)
    return "done" if result.ok else "failed"


def _discard_upload(job: ImportJob) -> None:
    """The upload holds managers' names and e-mail addresses: keep it only until it is imported."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


@shared_task
def purge_personal_data() -> dict:
    """Nightly: the retention rules of every app (assignments.privacy)."""
    from .privacy import purge_all

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
    from rekrytering.celery import resume_stale

    return resume_stale(ImportJob.objects.filter(state=ImportJob.State.PENDING), run_import)
