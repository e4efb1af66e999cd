"""Limits on uploaded spreadsheets, checked before any parser sees the file.

A .xlsx file is a zip archive of XML parts: 2 MB can unpack to 1 GB of shared strings, and a sheet
that declares, or has a cell at, XFD1048576 makes openpyxl walk a million rows of 16 384 columns.
Every import that parses a spreadsheet (assignments, the plan, survey responses) calls
`check_upload` first, and the upload forms use `SpreadsheetField`, which calls it too. The check
reads the zip's directory (declared sizes, which Python's zipfile never reads beyond) and streams
each sheet a megabyte at a time through a few regular expressions, so a refused file costs neither
memory nor time. A CSV file is checked for its size and number of lines. The limits are the
UPLOAD_* settings.
"""

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from openpyxl.utils import column_index_from_string, get_column_letter

MB = 1024 * 1024
CHUNK = MB
MAX_PARTS = 10_000  # a workbook has a dozen parts; hundreds with many sheets and pictures
RATIO_FROM = MB  # parts smaller than this may compress as well as they like: they stay small
SMALL_PART = MB  # workbook.xml and the relationships are read whole only up to this size
WORKSHEET_TYPE = "/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# A start tag `<row ...>` (any namespace prefix) up to its `>`; its r attribute is read from that.
ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row(?=[\s/>])[^>]*")
R_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


class UploadRefused(Exception):
    """The upload is larger than the limits or not a readable file; the message is for the user."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unpacked_bytes: int
    max_ratio: int
    max_rows: int
    max_columns: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_bytes=settings.UPLOAD_MAX_MB * MB,
            max_unpacked_bytes=settings.UPLOAD_MAX_UNPACKED_MB * MB,
            max_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
            max_rows=settings.UPLOAD_MAX_ROWS,
            max_columns=settings.UPLOAD_MAX_COLUMNS,
        )


def check_upload(file, filename: str) -> None:
    """Raise UploadRefused when the file is too large, unpacks to too much or reaches too far.

    `file` is any seekable binary file (an upload, a stored file, an open path); it is left at
    its start.
    """
    limits = Limits.from_settings()
    name = filename.lower()
    file.seek(0)
    try:
        size = _size(file)
        if size > limits.max_bytes:
            raise UploadRefused(
                f"Filen är {_mb(size)} MB; den får vara högst {_mb(limits.max_bytes)} MB. "
                "Dela upp den i flera filer."
            )
        if name.endswith(".xlsx"):
            _check_xlsx(file, limits)
        elif name.endswith(".csv"):
            _check_csv(file, limits)
        else:
            raise UploadRefused("Filen ska vara en .xlsx- eller .csv-fil.")
    finally:
        file.seek(0)


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, 2)
        file.seek(0)
    return size


def _mb(size: int) -> str:
    """Megabytes with a decimal comma: `1 024`, `10`, `0,4`."""
    value = size / MB
    text = f"{value:,.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(",", "\xa0").replace(".", ",")


def _count(value: int) -> str:
    return f"{value:,}".replace(",", "\xa0")


def _rows_and_columns(rows: int, columns: int) -> str:
    return f"{_count(rows)} {'rad' if rows == 1 else 'rader'}, {_count(columns)} " + (
        "kolumn" if columns == 1 else "kolumner"
    )


# --- CSV ----------------------------------------------------------------------------------


def _check_csv(file, limits: Limits) -> None:
    """At most `max_rows` lines (the header included), counted without decoding the text.

    A quoted value may span lines, so this counts lines, an upper bound of the rows.
    """
    newlines = returns = 0
    last = b""
    while chunk := file.read(CHUNK):
        newlines += chunk.count(b"\n")
        returns += chunk.count(b"\r")
        last = chunk[-1:]
        lines = max(newlines, returns) + (last not in (b"\n", b"\r"))
        if lines > limits.max_rows:
            raise UploadRefused(
                f"CSV-filen har fler än {_count(limits.max_rows)} rader (rubrikraden medräknad). "
                "Dela upp den och importera delarna var för sig."
            )


# --- .xlsx --------------------------------------------------------------------------------


def _check_xlsx(file, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise UploadRefused("Filen kunde inte läsas som en Excel-fil (.xlsx).") from error
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise UploadRefused(
                f"Excel-filen består av {_count(len(parts))} delar; en arbetsbok har sällan fler än "
                f"några hundra och högst {_count(MAX_PARTS)} läses in."
            )
        sheets = _sheet_names(archive)
        unpacked = sum(part.file_size for part in parts)
        if unpacked > limits.max_unpacked_bytes:
            largest = max(parts, key=lambda part: part.file_size)
            raise UploadRefused(
                f"Excel-filen blir {_mb(unpacked)} MB uppackad, mer än gränsen "
                f"{_mb(limits.max_unpacked_bytes)} MB; störst är {_where(largest.filename, sheets)} "
                f"med {_mb(largest.file_size)} MB. Ta bort det som inte ska importeras, eller dela upp "
                "filen."
            )
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size >= RATIO_FROM and ratio > limits.max_ratio:
                raise UploadRefused(
                    f"Excel-filen är packad misstänkt hårt: {_where(part.filename, sheets)} blir "
                    f"{_count(int(ratio))} gånger större uppackad ({_mb(part.file_size)} MB); "
                    f"gränsen är {_count(limits.max_ratio)} gånger. Filen läses inte in. Spara den på "
                    "nytt från Excel, eller kontakta en administratör om den ska vara så."
                )
        for part in parts:
            if part.filename in sheets or part.filename.startswith("xl/worksheets/"):
                _check_sheet(archive, part, _where(part.filename, sheets), limits)


def _where(part_name: str, sheets: dict[str, str]) -> str:
    """The part as the user can find it: `fliken ”Uppdrag”`, or its name in the archive."""
    if sheets.get(part_name):
        return f"fliken ”{sheets[part_name]}” ({part_name})"
    if part_name.startswith("xl/worksheets/"):
        return f"bladet {part_name}"
    if part_name.endswith("sharedStrings.xml"):
        return f"filens texter ({part_name})"
    return f"delen {part_name}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _small_xml(archive: zipfile.ZipFile, name: str):
    try:
        info = archive.getinfo(name)
        if info.file_size > SMALL_PART:
            return None
        return ElementTree.fromstring(archive.read(info))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError, zlib.error):
        return None


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Every part a relationship or the content types name as a worksheet → its tab name ('' when
    unknown). openpyxl finds the sheets through the workbook's relationships; any .rels file that
    names a worksheet is taken, so a sheet kept somewhere unusual is checked as well."""
    found: dict[str, str] = {}
    names = set(archive.namelist())
    titles = _workbook_titles(archive)
    for rels in (n for n in names if n.endswith(".rels")):
        tree = _small_xml(archive, rels)
        if tree is None:
            continue
        # `xl/_rels/workbook.xml.rels` describes `xl/workbook.xml`; targets are relative to `xl/`.
        source_dir = posixpath.dirname(posixpath.dirname(rels))
        for rel in tree:
            if not rel.get("Type", "").endswith(WORKSHEET_TYPE):
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(source_dir, target)
            path = posixpath.normpath(path)
            found[path] = titles.get((rels, rel.get("Id")), "") or found.get(path, "")
    types = _small_xml(archive, "[Content_Types].xml")
    for override in types if types is not None else ():
        if override.get("ContentType") == WORKSHEET_CONTENT:
            found.setdefault(override.get("PartName", "").lstrip("/"), "")
    return found


def _workbook_titles(archive: zipfile.ZipFile) -> dict[tuple[str, str], str]:
    """(relationships file, relationship id) → tab name, from the usual `xl/workbook.xml`."""
    tree = _small_xml(archive, "xl/workbook.xml")
    if tree is None:
        return {}
    titles = {}
    for element in tree.iter():
        if _local(element.tag) == "sheet":
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            titles[("xl/_rels/workbook.xml.rels", rel_id)] = element.get("name", "")
    return titles


def _check_sheet(archive: zipfile.ZipFile, part: zipfile.ZipInfo, where: str, limits: Limits) -> None:
    """The declared dimension, and the furthest row and cell, within the limits.

    Rows are numbered as openpyxl numbers them: their r attribute, else the one before plus one.
    Only cell references that could be beyond the limits are looked at closely: those with as many
    column letters, or row digits, as the limits have; a sheet of 24 columns and 1 000 rows has
    none, so the scan runs at the speed of the regular expressions.
    """
    letters = len(get_column_letter(limits.max_columns))
    digits = len(str(limits.max_rows))
    far_ref = re.compile(
        rb"""\sr\s*=\s*["']\$?(?:([A-Za-z]{%d,3})\$?(\d+)|([A-Za-z]{1,3})\$?(\d{%d,}))["']"""
        % (letters, digits)
    )
    row = 0
    tail = b""
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK)
                data = tail + chunk
                if chunk:
                    # Keep the last, possibly unfinished, tag for the next round. A tag never
                    # holds a `<`, so every tag before the last `<` is complete.
                    cut = data.rfind(b"<")
                    data, tail = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
                for match in DIMENSION.finditer(data):
                    _check_dimension(match.group(1).decode("ascii", "replace"), where, limits)
                for match in ROW_TAG.finditer(data):
                    number = R_ATTRIBUTE.search(match.group(0))
                    row = _row_number(number.group(1), where) if number else row + 1
                    if row > limits.max_rows:
                        _too_far(where, limits, row=row)
                for match in far_ref.finditer(data):
                    column_letters, cell_row = match.group(1), match.group(2) or match.group(4)
                    column = _column(column_letters or match.group(3))
                    if column > limits.max_columns or int(cell_row) > limits.max_rows:
                        ref = (column_letters or match.group(3)).decode().upper() + cell_row.decode()
                        _too_far(where, limits, cell=ref)
                if not chunk:
                    return
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError, NotImplementedError) as error:
        raise UploadRefused("Filen kunde inte läsas som en Excel-fil (.xlsx).") from error


def _column(letters: bytes) -> int:
    try:
        return column_index_from_string(letters.decode().upper())
    except ValueError:  # beyond XFD
        return 10**6


def _row_number(value: bytes, where: str) -> int:
    """As openpyxl reads it: an integer, or a float that is one (`5.0`)."""
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or number < 1:
        raise UploadRefused(
            f"I {where} har en rad numret ”{value.decode('utf-8', 'replace')}”, som inte är ett "
            "radnummer. Filen kunde inte läsas som en Excel-fil (.xlsx)."
        )
    return int(number)


def _check_dimension(ref: str, where: str, limits: Limits) -> None:
    """The size the sheet says it has (`A1:X1001`); openpyxl believes it unless told otherwise."""
    last = ref.rsplit(":", 1)[-1]
    match = CELL_REF.fullmatch(last)
    if not match:
        return  # openpyxl reads a sheet with a broken dimension as one without
    column, row = _column(match.group(1).encode()), int(match.group(2))
    if column > limits.max_columns or row > limits.max_rows:
        raise UploadRefused(
            f"Enligt filen sträcker sig {where} till cell {last.upper().replace('$', '')} "
            f"({_rows_and_columns(row, column)}); högst {_count(limits.max_rows)} rader och "
            f"{_count(limits.max_columns)} kolumner läses in. Ta bort tomma rader och kolumner efter "
            "tabellen (markera dem, Ta bort) och spara, eller dela upp filen."
        )


def _too_far(where: str, limits: Limits, *, row: int | None = None, cell: str | None = None):
    if cell is not None:
        found = f"har en cell i {cell}"
    else:
        found = f"har en rad med nummer {_count(row)}"
    raise UploadRefused(
        f"{where[0].upper()}{where[1:]} {found}; högst {_count(limits.max_rows)} rader och "
        f"{_count(limits.max_columns)} kolumner läses in. Ta bort innehåll och formatering nedanför "
        "och till höger om tabellen (även i celler som ser tomma ut) och spara, eller dela upp filen."
    )


# --- The form field -----------------------------------------------------------------------


class SpreadsheetField(forms.FileField):
    """A file field for an import: the allowed endings, then `check_upload`, before any job."""

    def __init__(self, *, extensions: tuple[str, ...], **kwargs):
        self.extensions = extensions
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ",".join(extensions)}))
        kwargs.setdefault("help_text", format_lazy(gettext_lazy("Högst {mb} MB."), mb=settings.UPLOAD_MAX_MB))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        name = upload.name.lower()
        if not name.endswith(self.extensions):
            *others, last = self.extensions
            listed = "".join(f"{e}-, " for e in others[:-1]) + (f"{others[-1]}- eller " if others else "")
            raise forms.ValidationError(f"Välj en {listed}{last}-fil.")
        if name.endswith(".xlsx"):
            start = upload.read(4)
            upload.seek(0)
            if start != b"PK\x03\x04":  # every .xlsx is a zip archive
                raise forms.ValidationError("Filen är ingen Excel-fil (.xlsx), fast namnet slutar så.")
        try:
            check_upload(upload, upload.name)
        except UploadRefused as error:
            raise forms.ValidationError(str(error)) from error
        return upload
