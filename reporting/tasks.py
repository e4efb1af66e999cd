"""Celery task that builds a tertial report. Takes an id, is safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import TertialReport

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, soft_time_limit=300, time_limit=360)
def build_report(self, report_id: int):
    from .workbook import build_workbook

    with transaction.atomic():
        report = TertialReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.state not in (TertialReport.State.PENDING, TertialReport.State.RUNNING):
            return False
        report.state = TertialReport.State.RUNNING
        report.save(update_fields=["state"])

    def progress(step, steps, label):
        TertialReport.objects.filter(pk=report_id).update(step=step, steps=steps, step_label=label[:100])

    try:
        content = build_workbook(report.year, report.tertial, progress=progress)
    except Exception as error:  # the page must show that it failed, not spin forever
        log.exception("Tertialrapport %s kunde inte skapas", report_id)
        TertialReport.objects.filter(pk=report_id).update(
            state=TertialReport.State.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return False
    report.refresh_from_db()
    report.file.save(report.filename, ContentFile(content), save=False)
    report.state, report.step, report.finished_at = TertialReport.State.DONE, report.steps, timezone.now()
    report.step_label = "Klar"
    report.save(update_fields=["file", "state", "step", "finished_at", "step_label"])
    if report.created_by.email:
        link = settings.SITE_URL + reverse("report-detail", args=[report.pk])
        send_mail(
            f"Tertialrapport {report.tertial} {report.year} är klar",
            f"Hej!\n\nTertialrapporten för tertial {report.tertial} {report.year} är klar. "
            f"Hämta den här:\n{link}\n\nServiceförvaltningen Rekrytering",
            None,
            [report.created_by.email],
        )
    return True


@shared_task
def resume_pending_reports() -> int:
    """Every few minutes: enqueue reports still pending, whose message never reached the broker."""
    from rekrytering.celery import resume_stale

    return resume_stale(TertialReport.objects.filter(state=TertialReport.State.PENDING), build_report)
