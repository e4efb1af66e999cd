"""The Access import refuses what would exhaust the machine, before openpyxl or the CSV reader
sees it: a zip bomb, a padded sheet, an over-long CSV; in the service and on the upload page."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assignments.exporting import EXPORT_COLUMNS
from assignments.importing import import_assignments
from assignments.models import Assignment, ImportJob
from tests.assignments.test_import import GOOD, csv_bytes
from tests.assignments.test_import_views import admin_client, eager  # noqa: F401  (fixtures)
from tests.spreadsheets import (
    CountingFile,
    cells_row,
    openpyxl_loads,  # noqa: F401  (fixture)
    sheet_xml,
    xlsx,
    zip_bomb,
)

# A sheet that says it is A1:S2 and has one more cell, at the bottom of Excel's grid.
PADDED = xlsx(
    {
        "Uppdrag": sheet_xml(
            cells_row(1, EXPORT_COLUMNS),
            cells_row(2, [GOOD[c] for c in EXPORT_COLUMNS]),
            cells_row(1_048_576, ["x"]),
            dimension="A1:S2",
        )
    }
)


def run(data, name, by):
    return import_assignments(file=CountingFile(data), filename=name, by=by)


def only_error(result) -> str:
    assert len(result.errors) == 1 and result.errors[0].line == 0
    return result.errors[0].message


@pytest.mark.django_db
def test_zip_bomb_is_refused_before_openpyxl_opens_it(admin_user, openpyxl_loads):  # noqa: F811
    data = zip_bomb("Uppdrag", EXPORT_COLUMNS, megabytes=30)
    started = time.perf_counter()
    message = only_error(run(data, "uppdrag.xlsx", admin_user))
    assert message.startswith("Excel-filen är packad misstänkt hårt: filens texter (xl/sharedStrings.xml)")
    assert openpyxl_loads == [] and time.perf_counter() - started < 2
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_padded_sheet_is_refused_before_openpyxl_opens_it(admin_user, openpyxl_loads):  # noqa: F811
    started = time.perf_counter()
    message = only_error(run(PADDED, "uppdrag.xlsx", admin_user))
    assert message.startswith(
        "Fliken ”Uppdrag” (xl/worksheets/sheet1.xml) har en rad med nummer 1\xa0048\xa0576; "
        "högst 50\xa0000 rader"
    )
    assert openpyxl_loads == [] and time.perf_counter() - started < 2
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_over_long_csv_is_refused_without_reading_it_all(admin_user):
    data = csv_bytes([{"Uppdragsnummer": "2026-0001"}] * 200_000)  # 7 MB: under the size limit
    file = CountingFile(data)
    result = import_assignments(file=file, filename="uppdrag.csv", by=admin_user)
    assert only_error(result).startswith("CSV-filen har fler än 50\xa0000 rader (rubrikraden medräknad).")
    assert file.bytes_read < len(data) // 2


@pytest.mark.django_db
def test_upload_page_refuses_a_padded_sheet_and_creates_no_job(admin_client, openpyxl_loads):  # noqa: F811
    response = admin_client.post(reverse("import-start"), {"file": SimpleUploadedFile("u.xlsx", PADDED)})
    page = response.content.decode()
    assert response.status_code == 200 and "har en rad med nummer 1\xa0048\xa0576" in page
    assert not ImportJob.objects.exists() and openpyxl_loads == []


@pytest.mark.django_db
def test_rows_up_to_the_limit_are_imported(admin_user, konsult, price_list_2026, settings):
    from tests.factories import SectorFactory

    SectorFactory(name="Skola")
    settings.UPLOAD_MAX_ROWS = 3
    rows = [{**GOOD, "Uppdragsnummer": f"2026-{i:04d}"} for i in (1, 2)]
    assert run(csv_bytes(rows), "u.csv", admin_user).created == 2
    rows.append({**GOOD, "Uppdragsnummer": "2026-0003"})
    result = run(csv_bytes(rows), "u.csv", admin_user)
    assert "fler än 3 rader" in only_error(result)
