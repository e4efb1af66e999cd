"""The import pages: upload (Celery eager), progress polled with htmx, errors, templates, 403."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assignments.exporting import EXPORT_COLUMNS
from assignments.importing import import_assignments
from assignments.models import Assignment, ImportJob
from assignments.tasks import run_import
from tests.assignments.test_import import GOOD, csv_bytes, row, write_xlsx_file
from tests.factories import AssignmentFactory, SectorFactory


@pytest.fixture
def eager(settings):
    """Run tasks in-process even when REDIS_URL (read at settings import) made the app non-eager."""
    from rekrytering.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def admin_client(client, admin_user, konsult, price_list_2026, settings, tmp_path, eager):
    settings.MEDIA_ROOT = tmp_path / "media"
    SectorFactory(name="Skola")
    client.force_login(admin_user)
    return client


def upload(client, data, name, capture):
    with capture(execute=True):
        return client.post(reverse("import-start"), {"file": SimpleUploadedFile(name, data)})


def test_start_page_has_form_templates_and_instructions(admin_client):
    page = admin_client.get(reverse("import-start")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'accept=".xlsx,.csv"' in page
    assert '<label for="id_file">' in page
    assert (
        reverse("import-template", args=["xlsx"]) in page and reverse("import-template", args=["csv"]) in page
    )
    assert "Uppdragsnummer" in page and "Timmar tillägg" in page and "Inga importer ännu." in page
    assert 'aria-current="page"' in page


def test_admin_uploads_csv_and_sees_the_result(admin_client, django_capture_on_commit_callbacks):
    response = upload(
        admin_client,
        csv_bytes([GOOD, row(Uppdragsnummer="2026-0102")]),
        "uppdrag.csv",
        django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import-detail", args=[job.pk])
    assert (job.state, job.created, job.updated, job.unchanged) == ("done", 2, 0, 0)
    assert (job.total, job.processed, job.percent) == (2, 2, 100)
    assert job.original_name == "uppdrag.csv" and job.finished_at is not None
    assert Assignment.objects.filter(number__in=["2026-0101", "2026-0102"]).count() == 2

    page = admin_client.get(response.url).content.decode()
    assert "Importen är klar" in page
    assert "<strong>2</strong> nya, <strong>0</strong> ändrade och <strong>0</strong> oförändrade" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling
    assert "uppdrag.csv" in admin_client.get(reverse("import-start")).content.decode()

    upload(
        admin_client,
        csv_bytes([GOOD, row(Uppdragsnummer="2026-0102")]),
        "igen.csv",
        django_capture_on_commit_callbacks,
    )
    again = ImportJob.objects.get(original_name="igen.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_admin_uploads_xlsx(admin_client, django_capture_on_commit_callbacks, tmp_path):
    path = write_xlsx_file(tmp_path / "u.xlsx", [GOOD])
    upload(admin_client, path.read_bytes(), "u.xlsx", django_capture_on_commit_callbacks)
    assert ImportJob.objects.get().state == "done"
    assert Assignment.objects.filter(number="2026-0101").exists()


def test_bad_file_shows_every_error(admin_client, django_capture_on_commit_callbacks):
    data = csv_bytes([row(Paket="Jättepaket"), row(Uppdragsnummer="2026-0102", Konsult="NN", Pris="x")])
    response = upload(admin_client, data, "uppdrag.csv", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.error_count == 3
    page = admin_client.get(response.url).content.decode()
    assert "Filen innehåller fel – ingenting sparades" in page and "Rätta de 3 felen" in page
    assert '<th scope="col">Rad</th><th scope="col">Kolumn</th><th scope="col">Fel</th>' in page
    assert '<td data-label="Rad">2</td><td data-label="Kolumn">Paket</td>' in page
    assert "paketet &quot;Jättepaket&quot; finns inte i prislistan för 2026." in page
    assert '<td data-label="Rad">3</td><td data-label="Kolumn">Pris</td>' in page
    assert '<td data-label="Rad">3</td><td data-label="Kolumn">Konsult</td>' in page
    assert not Assignment.objects.exists()


def test_missing_headers_are_shown(admin_client, django_capture_on_commit_callbacks):
    upload(
        admin_client,
        b"\xef\xbb\xbfUppdragsnummer;Kund\r\n2026-0001;X\r\n",
        "u.csv",
        django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert job.state == "failed" and "Kolumner saknas: Beställningsdatum" in job.errors[0]["message"]
    page = admin_client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Kolumner saknas: Beställningsdatum" in page and "Rätta felet" in page


def make_job(admin_user, **fields):
    return ImportJob.objects.create(
        file=SimpleUploadedFile("x.csv", b"x"), original_name="x.csv", created_by=admin_user, **fields
    )


@pytest.mark.parametrize(
    "fields, text, value",
    [
        ({"state": "pending"}, "Importen står i kö", None),
        ({"state": "running"}, "Läser filen", None),
        (
            {"state": "running", "total": 1000, "processed": 500},
            "Kontrollerat 500 av 1000 rader (50 %).",
            "50",
        ),
        ({"state": "running", "total": 1000, "processed": 1000}, "Sparar i databasen", None),
    ],
)
def test_running_job_polls_itself_with_htmx(admin_client, admin_user, fields, text, value):
    job = make_job(admin_user, **fields)
    url = reverse("import-detail", args=[job.pk])
    page = admin_client.get(url).content.decode()
    assert "<h1>Import av x.csv</h1>" in page
    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in page
    assert 'role="status" aria-live="polite"' in page and '<label for="job-progress">' in page
    assert text in page
    if value:
        assert f'max="100" value="{value}"' in page

    partial = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section class="card" id="job-status"') and "<h1>" not in partial
    assert text in partial


def test_upload_form_validation(admin_client):
    for name, data, message in [
        ("uppdrag.pdf", b"%PDF", "Välj en .xlsx- eller .csv-fil."),
        ("tom.csv", b"", "Filen är tom."),
        ("fel.xlsx", b"Uppdragsnummer;Kund", "Filen är ingen Excel-fil (.xlsx)"),
    ]:
        response = admin_client.post(reverse("import-start"), {"file": SimpleUploadedFile(name, data)})
        assert response.status_code == 200
        assert message in response.content.decode()
    response = admin_client.post(reverse("import-start"), {})
    assert "Välj en fil att importera." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_over_the_size_limit_is_refused(admin_client, settings):
    settings.UPLOAD_MAX_MB = 1
    data = csv_bytes([row(Uppdragsnummer=f"2026-{i:04d}") for i in range(1, 8001)])
    assert 1024 * 1024 < len(data) < 2 * 1024 * 1024
    response = admin_client.post(reverse("import-start"), {"file": SimpleUploadedFile("u.csv", data)})
    page = response.content.decode()
    assert response.status_code == 200 and "den får vara högst 1 MB. Dela upp den i flera filer." in page
    assert not ImportJob.objects.exists()


def test_job_is_not_run_twice(admin_client, admin_user, django_capture_on_commit_callbacks):
    upload(admin_client, csv_bytes([GOOD]), "u.csv", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    history = Assignment.history.count()
    assert run_import.delay(job.pk).get() == "skipped"
    assert run_import(job.pk) == "skipped"
    assert Assignment.history.count() == history
    assert run_import(make_job(admin_user, state="running").pk) == "skipped"
    assert run_import(10**6) == "missing"


def test_running_job_is_taken_up_again_by_a_retry(admin_client, admin_user):
    """A worker that died mid-import saved nothing; its redelivered or retried task runs the job."""
    job = make_job(admin_user, state="running", processed=500, total=1000)
    job.file.save("u.csv", io.BytesIO(csv_bytes([GOOD])))
    assert run_import.apply(args=[job.pk], retries=1).get() == "done"
    job.refresh_from_db()
    assert (job.state, job.created, job.processed, job.total) == ("done", 1, 1, 1)


def test_job_with_a_lost_file_fails_cleanly(admin_client, admin_user):
    job = make_job(admin_user)
    job.file.delete(save=False)
    job.file.name = "imports/borta.csv"
    job.save()
    assert run_import(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and "finns inte längre" in job.errors[0]["message"]


@pytest.mark.parametrize("role", ["konsult", "samordnare", "chef"])
@pytest.mark.parametrize(
    "name, args", [("import-start", []), ("import-detail", [1]), ("import-template", ["xlsx"])]
)
def test_non_admins_get_403(client, request, role, name, args):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse("import-start"), {}).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("import-start"))
    assert response.status_code == 302 and "login" in response.url


def test_templates_download_with_the_headers(admin_client, admin_user, tmp_path):
    response = admin_client.get(reverse("import-template", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="uppdrag-mall.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Uppdrag", "Anvisningar"]
    sheet = workbook["Uppdrag"]
    assert [c.value for c in sheet[1]] == EXPORT_COLUMNS and sheet.max_row == 1
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    instructions = [r[0] for r in workbook["Anvisningar"].iter_rows(values_only=True)]
    assert "Paket i prislistan för 2026 (kod – namn)" in instructions and "stora" in instructions

    response = admin_client.get(reverse("import-template", args=["csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig") == ";".join(EXPORT_COLUMNS) + "\r\n"
    assert admin_client.get(reverse("import-template", args=["pdf"])).status_code == 404

    # A filled-in template imports.
    path = tmp_path / "mall.xlsx"
    path.write_bytes(admin_client.get(reverse("import-template", args=["xlsx"])).content)
    workbook = load_workbook(path)
    workbook["Uppdrag"].append([GOOD[c] for c in EXPORT_COLUMNS])
    workbook.save(path)
    with path.open("rb") as handle:
        assert import_assignments(file=handle, filename="mall.xlsx", by=admin_user).created == 1


def test_assignment_list_downloads_its_filtered_queryset(client, konsult, price_list_2026):
    a = AssignmentFactory(
        responsible=konsult, package=price_list_2026.packages.get(code="stora"), role_title="Rektor"
    )
    AssignmentFactory(package=a.package, role_title="Kock")
    client.force_login(konsult)
    response = client.get(reverse("assignment-list-xlsx"), {"q": "Rektor"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == EXPORT_COLUMNS
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [a.number]
