"""The tertial report as a Word document (python-docx), in the structure of the city's tertial
reports: a title page with the report and its period; the key figures and the charts; then each
goal of the plan in goal-chain order with its assessment for the tertial (uppfyllt, delvis
uppfyllt, ej uppfyllt), the analysis, a table of its indicators (indicator, annual target,
outcome, mark) and a table of its activities (activity, status, comment).

The content is the workbook's (reporting.tertial: the dashboard's figures and the plan's
follow-up); the charts are the dashboard's, drawn as images by chart_images. A4 portrait, Arial
(LibreOffice has its metric twin), Swedish as the document's language, and "Sida N av M" at the
foot of every page.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from rekrytering import memo

from . import chart_images
from . import tertial as report

STEPS = 4  # key figures, charts, goals, saving
ORGANISATION = "Serviceförvaltningen Rekrytering"
FONT = "Arial"
TEXT_WIDTH_CM = 17.0  # A4 portrait less 2 cm margins
INDICATOR_COLUMNS = [("Indikator", 8.0), ("Årsmål", 2.6), ("Utfall", 2.6), ("Bedömning", 3.8)]
ACTIVITY_COLUMNS = [("Aktivitet", 8.0), ("Status", 2.6), ("Kommentar", 6.4)]
HEADER_SHADE = "DCE6F1"
INK = RGBColor(0x1A, 0x1A, 0x1A)


def build_document(
    year: int,
    tertial: int,
    progress: Callable[[int, int, str], None] | None = None,
    data: dict | None = None,
) -> bytes:
    """The report's .docx bytes. `progress(step, steps, label)` is called before each part;
    `data`: the report's figures (tertial.report_data) when the caller has them already."""
    with memo.figure_cache():
        return _build_document(year, tertial, progress, data)


def _build_document(year: int, tertial: int, progress, data) -> bytes:
    def step(i, label):
        if progress:
            progress(i, STEPS, label)

    step(0, "Word: nyckeltal")
    chosen = report.report_period(year, tertial)
    if data is None:
        data = report.report_data(year, tertial)
    name = report.title(year, tertial)
    document = Document()
    _setup(document, name, report.period_words(chosen))
    _title_page(document, name, chosen, data["plan"])

    document.add_heading("Nyckeltal", level=1)
    _key_figures(document, data)

    step(1, "Word: diagram")
    tables = report.chart_tables(data["tables"])
    if tables:
        document.add_heading("Diagram", level=1)
        for table in tables:
            image = chart_images.png(table)
            if image is None:
                continue
            caption = document.add_paragraph(table.title, style="Caption")
            caption.paragraph_format.keep_with_next = True
            document.add_picture(BytesIO(image), width=Cm(16))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    step(2, "Word: mål och analyser")
    document.add_page_break()
    document.add_heading("Mål och måluppfyllelse", level=1)
    sections = report.goal_sections(data["plan"], tertial)
    if not sections:
        document.add_paragraph(f"Det finns ingen verksamhetsplan för {year}.")
    for section in sections:
        _goal(document, section, tertial)
    _lead_times(document, data["tables"])

    step(3, "Word: sparar")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Layout --------------------------------------------------------------------------------


def _set_language(element, language: str = "sv-SE") -> None:
    r_pr = element.get_or_add_rPr()
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), language)


def _field(paragraph, code: str) -> None:
    """A field (PAGE, NUMPAGES) that the reader's program fills in."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        run._r.append(element)


def _setup(document, name: str, period_words: str) -> None:
    """A4 portrait, 2 cm margins, Arial in Swedish, a header with the report and its period and
    "Sida N av M" in the footer."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    section.header_distance = section.footer_distance = Cm(1.0)
    section.different_first_page_header_footer = True  # the title page has none
    styles = document.styles
    for style_name in ("Normal", "Title", "Subtitle", "Caption", *(f"Heading {n}" for n in range(1, 6))):
        style = styles[style_name]
        style.font.name = FONT
        # East Asian and complex-script faces too, or Word keeps its theme font for them.
        r_fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            r_fonts.set(qn(attribute), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            r_fonts.attrib.pop(qn(theme), None)
        _set_language(style.element)
    styles["Normal"].font.size = Pt(10.5)
    styles["Caption"].font.size = Pt(10)
    styles["Caption"].font.bold = True
    styles["Caption"].font.italic = False
    styles["Caption"].font.color.rgb = INK
    document.core_properties.title = name
    document.core_properties.author = ORGANISATION
    document.core_properties.language = "sv-SE"

    header = section.header.paragraphs[0]
    header.text = f"{ORGANISATION}\t{name}\t{period_words}"
    header.style = styles["Header"]
    tabs = header.paragraph_format.tab_stops
    tabs.add_tab_stop(Cm(TEXT_WIDTH_CM / 2), WD_TAB_ALIGNMENT.CENTER)
    tabs.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Sida ")
    _field(footer, "PAGE")
    footer.add_run(" av ")
    _field(footer, "NUMPAGES")


def _title_page(document, name: str, chosen, plan: dict | None) -> None:
    document.add_paragraph(ORGANISATION).runs[0].font.size = Pt(14)
    for _ in range(6):
        document.add_paragraph()
    document.add_paragraph(name, style="Title")
    document.add_paragraph(report.period_text(chosen).capitalize(), style="Subtitle")
    lines = [
        "Tertialrapporten räknas ackumulerat från januari, som i stadens tertialrapporter.",
        f"Verksamhetsplan: {plan['plan']}" if plan else f"Det finns ingen verksamhetsplan för {chosen.year}.",
        f"Skapad {timezone.localdate():%Y-%m-%d}.",
    ]
    for line in lines:
        document.add_paragraph(line)
    document.paragraphs[-1].runs[-1].add_break(WD_BREAK.PAGE)


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(document, columns: list[tuple[str, float]], rows: list[list[str]], *, numeric=()):
    """A table of fixed column widths (in cm, adding up to the text's width): never wider than
    the page. The header row repeats on every page the table runs onto, no row is split between
    two pages; `numeric` columns are right-aligned."""
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, (title, _width) in zip(header.cells, columns, strict=True):
        cell.text = title
        cell.paragraphs[0].runs[0].font.bold = True
        _shade(cell, HEADER_SHADE)
    for values in rows:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row is never cut by a page
        cells = row.cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = value
            if index in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for index, (_title, width) in enumerate(columns):
        table.columns[index].width = Cm(width)
        for cell in table.columns[index].cells:
            cell.width = Cm(width)
    document.add_paragraph()
    return table


def _key_figures(document, data: dict) -> None:
    figures = report.key_figures(data["keys"])
    _table(
        document,
        [("Nyckeltal", 11.0), ("Värde", 6.0)],
        [[figure.label, figure.text] for figure in figures],
        numeric=(1,),
    )
    # How Resultat and Prognos helår are computed (each sentence names its figure first).
    for text in (data["explain"]["result"], data["explain"]["forecast"]):
        document.add_paragraph(text)


LEAD_COLUMNS = [
    ("Paket", 6.0),
    ("Avslutade", 2.5),
    ("Till avslut: median", 2.5),
    ("80 %", 2.5),
    ("Andel omtag", 2.5),
]


def _lead_times(document, tables: dict) -> None:
    """Lead times per package (days from order to close: median and 80th percentile) beside the
    share of omtag, from the dashboard's tables (the workbook's Ledtider sheet has them all)."""
    lead, redo = tables.get("ledtider-paket"), tables.get("omtag-paket")
    if lead is None:
        return
    document.add_heading("Ledtider och omtag", level=1)
    if not lead.rows:
        document.add_paragraph("Inga avslutade uppdrag under perioden.")
        return
    # The cells as the dashboard shows them; the share beside its package (none for "Alla").
    shares = {row[0]: redo.text(row, 4) + "\u00a0%" for row in (redo.rows if redo else [])}
    rows = [[lead.text(r, i) for i in (0, 1, 6, 7)] + [shares.get(r[0], "–")] for r in lead.rows]
    _table(document, LEAD_COLUMNS, rows, numeric=(1, 2, 3, 4))
    document.add_paragraph(
        "Dagar från beställning till avslut, oavsett utfall: medianen och 80:e percentilen. Andel "
        "omtag: av uppdragen som avslutades under perioden, de som ett senare uppdrag gör om. "
        "Arbetsbokens blad Ledtider har även tiden till start och till tillsättning, per nivå och år, "
        "och skälen."
    )


def _labelled(document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(text)
    paragraph.paragraph_format.keep_with_next = True


def _goal(document, section: report.GoalSection, tertial: int) -> None:
    """A goal: its number and text as a heading (one level deeper for each step down the chain),
    its level, the assessment and analysis, and its indicators' and activities' tables."""
    document.add_heading(section.heading, level=min(2 + section.depth, 5))
    level = document.add_paragraph(section.level)
    level.runs[0].italic = True
    if not (section.assessment or section.indicators or section.activities):
        return
    level.paragraph_format.keep_with_next = True  # the goal's heading stays with what it says
    _labelled(document, f"Bedömning T{tertial}", section.assessment_text.lower())
    analysis = document.add_paragraph()
    analysis.add_run("Analys").bold = True
    analysis.paragraph_format.keep_with_next = True
    paragraphs = [part for part in section.analysis.split("\n") if part.strip()]
    for part in paragraphs or ["Ingen analys är skriven för tertialet."]:
        document.add_paragraph(part)
    if section.indicators:
        caption = document.add_paragraph("Indikatorer", style="Caption")
        caption.paragraph_format.keep_with_next = True
        _table(
            document,
            INDICATOR_COLUMNS,
            [
                [line.indicator.name, line.target or "–", line.value_text or "–", line.mark]
                for line in section.indicators
            ],
            numeric=(1, 2),
        )
    if section.activities:
        caption = document.add_paragraph("Aktiviteter", style="Caption")
        caption.paragraph_format.keep_with_next = True
        _table(
            document,
            ACTIVITY_COLUMNS,
            [[line.activity.text, line.status, line.comment or "–"] for line in section.activities],
        )
