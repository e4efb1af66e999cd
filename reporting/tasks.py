"""Celery tasks that build the tertial reports (rekrytering.jobs): take an id, safe to run twice."""

from celery import shared_task

from rekrytering.jobs import JOB_TASK_OPTIONS, resume_pending_jobs, run_job

from .models import TertialReport
from .services import build_tertial_report, notify_report_done


@shared_task(**JOB_TASK_OPTIONS, soft_time_limit=300, time_limit=360)
def build_report(self, report_id: int) -> str:
    """Build an ordered report once and e-mail its link; a report taken or finished is left alone."""
    outcome = run_job(self, TertialReport, report_id, build_tertial_report)
    if outcome == "done":
        notify_report_done(TertialReport.objects.select_related("created_by").get(pk=report_id))
    return outcome


@shared_task
def resume_pending_reports() -> int:
    """Every few minutes: enqueue reports still pending, whose message never reached the broker."""
    return resume_pending_jobs(TertialReport, build_report)
