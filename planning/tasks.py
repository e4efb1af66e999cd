"""Celery tasks of the plan: the Excel import runs here, so the page can show its progress."""

from celery import shared_task

from rekrytering.jobs import JOB_TASK_OPTIONS, ImportOutcome, resume_pending_jobs, run_import_job

from .excel import import_plan
from .models import PlanImportJob
from .services import propose_measures


def _import(job: PlanImportJob, file, progress) -> ImportOutcome:
    result = import_plan(year=job.year, unit=job.unit, title=job.title, file=file, progress=progress)
    if result.plan is not None:
        propose_measures(result.plan)  # for a person to accept, change or reject on the plan's page
    return ImportOutcome(errors=result.errors, total=result.total, fields={"plan": result.plan})


@shared_task(**JOB_TASK_OPTIONS)
def run_plan_import(self, job_id: int) -> str:
    """Run an uploaded plan import once (rekrytering.jobs); a finished job is left alone."""
    return run_import_job(self, PlanImportJob, job_id, _import)


@shared_task
def resume_pending_plan_imports() -> int:
    """Every few minutes: enqueue plan imports still pending, whose message never reached the broker."""
    return resume_pending_jobs(PlanImportJob, run_plan_import)
