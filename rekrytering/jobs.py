"""The background import: an uploaded file checked and imported by a Celery task.

`ImportJobBase` is the row every kind of import keeps (state, progress, errors, the upload);
`run_import_job` is the body of every import task; `resume_pending_jobs` the beat sweep; the
status page is `templates/jobs/_status.html` with `job_page`. An app adds a concrete model with its
own result fields, a task that calls `run_import_job` with a function doing the import, and a
`{% block done %}` for the page.

Progress: the import reports it while it checks the rows, before its write transaction opens, and
the task is not inside a transaction then; so each progress `.update()` commits at once and the
polling page sees it, on PostgreSQL as on SQLite. The write itself runs in one transaction; the
page shows "Sparar" meanwhile. A second connection for progress inside that transaction would work
on PostgreSQL, but on SQLite it would wait for the write lock the import holds.

Safe to run twice: the state is checked and set under `select_for_update`. A job left `running` is
taken up again only by a retry or by Redis redelivering the message of a worker that died; an
import is all or nothing, so nothing of that first run was saved.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import InterfaceError, OperationalError, models, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .celery import resume_stale

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
TRANSIENT = (OperationalError, InterfaceError)
# For @shared_task(**IMPORT_TASK_OPTIONS): a database that was away for a moment is tried again,
# with exponential backoff and jitter (10, 20, 40 s at most), three times.
IMPORT_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "max_retries": 3,
    "retry_backoff": 10,
    "retry_jitter": True,
}


class ImportJobBase(models.Model):
    """An upload waiting for, running in or finished by its task. Subclasses name their pages."""

    class State(models.TextChoices):
        PENDING = "pending", _("Väntar")
        RUNNING = "running", _("Pågår")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Fel i filen")

    file = models.FileField(upload_to="imports/%Y/")
    original_name = models.CharField(max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    detail_url_name = ""  # the job's status page, with its pk
    start_url_name = ""  # the upload page

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import {self.original_name} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse(self.detail_url_name, args=[self.pk])

    @property
    def start_url(self):
        return reverse(self.start_url_name)

    @property
    def percent(self):
        return int(100 * self.processed / self.total) if self.total else (100 if self.state == "done" else 0)

    @property
    def errors_have_sheets(self) -> bool:
        return any(error.get("sheet") for error in self.errors)


@dataclass
class ImportOutcome:
    """What an import function hands back: its errors (with `as_dict()`), rows and result fields."""

    errors: list
    total: int = 0
    fields: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.errors


Progress = Callable[[int, int], None]
ImportFunction = Callable[[ImportJobBase, object, Progress], ImportOutcome]


def run_import_job(task, model: type[ImportJobBase], job_id: int, work: ImportFunction) -> str:
    """Run the job `job_id` of `model` once with `work(job, file, progress)`; see the module doc.

    Returns "done", "failed", "skipped" (already taken) or "missing". The upload is deleted once
    the job is finished, whatever the outcome; a job that is retried keeps it.
    """
    retrying = task.request.retries > 0 or bool((task.request.delivery_info or {}).get("redelivered"))
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.state != model.State.PENDING and not (job.state == model.State.RUNNING and retrying):
            return "skipped"
        job.state, job.processed, job.total = model.State.RUNNING, 0, 0
        job.save(update_fields=["state", "processed", "total"])

    def progress(processed: int, total: int) -> None:
        model.objects.filter(pk=job_id).update(processed=processed, total=total)

    try:
        with job.file.open("rb") as handle:
            outcome = work(job, handle, progress)
    except FileNotFoundError:
        _fail(job, "Den uppladdade filen finns inte längre. Ladda upp den igen.")
        return "failed"
    except TRANSIENT:
        # The import rolled back; IMPORT_TASK_OPTIONS retries it, until the last try.
        if task.request.retries >= task.max_retries:
            _fail(job, "Databasen svarade inte. Inget sparades; försök igen senare.")
        raise
    except Exception:
        logger.exception("Import job %s %s failed", model.__name__, job_id)
        _fail(job, "Ett oväntat fel inträffade. Inget sparades.")
        raise
    _finish(
        job,
        state=model.State.DONE if outcome.ok else model.State.FAILED,
        total=outcome.total,
        processed=outcome.total,
        errors=[error.as_dict() for error in outcome.errors[:MAX_STORED_ERRORS]],
        error_count=len(outcome.errors),
        **outcome.fields,
    )
    return "done" if outcome.ok else "failed"


def _finish(job: ImportJobBase, **fields) -> None:
    """Record the outcome and delete the upload: it may hold personal data, and is not needed again."""
    if job.file:
        job.file.delete(save=False)
    type(job).objects.filter(pk=job.pk).update(file="", finished_at=timezone.now(), **fields)


def _fail(job: ImportJobBase, message: str) -> None:
    _finish(
        job,
        state=job.State.FAILED,
        errors=[{"line": 0, "column": "", "message": message}],
        error_count=1,
    )


def resume_pending_jobs(model: type[ImportJobBase], task) -> int:
    """For beat: enqueue the jobs still pending whose message never reached the broker."""
    return resume_stale(model.objects.filter(state=model.State.PENDING), task)


def job_page(request, job: ImportJobBase, *, status_template: str, nav: str):
    """The job's page, or only its status section when htmx polls it."""
    if request.htmx:
        return render(request, status_template, {"nav": nav, "job": job})
    return render(request, "jobs/detail.html", {"nav": nav, "job": job, "status_template": status_template})
