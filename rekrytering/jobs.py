"""Background jobs: a row that a Celery task takes up, reports progress on and finishes.

`BackgroundJob` is what every job keeps (state, progress `processed` of `total`, who asked for it,
when it was made and finished) and `run_job` the body of every job's task: it takes the job under
`select_for_update`, hands the work a `progress` function, and records the end with the job's
`finish` or `fail`. `resume_pending_jobs` is the beat sweep; `job_page` with a status partial
extending `templates/jobs/_status.html` is the status page that htmx polls while the job runs.

Two kinds of job stand on it: the imports (`ImportJobBase`, `run_import_job`, below: an upload
checked and written by an import function; `assignments.ImportJob`, `planning.PlanImportJob`) and
the tertial report (`reporting.TertialReport`, built by `reporting.services.build_tertial_report`).

Progress: each progress `.update()` runs outside any transaction, so it commits at once and the
polling page sees it, on PostgreSQL as on SQLite. An import checks its rows (reporting progress)
before its write transaction opens; the page shows "Sparar" meanwhile. A second connection for
progress inside that transaction would work on PostgreSQL, but on SQLite it would wait for the
write lock the import holds.

Safe to run twice: the state is checked and set under `select_for_update`. A job left `running` is
taken up again only by a retry or by Redis redelivering the message of a worker that died; a job's
work is all or nothing (an import writes in one transaction, a report saves its file at the end),
so nothing of that first run was kept.
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

TRANSIENT = (OperationalError, InterfaceError)
# For @shared_task(**JOB_TASK_OPTIONS): a database that was away for a moment is tried again,
# with exponential backoff and jitter (10, 20, 40 s at most), three times.
JOB_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "max_retries": 3,
    "retry_backoff": 10,
    "retry_jitter": True,
}

UNAVAILABLE = _("Databasen svarade inte. Inget sparades; försök igen senare.")
UNEXPECTED = _("Ett oväntat fel inträffade. Inget sparades.")


class BackgroundJob(models.Model):
    """A job waiting for, running in or finished by its task. Subclasses name their status page
    (`detail_url_name`) and say how a failure is kept (`failure_fields`)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Väntar")
        RUNNING = "running", _("Pågår")
        DONE = "done", _("Klar")
        # The stored labels are every job model's choices (a change is a migration of each); the
        # imports' word for a failure stands here, and a job that fails otherwise says so in
        # `state_labels`.
        FAILED = "failed", _("Fel i filen")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    detail_url_name = ""  # the job's status page, with its pk
    state_labels: dict = {}  # a kind of job's own word for a state, e.g. {State.RUNNING: "Skapas"}

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def get_absolute_url(self):
        return reverse(self.detail_url_name, args=[self.pk])

    @property
    def state_label(self) -> str:
        return self.state_labels.get(self.state) or self.get_state_display()

    @property
    def running(self) -> bool:
        """Waiting or running: the status page polls itself."""
        return self.state in (self.State.PENDING, self.State.RUNNING)

    @property
    def percent(self) -> int:
        if self.total:
            return min(100, int(100 * self.processed / self.total))
        return 100 if self.state == self.State.DONE else 0

    def failure_fields(self, message: str, error: BaseException | None = None) -> dict:
        """The fields that keep why the job failed: `message` for the user, `error` if one was raised."""
        raise NotImplementedError

    def finish(self, **fields) -> None:
        """Record the end (the state and the result fields) in one UPDATE."""
        type(self).objects.filter(pk=self.pk).update(finished_at=timezone.now(), **fields)

    def fail(self, message: str, error: BaseException | None = None) -> None:
        self.finish(state=self.State.FAILED, **self.failure_fields(message, error))


Progress = Callable[..., None]  # progress(processed, total, **other_fields_of_the_job)
Work = Callable[[BackgroundJob, Progress], dict]


def run_job(task, model: type[BackgroundJob], job_id: int, work: Work) -> str:
    """Run the job `job_id` of `model` once with `work(job, progress)`; see the module doc.

    `work` returns the finished job's fields, its `state` (DONE or FAILED) among them, and they are
    saved with `job.finish`. An exception is a failure (`job.fail`), except a transient database
    error, which the task's JOB_TASK_OPTIONS retry until the last try. Returns "done", "failed",
    "skipped" (the job is taken, or finished) or "missing".
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

    def progress(processed: int, total: int, **fields) -> None:
        model.objects.filter(pk=job_id).update(processed=processed, total=total, **fields)

    try:
        fields = work(job, progress)
    except TRANSIENT as error:
        # The work was not kept; JOB_TASK_OPTIONS retries it, until the last try.
        if task.request.retries >= task.max_retries:
            job.fail(str(UNAVAILABLE), error)
        raise
    except Exception as error:  # the page must show that it failed, not poll for ever
        logger.exception("Job %s %s failed", model.__name__, job_id)
        job.fail(str(UNEXPECTED), error)
        return "failed"
    job.finish(**fields)
    return model.State(fields["state"]).value


def resume_pending_jobs(model: type[BackgroundJob], task) -> int:
    """For beat: enqueue the jobs still pending whose message never reached the broker."""
    return resume_stale(model.objects.filter(state=model.State.PENDING), task)


def job_page(
    request, job: BackgroundJob, *, status_template: str, nav: str, page_template: str = "jobs/detail.html"
):
    """The job's page, or only its status section when htmx polls it.

    `status_template` extends jobs/_status.html; `page_template` extends jobs/page.html (the
    default is the imports' page)."""
    context = {"nav": nav, "job": job, "status_template": status_template}
    return render(request, status_template if request.htmx else page_template, context)


# --- Imports ------------------------------------------------------------------------------------

MAX_STORED_ERRORS = 1000


class ImportJobBase(BackgroundJob):
    """An upload, checked and imported by its task with `run_import_job`."""

    file = models.FileField(upload_to="imports/%Y/")
    original_name = models.CharField(max_length=255)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)

    start_url_name = ""  # the upload page

    class Meta(BackgroundJob.Meta):
        abstract = True

    def __str__(self):
        return f"Import {self.original_name} ({self.state_label})"

    @property
    def start_url(self):
        return reverse(self.start_url_name)

    @property
    def errors_have_sheets(self) -> bool:
        return any(error.get("sheet") for error in self.errors)

    def failure_fields(self, message, error=None):
        return {"errors": [{"line": 0, "column": "", "message": message}], "error_count": 1}

    def finish(self, **fields):
        """…and delete the upload: it may hold personal data, and is not needed again. A job that
        is retried keeps it (it is not finished)."""
        if self.file:
            self.file.delete(save=False)
        super().finish(file="", **fields)


@dataclass
class ImportOutcome:
    """What an import function hands back: its errors (with `as_dict()`), rows and result fields."""

    errors: list
    total: int = 0
    fields: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.errors


ImportFunction = Callable[[ImportJobBase, object, Progress], ImportOutcome]


def run_import_job(task, model: type[ImportJobBase], job_id: int, work: ImportFunction) -> str:
    """Run the import `job_id` of `model` once with `work(job, file, progress)` (see `run_job`).

    Returns "done", "failed", "skipped" (already taken) or "missing". The upload is deleted once
    the job is finished, whatever the outcome.
    """

    def import_file(job: ImportJobBase, progress: Progress) -> dict:
        try:
            with job.file.open("rb") as handle:
                outcome = work(job, handle, progress)
        except FileNotFoundError:
            message = "Den uppladdade filen finns inte längre. Ladda upp den igen."
            return {"state": model.State.FAILED, **job.failure_fields(message)}
        return {
            "state": model.State.DONE if outcome.ok else model.State.FAILED,
            "total": outcome.total,
            "processed": outcome.total,
            "errors": [error.as_dict() for error in outcome.errors[:MAX_STORED_ERRORS]],
            "error_count": len(outcome.errors),
            **outcome.fields,
        }

    return run_job(task, model, job_id, import_file)
