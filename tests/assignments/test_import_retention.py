import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assignments.models import ImportJob
from assignments.tasks import run_import
from tests.assignments.test_import import GOOD, csv_bytes
from tests.factories import SectorFactory


@pytest.mark.django_db
@pytest.mark.parametrize("row", [GOOD, {**GOOD, "Paket": "Jättepaket"}])
def test_upload_deleted_once_imported(admin_user, konsult, price_list_2026, settings, tmp_path, row):
    settings.MEDIA_ROOT = tmp_path
    SectorFactory(name="Skola")
    job = ImportJob.objects.create(
        file=SimpleUploadedFile("u.csv", csv_bytes([row])), original_name="u.csv", created_by=admin_user
    )
    stored = tmp_path / job.file.name
    assert stored.exists()
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.state in ("done", "failed") and not job.file and not stored.exists()
