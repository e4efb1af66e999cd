"""The background-job base (rekrytering.jobs): every kind of job counts its progress, names its
states and shows its status section the same way."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assignments.models import ImportJob
from planning.models import PlanImportJob
from rekrytering.jobs import BackgroundJob
from reporting.models import TertialReport

KINDS = [ImportJob, PlanImportJob, TertialReport]


@pytest.mark.parametrize(
    "state, processed, total, percent",
    [
        ("pending", 0, 0, 0),
        ("running", 0, 0, 0),
        ("running", 0, 40, 0),
        ("running", 3, 10, 30),
        ("running", 2, 3, 66),  # rounded down: 100 % only when all is done
        ("running", 10, 10, 100),
        ("done", 10, 10, 100),
        ("done", 0, 0, 100),  # an empty job that is done is done (the report said 0 %)
        ("failed", 0, 0, 0),
        ("failed", 5, 10, 50),
    ],
)
def test_every_kind_of_job_reports_the_same_percent_for_the_same_state(state, processed, total, percent):
    jobs = [kind(state=state, processed=processed, total=total) for kind in KINDS]
    assert [job.percent for job in jobs] == [percent] * len(KINDS)
    assert [job.running for job in jobs] == [state in ("pending", "running")] * len(KINDS)


def test_one_set_of_states_with_each_kind_of_job_naming_them():
    assert all(kind.State is BackgroundJob.State for kind in KINDS)
    assert all(kind._meta.get_field("state").choices == BackgroundJob.State.choices for kind in KINDS)
    # As read from the database: plain strings.
    states = BackgroundJob.State.values
    labels = {state: [str(kind(state=state).state_label) for kind in KINDS] for state in states}
    assert labels == {
        "pending": ["Väntar", "Väntar", "Väntar"],
        "running": ["Pågår", "Pågår", "Skapas"],
        "done": ["Klar", "Klar", "Klar"],
        "failed": ["Fel i filen", "Fel i filen", "Misslyckades"],
    }


@pytest.fixture
def jobs_of_every_kind(admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def make(**fields):
        upload = {"file": SimpleUploadedFile("x.csv", b"x"), "original_name": "x.csv"}
        return [
            ImportJob.objects.create(created_by=admin_user, **upload, **fields),
            PlanImportJob.objects.create(created_by=admin_user, year=2030, **upload, **fields),
            TertialReport.objects.create(created_by=admin_user, year=2026, tertial=1, **fields),
        ]

    return make


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, polls, bar",
    [
        ({"state": "pending"}, True, None),
        ({"state": "running", "processed": 1, "total": 4}, True, 'max="100" value="25"'),
        ({"state": "done", "processed": 4, "total": 4}, False, None),
        ({"state": "failed"}, False, None),
    ],
)
def test_every_kind_of_job_shows_the_same_status_section(
    client, admin_user, jobs_of_every_kind, fields, polls, bar
):
    """One structure: the section htmx replaces, polling while the job runs, the progress bar."""
    client.force_login(admin_user)
    for job in jobs_of_every_kind(**fields):
        url = job.get_absolute_url()
        page = client.get(url).content.decode()
        partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert partial.lstrip().startswith('<section class="card" id="job-status"'), type(job)
        assert "<h1>" in page and "<h1>" not in partial
        assert partial.strip() in page
        assert (f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in partial) is polls
        assert ('role="alert"' in partial) is (fields["state"] == "failed")
        if bar:
            assert bar in partial and '<label for="job-progress">' in partial
