"""Celery tasks of the register: the Access import runs here so the page can show its progress."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .importing import import_assignments
from .models import ImportJob


@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    """Run an uploaded import once. A job already started or finished is left alone.

    The rows are checked outside the write transaction and progress is saved as they are, so
    the page polling the job sees it move; the rows are then written in one transaction.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != ImportJob.State.PENDING:
            return "skipped"
        job.state = ImportJob.State.RUNNING
        job.save(update_fields=["state"])

    def progress(processed, total):
        ImportJob.objects.filter(pk=job_id).update(processed=processed, total=total)

    try:
        with job.file.open("rb") as handle:
            result = import_assignments(
                file=handle, filename=job.original_name, by=job.created_by, progress=progress
            )
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED,
            errors=[{"line": 0, "column": "", "message": "Ett oväntat fel inträffade. Inget sparades."}],
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.DONE if result.ok else ImportJob.State.FAILED,
        total=result.total,
        processed=result.total if result.ok else job.processed,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=[e.as_dict() for e in result.errors][:2000],
        error_count=len(result.errors),
        finished_at=timezone.now(),
    )
    return "done" if result.ok else "failed"
