"""The plan's personal data on the overview and in the nightly purge (planning/privacy.py)."""

from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from planning.models import PlanImportJob, PlanReminder
from rekrytering.privacy import all_holdings, purge_all
from tests.planning.factories import PlanFactory

NOW = datetime(2026, 11, 23, 2, 15, tzinfo=timezone.get_current_timezone())


def test_old_reminders_and_plan_import_jobs_are_purged(db, konsult, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plan = PlanFactory(year=2025)

    def reminder(due_on):
        return PlanReminder.objects.create(
            plan=plan, tertial=1, user=konsult, occasion="efter-3", due_on=due_on, status="sent"
        )

    old = reminder(date(2025, 5, 15))  # more than RETENTION_AUDIT_DAYS (365) before NOW
    recent = reminder(date(2025, 12, 15))

    def job(days_ago):
        made = PlanImportJob.objects.create(created_by=konsult, year=2026, original_name="plan.xlsx")
        made.file.save("plan.xlsx", ContentFile(b"x"), save=True)
        PlanImportJob.objects.filter(pk=made.pk).update(created_at=NOW - timedelta(days=days_ago))
        return made

    old_job, new_job = job(settings.RETENTION_IMPORT_JOB_DAYS + 1), job(10)
    old_file = old_job.file.path
    kinds = {h.kind: h for h in all_holdings()}
    held = kinds["Påminnelser om planens uppföljning (vem som fick e-post)"]
    assert (held.count, held.oldest) == (2, date(2025, 5, 15))
    assert kinds["Importjobb för verksamhetsplaner (felrader kan citera filen)"].count == 2

    done = purge_all(NOW)
    assert done["planpåminnelser raderade"] == 1 and done["importjobb för planer raderade"] == 1
    assert list(PlanReminder.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(PlanImportJob.objects.values_list("pk", flat=True)) == [new_job.pk]
    assert not (tmp_path / old_file).exists()
    assert not PlanReminder.objects.filter(pk=old.pk).exists()
