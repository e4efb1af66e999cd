"""Export of assignments in the Access import layout, so export → import round-trips."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .models import Assignment

EXPORT_COLUMNS = [
    "Uppdragsnummer",
    "Beställningsdatum",
    "Kund",
    "Beställare",
    "Beställarens e-post",
    "Tjänst",
    "Nivå",
    "Verksamhet",
    "Paket",
    "Pris",
    "Timmar tillägg",
    "Konsult",
    "Status",
    "Avslutsdatum",
    "Antal sökande",
    "Personligt brev",
    "Screening",
    "Tester",
    "Fakturerad",
]
LEVEL_LABELS = {"medarbetare": "Medarbetare", "chef": "Chef", "hogre_chef": "Högre chef"}
STATUS_LABELS = {"forfragan": "Förfrågan", "pagaende": "Pågående"}
OUTCOME_LABELS = {"tillsatt": "Tillsatt", "ej_tillsatt": "Ej tillsatt", "avbruten": "Avbruten"}
WIDTHS = {
    "Uppdragsnummer": 15,
    "Kund": 36,
    "Beställare": 24,
    "Beställarens e-post": 32,
    "Tjänst": 28,
    "Verksamhet": 18,
    "Konsult": 10,
}


def export_queryset(queryset=None):
    qs = queryset if queryset is not None else Assignment.objects.all()
    return qs.select_related("organisation", "manager", "sector", "package", "responsible").order_by("number")


def status_label(assignment: Assignment) -> str:
    if assignment.status == Assignment.Status.AVSLUTAD:
        return OUTCOME_LABELS[assignment.outcome]
    return STATUS_LABELS[assignment.status]


def export_rows(queryset=None):
    """One list per assignment, values as Python objects (dates, Decimals, strings)."""
    for a in export_queryset(queryset).iterator(chunk_size=2000):
        yield [
            a.number,
            a.ordered_on,
            a.organisation.name,
            a.manager.name,
            a.manager.email,
            a.role_title,
            LEVEL_LABELS[a.level],
            a.sector.name if a.sector else "",
            a.package.code,
            a.price,
            a.extra_hours,
            a.responsible.initials or a.responsible.username,
            status_label(a),
            a.closed_on,
            a.applicants,
            "Ja" if a.personal_letter else "Nej",
            "Ja" if a.screening else "Nej",
            "Ja" if a.psychometric_tests else "Nej",
            a.invoiced_on,
        ]


def write_xlsx(queryset, file_obj, rows=None) -> int:
    """Write the export as a readable workbook; returns the number of rows."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "Uppdrag"
    sheet.append(EXPORT_COLUMNS)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    count = 0
    for row in rows if rows is not None else export_rows(queryset):
        sheet.append(row)
        count += 1
    date_columns = [
        i + 1
        for i, name in enumerate(EXPORT_COLUMNS)
        if name in ("Beställningsdatum", "Avslutsdatum", "Fakturerad")
    ]
    number_columns = [i + 1 for i, name in enumerate(EXPORT_COLUMNS) if name in ("Pris", "Timmar tillägg")]
    for column in date_columns:
        for cell in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell[0].number_format = "yyyy-mm-dd"
    for column in number_columns:
        for cell in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell[0].number_format = "# ##0.##"
    for index, name in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, max(12, len(name) + 2))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.save(file_obj)
    return count


def write_csv(queryset, file_obj) -> int:
    """Semicolon CSV with BOM and decimal commas, as Swedish Excel writes it."""
    wrapped = isinstance(file_obj, io.BufferedIOBase | io.BytesIO)
    text = io.TextIOWrapper(file_obj, encoding="utf-8-sig", newline="") if wrapped else file_obj
    writer = csv.writer(text, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in export_rows(queryset):
        writer.writerow([_csv_value(v) for v in row])
        count += 1
    text.flush()
    if wrapped:
        text.detach()  # leave the caller's file open
    return count


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = f"{value:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return value


def xlsx_response(queryset, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_xlsx(queryset, response)
    return response


def template_xlsx(file_obj) -> None:
    """An empty import template with one example row."""
    example = [
        [
            "2026-0001",
            date(2026, 3, 2),
            "Farsta stadsdelsförvaltning",
            "Exempel Exempelsson",
            "exempel.exempelsson@example.org",
            "Förskollärare",
            "Medarbetare",
            "Förskola",
            "stora",
            Decimal("27000"),
            Decimal("0"),
            "KK",
            "Pågående",
            None,
            42,
            "Nej",
            "Ja",
            "Nej",
            None,
        ]
    ]
    write_xlsx(None, file_obj, rows=example)
