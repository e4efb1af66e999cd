"""Reading the Access export: the file's rows as raw cell values, keyed by the fixed headers.

The header is line 1; each row keeps the line number the file shows. Nothing here knows the
register: `check` makes sense of the values.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import load_workbook

from rekrytering.spreadsheets import read_csv_text
from rekrytering.uploads import UploadRefused, check_upload

from ..exporting import EXPORT_COLUMNS


class ImportFileError(Exception):
    """The file as a whole cannot be used (format, encoding, headers). The message is for the user."""


@dataclass
class Row:
    """One non-empty line of the file: raw cell values by header."""

    line: int
    values: dict
    problems: list[str] = field(default_factory=list)


def parse_file(file_obj, filename: str) -> list[Row]:
    """The file's non-empty rows. Raises ImportFileError when the file as a whole is unusable.

    The upload limits (rekrytering.uploads) are checked first, so the rows are never more than
    UPLOAD_MAX_ROWS.
    """
    name = filename.lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ImportFileError("Filen ska vara en .xlsx- eller .csv-fil.")
    try:
        check_upload(file_obj, filename)
    except UploadRefused as error:
        raise ImportFileError(str(error)) from error
    data = file_obj.read()
    lines = _xlsx_lines(data) if name.endswith(".xlsx") else _csv_lines(data)
    _line, header = next(lines, (1, []))
    columns = _check_header(header)
    rows = []
    for line, cells in lines:
        values = {column: _cell(cells, index) for column, index in columns.items()}
        extra = [cells[i] for i in range(len(header), len(cells)) if not _blank(cells[i])]
        if all(_blank(v) for v in values.values()) and not extra:
            continue  # empty rows are skipped
        row = Row(line, values)
        if extra:
            row.problems.append(f"raden har {len(extra)} värden till höger om sista kolumnen.")
        rows.append(row)
    return rows


def _xlsx_lines(data: bytes) -> Iterable[tuple[int, list]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise ImportFileError("Filen kunde inte läsas som en Excel-fil (.xlsx).") from error
    try:
        sheet = workbook["Uppdrag"] if "Uppdrag" in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # the size stored in the file may be wrong, and would cut rows off
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    finally:
        workbook.close()


def _csv_lines(data: bytes) -> Iterable[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "CSV-filen ska vara sparad som UTF-8 (i Excel: Spara som → ”CSV UTF-8 (kommaavgränsad)”)."
        ) from error
    first_line = text.split("\n", 1)[0]
    if ";" not in first_line:
        raise ImportFileError(
            "CSV-filen ska vara semikolonseparerad, som svenska Excel sparar den. "
            "Rubrikraden innehåller inget semikolon."
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    start = 1
    try:
        for cells in reader:
            # A quoted value can span lines: report the line the row starts on. The export put an
            # apostrophe before text that looks like a formula; the row gets the text back.
            yield start, [read_csv_text(c) for c in cells]
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"CSV-filen kunde inte läsas på rad {start}: {error}.") from error


def _check_header(header: list) -> dict[str, int]:
    """Column name → index; every fixed header exactly once, no other named columns."""
    names = [cell_text(h) for h in header]
    columns, duplicates, unknown = {}, [], []
    for index, name in enumerate(names):
        if not name:
            continue  # Excel leaves empty, unnamed columns behind; they carry nothing we read
        if name in columns:
            duplicates.append(name)
        elif name in EXPORT_COLUMNS:
            columns[name] = index
        else:
            unknown.append(name)
    missing = [c for c in EXPORT_COLUMNS if c not in columns]
    problems = []
    if missing:
        problems.append(f"Kolumner saknas: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Okända kolumner: {', '.join(unknown)}.")
    if duplicates:
        problems.append(f"Kolumner som finns två gånger: {', '.join(duplicates)}.")
    if problems:
        raise ImportFileError(
            "Rubrikraden (rad 1) stämmer inte. "
            + " ".join(problems)
            + " Rubrikerna ska vara exakt: "
            + ", ".join(EXPORT_COLUMNS)
            + ". Använd mallen."
        )
    return columns


def _cell(cells: list, index: int):
    return cells[index] if index < len(cells) else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as text: Excel gives 42.0 for a number typed as 42."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    return str(value).strip()
