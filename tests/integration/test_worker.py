"""Against a real Redis broker and a real Celery worker (runs when REDIS_URL is set, as in CI)."""

import os
import time
from datetime import date

import pytest
from django.core import mail

from assignments import services as assignment_services
from surveys.models import Invitation
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL är inte satt: ingen riktig broker att köra mot"
    ),
]


@pytest.fixture
def worker(transactional_db, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("En worker i egen tråd behöver PostgreSQL (SQLite låser tabellen mellan trådarna)")
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


def test_tertial_report_is_built_by_the_worker_as_workbook_and_document(worker, chef, settings, tmp_path):
    """The report task on a real worker: one job, both files, the e-mail with the link."""
    from io import BytesIO

    from docx import Document
    from openpyxl import load_workbook

    from reporting.models import TertialReport
    from reporting.services import request_tertial_report
    from reporting.workbook import SHEETS

    settings.MEDIA_ROOT = tmp_path
    mail.outbox = []
    report = request_tertial_report(year=2026, tertial=1, by=chef)
    assert wait_for(lambda: TertialReport.objects.get(pk=report.pk).state == "done", timeout=120)
    report.refresh_from_db()
    assert (report.processed, report.total, report.step_label) == (16, 16, "Klar")
    assert load_workbook(BytesIO(report.file.read())).sheetnames == SHEETS
    title = [p.text for p in Document(BytesIO(report.document.read())).paragraphs if p.style.name == "Title"]
    assert title == ["Tertialrapport 1 2026"]
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert report.get_absolute_url() in mail.outbox[0].body and "Word-dokument" in mail.outbox[0].body
