"""The import through a real Celery worker and a real Redis broker.

Runs only when REDIS_URL is set, e.g.
`REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/pytest tests/assignments/test_import_worker.py`.
The worker runs in a thread of this process against the same test database, so the database
must be committed (transactional_db) and the app must not run tasks eagerly.
"""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assignments.models import Assignment, ImportJob
from tests.assignments.test_import import GOOD, csv_bytes, row
from tests.factories import SectorFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL är inte satt: testet behöver en riktig Redis-broker och en Celery-worker",
    ),
]


@pytest.fixture
def worker(transactional_db, settings):
    from celery.contrib.testing.worker import start_worker

    from rekrytering.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = previous


def wait_for_job(pk, timeout=60):
    """Poll the job as the page does; returns the job when finished and every (processed, total) seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=pk)
        if not seen or seen[-1] != (job.state, job.processed, job.total):
            seen.append((job.state, job.processed, job.total))
        if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
            return job, seen
        time.sleep(0.05)
    pytest.fail(f"Importen blev inte klar på {timeout} s: {seen}")


def test_upload_is_imported_by_the_worker(
    worker, client, admin_user, konsult, price_list_2026, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    SectorFactory(name="Skola")
    client.force_login(admin_user)
    rows = [row(Uppdragsnummer=f"2026-{i:04d}") for i in range(1, 2001)]

    response = client.post(
        reverse("import-start"), {"file": SimpleUploadedFile("uppdrag.csv", csv_bytes(rows))}
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import-detail", args=[job.pk])
    job, seen = wait_for_job(job.pk)
    assert (job.state, job.created, job.processed, job.total) == ("done", 2000, 2000, 2000), job.errors
    assert Assignment.objects.count() == 2000
    # Progress written by the worker's connection was visible to this one while it ran (on
    # PostgreSQL too: it is written outside the import's transaction).
    assert any(state == "running" and total == 2000 for state, _processed, total in seen), seen
    processed = [p for _state, p, _total in seen]
    assert processed == sorted(processed)
    page = client.get(response.url).content.decode()
    assert "<strong>2000</strong> nya" in page


def test_bad_file_fails_on_the_worker(
    worker, client, admin_user, konsult, price_list_2026, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    SectorFactory(name="Skola")
    client.force_login(admin_user)
    client.post(
        reverse("import-start"), {"file": SimpleUploadedFile("u.csv", csv_bytes([GOOD, row(Paket="x")]))}
    )
    job, _seen = wait_for_job(ImportJob.objects.get().pk)
    assert job.state == "failed"
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "Uppdragsnummer"), (3, "Paket")]
    assert not Assignment.objects.exists()
