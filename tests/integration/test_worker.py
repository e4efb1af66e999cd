"""Against a real Redis broker and a real Celery worker (runs when REDIS_URL is set, as in CI)."""

import os
import time
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from assignments import services as assignment_services
from assignments.models import Assignment, ImportJob
from surveys.models import Invitation
from tests.assignments.test_import import GOOD, csv_bytes
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, SectorFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL är inte satt: ingen riktig broker att köra mot"
    ),
]


@pytest.fixture
def worker(transactional_db, settings):
    from celery.contrib.testing.worker import start_worker

    from rekrytering.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    app.conf.task_always_eager = False
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20):
        yield app


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_import_job_runs_on_worker(worker, admin_user, konsult, price_list_2026, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SectorFactory(name="Skola")
    from assignments.tasks import run_import

    with transaction.atomic():
        job = ImportJob.objects.create(
            file=SimpleUploadedFile("u.csv", csv_bytes([GOOD])), original_name="u.csv", created_by=admin_user
        )
        transaction.on_commit(lambda: run_import.delay(job.pk))
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == "done")
    assert Assignment.objects.filter(number="2026-0101").exists()


def test_closing_sends_invitations_through_worker(worker, konsult, chef):
    mail.outbox = []
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    assignment = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 2))
    assignment_services.close_assignment(
        assignment,
        by=konsult,
        outcome="tillsatt",
        closed_on=date(2026, 4, 20),
        candidate_name="Kim",
        candidate_email="kim@example.org",
        candidate_start=date(2026, 6, 1),
    )
    assert wait_for(lambda: Invitation.objects.filter(status="sent").count() == 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([assignment.manager.email, "kim@example.org"])
