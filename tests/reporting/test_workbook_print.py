"""The summary sheet prints as its readers see it: the explanations whole, every column on the page."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from reporting.workbook import build_workbook


@pytest.mark.django_db
def test_summary_sheet_prints_its_explanations_whole():
    sheet = load_workbook(BytesIO(build_workbook(2026, 2)))["Sammanfattning"]
    explained = [
        row[0]
        for row in sheet.iter_rows()
        if isinstance(row[0].value, str) and row[0].value.startswith(("Resultat =", "Prognos helår"))
    ]
    assert len(explained) == 2
    merged = {str(r) for r in sheet.merged_cells.ranges}
    for cell in explained:
        assert f"A{cell.row}:C{cell.row}" in merged
        assert cell.alignment.wrap_text
        assert sheet.row_dimensions[cell.row].height > 15
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
