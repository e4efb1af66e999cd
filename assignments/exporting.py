"""Export of assignments in the layout of the Access import, so an export imports back unchanged.

`EXPORT_COLUMNS` are the fixed Swedish headers of both directions; the importer reads exactly these.
"""

import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rekrytering.spreadsheets import CsvWriter, append, cell

from .models import Assignment, PriceList, Sector, User

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
# What each column holds, for the import page and the template's instruction sheet.
COLUMN_HELP = {
    "Uppdragsnummer": (
        "Obligatorisk. ÅÅÅÅ-NNNN, till exempel 2026-0142. Nyckeln: finns numret uppdateras uppdraget."
    ),
    "Beställningsdatum": "Obligatorisk. Datum, ÅÅÅÅ-MM-DD. Året väljer prislista.",
    "Kund": "Obligatorisk. Organisationens namn; en okänd organisation läggs upp.",
    "Beställare": "Obligatorisk. Beställarens namn.",
    "Beställarens e-post": "Obligatorisk. En okänd beställare läggs upp i kundens organisation.",
    "Tjänst": "Obligatorisk. Tjänstens titel.",
    "Nivå": "Medarbetare, Chef eller Högre chef. Tomt betyder Medarbetare.",
    "Verksamhet": "En av de registrerade verksamheterna, eller tomt.",
    "Paket": "Obligatorisk. Paketets kod eller namn i prislistan för beställningsåret.",
    "Pris": "Överenskommet pris totalt, till exempel 24 000 eller 1 200,50. Tomt betyder prislistans pris.",
    "Timmar tillägg": "Extra debiterade timmar, till exempel 2,5. Tomt betyder 0.",
    "Konsult": "Obligatorisk. Ansvarig konsults användarnamn eller initialer.",
    "Status": "Obligatorisk. Förfrågan, Pågående, Tillsatt, Ej tillsatt eller Avbruten.",
    "Avslutsdatum": "Krävs för Tillsatt, Ej tillsatt och Avbruten; tomt annars.",
    "Antal sökande": "Heltal, eller tomt.",
    "Personligt brev": "Ja eller Nej. Tomt betyder Nej.",
    "Screening": "Ja eller Nej. Tomt betyder Nej.",
    "Tester": "Ja eller Nej. Tomt betyder Nej.",
    "Fakturerad": "Fakturadatum, eller tomt. Beloppet blir pris + timmar tillägg × årets timarvode.",
}
LEVEL_LABELS = {
    Assignment.Level.MEDARBETARE.value: "Medarbetare",
    Assignment.Level.CHEF.value: "Chef",
    Assignment.Level.HOGRE_CHEF.value: "Högre chef",
}
# (status, outcome) → the one Status label of the file.
STATUS_LABELS = {
    (Assignment.Status.FORFRAGAN.value, ""): "Förfrågan",
    (Assignment.Status.PAGAENDE.value, ""): "Pågående",
    (Assignment.Status.AVSLUTAD.value, Assignment.Outcome.TILLSATT.value): "Tillsatt",
    (Assignment.Status.AVSLUTAD.value, Assignment.Outcome.EJ_TILLSATT.value): "Ej tillsatt",
    (Assignment.Status.AVSLUTAD.value, Assignment.Outcome.AVBRUTEN.value): "Avbruten",
}
DATE_COLUMNS = {"Beställningsdatum", "Avslutsdatum", "Fakturerad"}
NUMBER_FORMATS = {"Pris": "#,##0.00", "Timmar tillägg": "0.00", "Antal sökande": "0"}
WIDTHS = {
    "Uppdragsnummer": 16,
    "Beställningsdatum": 17,
    "Kund": 36,
    "Beställare": 26,
    "Beställarens e-post": 34,
    "Tjänst": 30,
    "Nivå": 13,
    "Verksamhet": 18,
    "Paket": 14,
    "Pris": 13,
    "Timmar tillägg": 15,
    "Konsult": 10,
    "Status": 12,
    "Avslutsdatum": 14,
    "Antal sökande": 14,
    "Personligt brev": 15,
    "Screening": 11,
    "Tester": 9,
    "Fakturerad": 13,
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_queryset(queryset=None):
    queryset = queryset if queryset is not None else Assignment.objects.all()
    return queryset.select_related("organisation", "manager", "sector", "package", "responsible").order_by(
        "number"
    )


def consultant_labels() -> dict[int, str]:
    """User id → what the Konsult column says: the initials, unless the importer (which tries
    usernames first) would read them as someone else's username; then the username."""
    users = list(User.objects.only("id", "username", "initials"))
    by_username = {u.username.lower(): u.pk for u in users}
    return {
        u.pk: u.initials if u.initials and by_username.get(u.initials.lower(), u.pk) == u.pk else u.username
        for u in users
    }


def export_rows(queryset=None) -> Iterator[list]:
    """One list per assignment in EXPORT_COLUMNS order, as Python values (dates, Decimals, text)."""
    consultants = consultant_labels()
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
            consultants[a.responsible_id],
            STATUS_LABELS[(a.status, a.outcome)],
            a.closed_on,
            a.applicants,
            "Ja" if a.personal_letter else "Nej",
            "Ja" if a.screening else "Nej",
            "Ja" if a.psychometric_tests else "Nej",
            a.invoiced_on,
        ]


def _header_sheet(workbook: Workbook, title: str):
    """A write-only sheet with widths, the bold frozen header row and a filter."""
    sheet = workbook.create_sheet(title)
    for index, name in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[name]
    sheet.freeze_panes = "A2"
    font, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for name in EXPORT_COLUMNS:
        head = cell(sheet, name)
        head.font, head.fill = font, fill
        head.alignment = Alignment(vertical="top")
        header.append(head)
    append(sheet, header)
    return sheet


def write_xlsx(queryset, file_obj, *, rows: Iterable[list] | None = None) -> int:
    """The assignments (or the given rows) as a readable workbook; returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = _header_sheet(workbook, "Uppdrag")
    formats = ["yyyy-mm-dd" if name in DATE_COLUMNS else NUMBER_FORMATS.get(name) for name in EXPORT_COLUMNS]
    count = 0
    for row in rows if rows is not None else export_rows(queryset):
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            if value is None or value == "":
                cells.append(None)
            elif number_format:
                formatted = cell(sheet, value)
                formatted.number_format = number_format
                cells.append(formatted)
            else:
                cells.append(value)
        append(sheet, cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{count + 1}"
    workbook.save(file_obj)
    return count


def write_csv(queryset, file_obj) -> int:
    """Semicolon-separated, UTF-8 with BOM and decimal commas, as Swedish Excel writes CSV.

    `file_obj` is a binary file; returns the number of rows."""
    count = 0
    with CsvWriter(file_obj) as writer:
        writer.writerow(EXPORT_COLUMNS)
        for row in export_rows(queryset):
            writer.writerow(row)
            count += 1
    return count


def xlsx_response(queryset, filename: str, *, request) -> HttpResponse:
    """A download of the assignments as .xlsx, e.g. of a list page's filtered queryset.

    The file holds ordering managers' and hired candidates' names, so the export is audit-logged.
    """
    from rekrytering.audit import log_export

    buffer = io.BytesIO()
    count = write_xlsx(queryset, buffer)
    log_export(user=request.user, what="uppdrag.xlsx", rows=count, request=request)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_xlsx(file_obj) -> None:
    """An empty import file: the header row, and a sheet explaining each column and its values."""
    workbook = Workbook(write_only=True)
    _header_sheet(workbook, "Uppdrag")
    help_sheet = workbook.create_sheet("Anvisningar")
    help_sheet.column_dimensions["A"].width = 22
    help_sheet.column_dimensions["B"].width = 100
    bold = Font(bold=True)

    def bold_cell(text):
        label = cell(help_sheet, text)
        label.font = bold
        return label

    append(help_sheet, [bold_cell("Fyll i bladet Uppdrag, en rad per uppdrag. Ändra inte rubrikraden.")])
    append(help_sheet, [])
    for name in EXPORT_COLUMNS:
        append(help_sheet, [bold_cell(name), COLUMN_HELP[name]])
    append(help_sheet, [])
    price_list = PriceList.objects.prefetch_related("packages").first()
    if price_list is not None:
        append(help_sheet, [bold_cell(f"Paket i prislistan för {price_list.year} (kod – namn)")])
        for package in price_list.packages.all():
            append(help_sheet, [package.code, package.name])
        append(help_sheet, [])
    append(help_sheet, [bold_cell("Verksamheter")])
    for sector in Sector.objects.filter(active=True):
        append(help_sheet, [sector.name])
    workbook.save(file_obj)


def template_csv() -> bytes:
    """The header row, UTF-8 with BOM and semicolons, as Swedish Excel opens it."""
    buffer = io.BytesIO()
    with CsvWriter(buffer) as writer:
        writer.writerow(EXPORT_COLUMNS)
    return buffer.getvalue()
