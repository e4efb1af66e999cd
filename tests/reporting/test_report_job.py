"""The tertial report as a background job (rekrytering.jobs through reporting.tasks): progress under
the job's names, run once, retried on a database that was away, failure shown, the beat sweep."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from rekrytering.celery import app
from reporting.document import STEPS as document_steps
from reporting.models import TertialReport
from reporting.tasks import build_report, resume_pending_reports
from reporting.workbook import STEPS as workbook_steps


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def workbook(monkeypatch):
    """Stand-ins for the workbook and the Word document: two steps each (numbered from 1, as the
    real ones number theirs after the figures), each seen in the database while it runs."""
    seen = []

    def stand_in(content, labels):
        def build(year, tertial, progress=None, data=None):
            assert set(data) >= {"keys", "tables", "plan"}  # the figures, fetched once for both
            for step, label in enumerate(labels, start=1):
                progress(step, 2, label)
                report = TertialReport.objects.get(state="running")
                seen.append((report.state, report.processed, report.total, report.step_label, report.percent))
            return content

        return build

    monkeypatch.setattr(
        "reporting.workbook.build_workbook", stand_in(b"PK\x03\x04 workbook", ["Sammanfattning", "Citat"])
    )
    monkeypatch.setattr(
        "reporting.document.build_document",
        stand_in(b"PK\x03\x04 document", ["Word: nyckeltal", "Word: sparar"]),
    )
    return seen


@pytest.fixture
def retries_kept():
    """As on a worker: a retried task's exception is the task's, not the caller's."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def order(chef, **fields):
    return TertialReport.objects.create(year=2026, tertial=1, created_by=chef, **fields)


@pytest.mark.django_db
def test_progress_is_kept_under_the_jobs_names_and_the_report_mailed(chef, media, workbook):
    report = order(chef)
    assert build_report.apply(args=[report.pk]).get() == "done"
    # One progress over both files: the workbook's 12 steps (the figures, then 11 sheets), then
    # the document's 4.
    assert (workbook_steps, document_steps) == (12, 4)
    assert workbook == [
        ("running", 1, 16, "Sammanfattning", 6),
        ("running", 2, 16, "Citat", 12),
        ("running", 13, 16, "Word: nyckeltal", 81),
        ("running", 14, 16, "Word: sparar", 87),
    ]
    report.refresh_from_db()
    assert (report.state, report.processed, report.total, report.percent) == ("done", 16, 16, 100)
    assert report.step_label == "Klar" and report.finished_at is not None
    assert report.file.read() == b"PK\x03\x04 workbook"
    assert report.document.read() == b"PK\x03\x04 document"
    assert (
        report.document.name.endswith(".docx") and report.document_filename == "tertialrapport-2026-T1.docx"
    )
    assert len(mail.outbox) == 1 and report.get_absolute_url() in mail.outbox[0].body


@pytest.mark.django_db
def test_report_is_built_once(chef, media, workbook):
    report = order(chef)
    assert build_report.apply(args=[report.pk]).get() == "done"
    assert build_report.apply(args=[report.pk]).get() == "skipped"
    assert build_report.apply(args=[10**6]).get() == "missing"
    # Taken by another worker: left alone, unless this is that worker's retry or redelivery.
    running = order(chef, state="running", processed=1, total=2)
    assert build_report.apply(args=[running.pk]).get() == "skipped"
    assert build_report.apply(args=[running.pk], retries=1).get() == "done"
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("away, calls, state", [(1, 2, "done"), (10, 4, "failed")])
@pytest.mark.django_db
def test_a_database_that_was_away_is_tried_again(chef, media, monkeypatch, retries_kept, away, calls, state):
    """Retried (in-process here, with backoff on a worker) three times; then the report fails."""
    tries = []

    def build(year, tertial, progress=None, data=None):
        tries.append(1)
        if len(tries) <= away:
            raise OperationalError("server closed the connection unexpectedly")
        return b"PK"

    monkeypatch.setattr("reporting.workbook.build_workbook", build)
    report = order(chef)
    build_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert (len(tries), report.state) == (calls, state)
    if state == "failed":
        assert report.error.startswith("Databasen svarade inte. Inget sparades; försök igen senare.")


@pytest.mark.django_db
def test_a_failed_build_is_shown_and_kept_for_the_administrator(
    client, chef, media, monkeypatch, django_capture_on_commit_callbacks
):
    def build(year, tertial, progress=None, data=None):
        raise ValueError("trasig rad")

    monkeypatch.setattr("reporting.workbook.build_workbook", build)
    client.force_login(chef)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-create"), {"ar": 2026, "tertial": 1})
    report = TertialReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.state == "failed" and report.finished_at is not None and not report.file
    assert report.error == "Ett oväntat fel inträffade. Inget sparades. (ValueError: trasig rad)"
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Rapporten kunde inte skapas" in page and f"rapportens nummer {report.pk}" in page
    assert "hx-get" not in page and "trasig rad" not in page
    listing = client.get(reverse("report-list")).content.decode()
    assert '<td data-label="Status">Misslyckades</td>' in listing
    assert not mail.outbox


@pytest.mark.django_db
def test_beat_builds_the_reports_whose_message_was_lost(chef, media, workbook):
    stale = order(chef)
    TertialReport.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    fresh = order(chef)
    assert resume_pending_reports.apply().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, fresh.state) == ("done", "pending")
    schedule = django_settings.CELERY_BEAT_SCHEDULE["resume-pending-reports"]
    assert schedule["task"] == "reporting.tasks.resume_pending_reports"
