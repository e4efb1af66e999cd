import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assignments.exporting import EXPORT_COLUMNS
from assignments.models import Assignment, ImportJob
from tests.assignments.test_import import GOOD, csv_bytes
from tests.factories import SectorFactory


@pytest.fixture
def admin_client(client, admin_user, konsult, price_list_2026, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SectorFactory(name="Skola")
    client.force_login(admin_user)
    return client


def upload(client, data, name):
    return client.post(reverse("import-start"), {"file": SimpleUploadedFile(name, data)})


@pytest.mark.django_db
def test_admin_uploads_and_sees_result(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, csv_bytes([GOOD]), "uppdrag.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import-detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.created, job.total, job.processed) == ("done", 1, 1, 1)
    page = admin_client.get(response.url).content.decode()
    assert "Importen är klar" in page and "<strong>1</strong> nya" in page
    assert Assignment.objects.filter(number="2026-0101").exists()
    assert 'hx-trigger="every 1s"' not in page


@pytest.mark.django_db
def test_bad_file_lists_errors(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, csv_bytes([{**GOOD, "Paket": "Jättepaket"}]), "uppdrag.csv")
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "ingenting sparades" in page
    assert '<td data-label="Rad">2</td>' in page and "Jättepaket" in page
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
def test_running_job_polls_with_htmx(admin_client, admin_user):
    job = ImportJob.objects.create(
        file=SimpleUploadedFile("x.csv", b"x"),
        original_name="x.csv",
        created_by=admin_user,
        state="running",
        total=1000,
        processed=500,
    )
    page = admin_client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="50"' in page
    partial = admin_client.get(
        reverse("import-detail", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith("<section")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, data, message",
    [
        ("uppdrag.pdf", b"%PDF", "Välj en .xlsx- eller .csv-fil."),
        ("tom.csv", b"", "filen var tom"),
    ],
)
def test_upload_form_validation(admin_client, name, data, message):
    response = upload(admin_client, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_templates_download(admin_client):
    response = admin_client.get(reverse("import-template", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == EXPORT_COLUMNS
    csv_text = admin_client.get(reverse("import-template", args=["csv"])).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ";".join(EXPORT_COLUMNS)
    assert admin_client.get(reverse("import-template", args=["pdf"])).status_code == 404


@pytest.mark.django_db
def test_list_downloads_filtered_xlsx(client, konsult, price_list_2026):
    from tests.factories import AssignmentFactory

    a = AssignmentFactory(
        responsible=konsult, package=price_list_2026.packages.get(code="stora"), role_title="Rektor"
    )
    AssignmentFactory(package=a.package, role_title="Kock")
    client.force_login(konsult)
    response = client.get(reverse("assignment-list-xlsx"), {"q": "Rektor"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [a.number]
