"""The plan's personal data: who was reminded by e-mail, and the plan imports' error lists.

Found by the registry in `rekrytering.privacy`, like every app's `privacy` module. The plan's own
event log (who changed what, and why) is the plan's audit trail and goes with the plan.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from rekrytering.privacy import Holding, day

from .models import PlanImportJob, PlanReminder


def holdings() -> list[Holding]:
    reminders = PlanReminder.objects.aggregate(n=Count("pk"), oldest=Min("due_on"))
    jobs = PlanImportJob.objects.aggregate(n=Count("pk"), oldest=Min("created_at"))
    return [
        Holding(
            "Påminnelser om planens uppföljning (vem som fick e-post)",
            reminders["n"],
            day(reminders["oldest"]),
            f"Raderas {settings.RETENTION_AUDIT_DAYS} dagar efter tertialens sista dag för uppföljning.",
        ),
        Holding(
            "Importjobb för verksamhetsplaner (felrader kan citera filen)",
            jobs["n"],
            day(jobs["oldest"]),
            f"Raderas efter {settings.RETENTION_IMPORT_JOB_DAYS} dagar; "
            "den uppladdade filen direkt efter importen.",
        ),
    ]


def purge(now: datetime) -> dict[str, int]:
    today = timezone.localdate(now)
    with transaction.atomic():
        reminders = PlanReminder.objects.filter(
            due_on__lt=today - timedelta(days=settings.RETENTION_AUDIT_DAYS)
        )
        jobs = PlanImportJob.objects.filter(
            created_at__lt=now - timedelta(days=settings.RETENTION_IMPORT_JOB_DAYS)
        )
        removed_jobs = 0
        for job in jobs:
            if job.file:
                job.file.delete(save=False)
            job.delete()
            removed_jobs += 1
        return {
            "planpåminnelser raderade": reminders.delete()[1].get(PlanReminder._meta.label, 0),
            "importjobb för planer raderade": removed_jobs,
        }
