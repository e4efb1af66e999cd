"""The plan import as a background job (planning.tasks): upload, progress page, result, errors,
the beat sweep, and the upload limits, in the service and on the upload page."""

import io
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from planning.excel import GOAL_COLUMNS, export_plan, import_plan
from planning.models import Plan, PlanImportJob
from planning.tasks import resume_pending_plan_imports, run_plan_import
from tests.planning.test_plan import plan  # noqa: F401  (fixture)
from tests.spreadsheets import (
    cells_row,
    openpyxl_loads,  # noqa: F401  (fixture)
    sheet_xml,
    xlsx,
    zip_bomb,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def exported(plan):  # noqa: F811
    buffer = io.BytesIO()
    export_plan(plan, buffer)
    return buffer.getvalue()


def upload(client, capture, data, name="plan.xlsx", **fields):
    with capture(execute=True):
        return client.post(
            reverse("plan-import"), {"year": "2030", **fields, "file": SimpleUploadedFile(name, data)}
        )


def job_for(admin_user, data, **fields):
    return PlanImportJob.objects.create(
        file=SimpleUploadedFile("plan.xlsx", data),
        original_name="plan.xlsx",
        created_by=admin_user,
        year=2030,
        **fields,
    )


@pytest.mark.django_db
def test_upload_creates_a_job_that_creates_the_plan(
    client, admin_user, exported, media, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    page = client.get(reverse("plan-import")).content.decode()
    assert 'accept=".xlsx"' in page and "Högst 10 MB." in page and "Inga importer ännu." in page

    response = upload(client, django_capture_on_commit_callbacks, exported, name="vp-2030.xlsx")
    job = PlanImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("plan-import-detail", args=[job.pk])
    created = Plan.objects.get(year=2030, unit=None)
    assert (job.state, job.plan, job.year, job.error_count) == ("done", created, 2030, 0)
    assert created.title == "Verksamhetsplan 2030" and created.goals.count() == 4
    assert (job.total, job.processed, job.percent) == (10, 10, 100) and job.finished_at is not None
    # The upload is deleted once imported.
    assert not job.file and not list((media / "imports").rglob("*.xlsx"))

    page = client.get(response.url).content.decode()
    assert "<h1>Import av vp-2030.xlsx</h1>" in page and "Importen är klar" in page
    assert "Alla 10 rader är inlästa och planen <strong>Verksamhetsplan 2030</strong> är skapad." in page
    assert reverse("plan-detail", args=[created.pk]) in page and 'hx-trigger="every 1s"' not in page
    listing = client.get(reverse("plan-import")).content.decode()
    assert reverse("plan-import-detail", args=[job.pk]) in listing and "vp-2030.xlsx" in listing


@pytest.mark.django_db
def test_errors_show_on_the_job_page_by_sheet_row_and_column(
    client, admin_user, exported, media, django_capture_on_commit_callbacks
):
    workbook = load_workbook(io.BytesIO(exported))
    workbook["Mål"]["A3"] = "Kommunmål"
    workbook["Aktiviteter"]["C2"] = "första mars"
    broken = io.BytesIO()
    workbook.save(broken)
    client.force_login(admin_user)
    response = upload(client, django_capture_on_commit_callbacks, broken.getvalue())
    job = PlanImportJob.objects.get()
    assert (job.state, job.error_count, job.plan) == ("failed", 2, None) and not job.file
    assert not Plan.objects.filter(year=2030).exists()
    page = client.get(response.url).content.decode()
    assert "Filen innehåller fel – ingenting sparades" in page and "Rätta de 2 felen" in page
    assert '<th scope="col">Flik</th><th scope="col">Rad</th><th scope="col">Kolumn</th>' in page
    assert '<td data-label="Flik">Mål</td><td data-label="Rad">3</td><td data-label="Kolumn">Nivå</td>' in (
        page
    )
    assert (
        '<td data-label="Flik">Aktiviteter</td><td data-label="Rad">2</td>'
        '<td data-label="Kolumn">Startdatum</td><td data-label="Fel">”första mars” är inget datum' in page
    )
    assert f'href="{reverse("plan-import")}">Ladda upp en rättad fil' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, text",
    [
        ({"state": "pending"}, "Importen står i kö"),
        ({"state": "running"}, "Läser filen"),
        ({"state": "running", "total": 40, "processed": 0}, "Kontrollerat 0 av 40 rader (0 %)."),
        ({"state": "running", "total": 40, "processed": 40}, "Alla 40 rader är kontrollerade. Sparar"),
    ],
)
def test_waiting_and_running_jobs_poll_themselves_with_htmx(client, admin_user, media, fields, text):
    job = job_for(admin_user, b"PK\x03\x04", **fields)
    url = reverse("plan-import-detail", args=[job.pk])
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in page and text in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section class="card" id="job-status"') and "<h1>" not in partial
    assert text in partial


@pytest.mark.django_db
def test_job_runs_once(admin_user, exported, media):
    job = job_for(admin_user, exported)
    assert run_plan_import.delay(job.pk).get() == "done"
    assert run_plan_import.delay(job.pk).get() == "skipped"
    assert run_plan_import(10**6) == "missing"
    assert Plan.objects.filter(year=2030).count() == 1
    running = job_for(admin_user, exported, state="running")
    assert run_plan_import(running.pk) == "skipped"
    # A worker that died mid-import saved nothing; the retried task takes the job up again (and
    # finds the year's plan made by the first job).
    assert run_plan_import.apply(args=[running.pk], retries=1).get() == "failed"
    running.refresh_from_db()
    assert "det finns redan en plan för 2030" in running.errors[0]["message"]


@pytest.mark.django_db
def test_beat_resumes_pending_plan_imports(admin_user, exported, media):
    stale = job_for(admin_user, exported)
    PlanImportJob.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    fresh = job_for(admin_user, exported, state="pending")
    assert resume_pending_plan_imports.delay().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == "done" and stale.plan.year == 2030 and fresh.state == "pending"
    schedule = django_settings.CELERY_BEAT_SCHEDULE["resume-pending-plan-imports"]
    assert schedule["task"] == "planning.tasks.resume_pending_plan_imports"


# --- Upload limits ----------------------------------------------------------------------------

PADDED = xlsx(
    {
        "Mål": sheet_xml(cells_row(1, GOAL_COLUMNS), dimension="A1:XFD1048576"),
        "Indikatorer": sheet_xml(),
        "Aktiviteter": sheet_xml(),
    }
)
# One cell at the bottom of the grid: openpyxl would walk a million rows of every column.
FAR_CELL = xlsx(
    {
        "Mål": sheet_xml(cells_row(1, GOAL_COLUMNS), cells_row(1_048_576, ["x"])),
        "Indikatorer": sheet_xml(),
        "Aktiviteter": sheet_xml(),
    }
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        (zip_bomb("Mål", GOAL_COLUMNS), "Excel-filen är packad misstänkt hårt: filens texter"),
        (PADDED, "Enligt filen sträcker sig fliken ”Mål” (xl/worksheets/sheet1.xml) till cell XFD1048576"),
        (FAR_CELL, "Fliken ”Mål” (xl/worksheets/sheet1.xml) har en rad med nummer 1\xa0048\xa0576;"),
    ],
    ids=["zip-bomb", "padded", "far-cell"],
)
def test_import_refuses_what_would_exhaust_the_machine(openpyxl_loads, data, message):  # noqa: F811
    started = time.perf_counter()
    result = import_plan(year=2030, file=io.BytesIO(data))
    assert len(result.errors) == 1 and str(result.errors[0]).startswith(f"Flik –: {message}")
    assert result.plan is None and not Plan.objects.filter(year=2030).exists()
    assert openpyxl_loads == [] and time.perf_counter() - started < 2


@pytest.mark.django_db
def test_upload_page_refuses_a_padded_plan_and_creates_no_job(client, admin_user, media, openpyxl_loads):  # noqa: F811
    client.force_login(admin_user)
    response = client.post(
        reverse("plan-import"), {"year": "2030", "file": SimpleUploadedFile("plan.xlsx", PADDED)}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "till cell XFD1048576 (1\xa0048\xa0576 rader" in page
    assert not PlanImportJob.objects.exists() and openpyxl_loads == []


@pytest.mark.django_db
def test_command_refuses_a_padded_plan(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(PADDED)
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_plan", "2030", str(path))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "Flik –: Enligt filen sträcker sig fliken ”Mål”" in out and "1 fel. Ingenting sparades." in out
