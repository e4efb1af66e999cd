"""Hand-built .xlsx files for the upload-limit tests: zip bombs and padded sheets, made in memory.

`xlsx(...)` writes the few parts openpyxl needs, so a test can put any XML in a sheet or in the
shared strings and still have a workbook openpyxl would open; `spy_on_openpyxl` records whether
openpyxl was asked to read a workbook at all.
"""

import io
import time
import zipfile
from xml.sax.saxutils import escape

import pytest

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cells_row(number: int, values: list, start_column: int = 1) -> bytes:
    """`<row r="number">` with inline-string cells from `start_column` on."""
    cells = "".join(
        f'<c r="{column_letter(start_column + i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for i, v in enumerate(values)
        if v is not None
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def sheet_xml(*rows: bytes, dimension: str | None = None) -> bytes:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<worksheet xmlns="{MAIN}">{head}<sheetData>'.encode() + b"".join(rows) + b"</sheetData></worksheet>"
    )


def shared_strings_xml(*texts: str | bytes) -> bytes:
    items = b"".join(
        b"<si><t>" + (t if isinstance(t, bytes) else escape(t).encode()) + b"</t></si>" for t in texts
    )
    return (
        f'<sst xmlns="{MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">'.encode() + items + b"</sst>"
    )


def xlsx(
    sheets: dict[str, bytes],
    *,
    shared_strings: bytes | None = None,
    sheet_paths: dict[str, str] | None = None,
) -> bytes:
    """A workbook with these sheets (tab name → sheet XML), optionally shared strings, deflated."""
    sheet_paths = sheet_paths or {}
    paths = {name: sheet_paths.get(name, f"worksheets/sheet{i}.xml") for i, name in enumerate(sheets, 1)}
    overrides = "".join(
        f'<Override PartName="/xl/{path}" ContentType="{CT}.worksheet+xml"/>' for path in paths.values()
    )
    if shared_strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>{overrides}</Types>'
    )
    root_rels = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    )
    workbook = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, 1))
        + "</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="{paths[n]}"/>'
        for i, n in enumerate(sheets, 1)
    )
    if shared_strings is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}</Relationships>')
        for name, xml in sheets.items():
            archive.writestr(f"xl/{paths[name]}", xml)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def zip_bomb(sheet_name: str, header: list[str], megabytes: int = 30) -> bytes:
    """A valid workbook whose shared strings are `megabytes` MB of one repeated letter, about
    140 kB packed. The header row is there, so only the limits can refuse it."""
    sheet = sheet_xml(
        cells_row(1, header), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>', dimension="A1:X2"
    )
    return xlsx({sheet_name: sheet}, shared_strings=shared_strings_xml(b"A" * (megabytes * 1024 * 1024)))


class CountingFile(io.BytesIO):
    """A file that counts the bytes read from it: a refusal may not need to read it all."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture
def openpyxl_loads(monkeypatch):
    """The workbooks openpyxl was asked to read (its loader is wrapped, not replaced)."""
    from openpyxl.reader.excel import ExcelReader

    calls = []
    original = ExcelReader.read

    def read(self):
        calls.append(time.perf_counter())
        return original(self)

    monkeypatch.setattr(ExcelReader, "read", read)
    return calls
