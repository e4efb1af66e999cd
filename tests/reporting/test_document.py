"""The tertial report as a Word document, read back with python-docx: the title, the key figures in
Swedish, the dashboard's charts as images, then each goal in goal-chain order with its assessment,
analysis and tables of indicators and activities that fit the page."""

import warnings
from io import BytesIO

import pytest
from docx import Document
from docx.shared import Cm

from rekrytering.charts import Table
from rekrytering.numbers import format_number
from reporting import chart_images
from reporting.dashboard import build
from reporting.document import build_document
from reporting.figures import Scope
from reporting.tertial import report_period
from tests.reporting.test_workbook_print import plan  # noqa: F401 - fixture

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def document(dataset, plan):  # noqa: F811
    return Document(BytesIO(build_document(2026, 2)))


def texts(document, style_prefix: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith(style_prefix)]


def rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.mark.django_db
def test_title_key_figures_and_headings_in_the_tertial_reports_order(document):
    assert texts(document, "Title") == ["Tertialrapport 2 2026"]
    assert texts(document, "Subtitle") == ["Januari–augusti 2026 (2026-01-01–2026-08-31)"]
    assert texts(document, "Heading") == [
        "Nyckeltal",
        "Diagram",
        "Mål och måluppfyllelse",
        "3 En stabil ekonomi",
        "Nämndens ekonomi i balans",
        "Rekrytering har nöjda kunder",
        "Ledtider och omtag",
    ]
    # One heading level deeper for each step down the goal chain.
    levels = [p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")][3:-1]
    assert levels == ["Heading 2", "Heading 3", "Heading 4"]
    figures = dict(rows(document.tables[0]))
    assert figures["Nyckeltal"] == "Värde"
    assert figures["Beställda uppdrag"] == "4"
    assert figures["Fakturerade intäkter"] == "77\xa0000\xa0kr"
    assert figures["Intäkt per årsarbetare"] == "56\xa0000\xa0kr"  # (77 000 + 35 000 booked) / 2 FTEs
    assert figures["Kundenkät: NPS"] == "–"  # no answers: no figure, not 0
    assert not any("_" in label for label in figures)
    body = "\n".join(p.text for p in document.paragraphs)
    assert "\nResultat = periodens intäkter (fakturerat + bokat)" in body and "\nPrognos helår per " in body
    assert document.core_properties.language == "sv-SE"


@pytest.mark.django_db
def test_each_goal_carries_its_assessment_analysis_indicators_and_activities(document):
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("Rekrytering har nöjda kunder")
    assert paragraphs[start + 1 : start + 5] == [
        "Enhetsmål",
        "Bedömning T2: delvis uppfyllt",
        "Analys",
        "Kunderna är nöjda; svaren är ännu få.",
    ]
    # The nämndmål has an indicator but no assessment: said, not left out.
    middle = paragraphs.index("Nämndens ekonomi i balans")
    assert paragraphs[middle + 2 : middle + 5] == [
        "Bedömning T2: ej bedömt",
        "Analys",
        "Ingen analys är skriven för tertialet.",
    ]
    # The KF goal above has nothing of its own to report: its heading and level only.
    top = paragraphs.index("3 En stabil ekonomi")
    assert paragraphs[top + 1 : top + 3] == ["KF:s inriktningsmål", "Nämndens ekonomi i balans"]
    tables = [rows(t) for t in document.tables[1:]]
    assert tables[0][0] == ["Indikator", "Årsmål", "Utfall", "Bedömning"]
    assert tables[0][1][:2] == ["Intäkter", "1\xa0200\xa0000 kr"] and tables[0][1][3] == "✗ Ej uppfyllt"
    assert [row[0] for row in tables[1]] == ["Indikator", "Andel nöjda kunder", "Antal beställda uppdrag"]
    assert tables[1][2] == ["Antal beställda uppdrag", "3 st", "4 st", "✓ Uppfyllt"]
    assert tables[2] == [
        ["Aktivitet", "Status", "Kommentar"],
        ["Ta fram en kommunikationsplan", "Klar", "Klar i juni."],
    ]


@pytest.mark.django_db
def test_tables_fit_the_page_and_the_charts_are_images(document):
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    # A4 portrait (Word keeps the size in twentieths of a point).
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    for table in document.tables:
        assert sum(column.width for column in table.columns) <= text_width
        # Each header row repeats on a page the table runs onto; no row is cut by a page.
        assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")
        assert all(row._tr.trPr.xpath("./w:cantSplit") for row in table.rows[1:])
    pictures = document.inline_shapes
    assert len(pictures) == 7  # each of the dashboard's charts
    assert all(picture.width <= text_width for picture in pictures)
    images = [part for part in document.part.package.parts if part.content_type == "image/png"]
    assert len(images) == 7 and all(part.blob.startswith(PNG) for part in images)
    captions = texts(document, "Caption")
    assert captions[:7] == [
        "Uppdrag per paket",
        "Beställda uppdrag per typ av organisation",
        "Beställda uppdrag per verksamhet",
        "Intäkter och budget per månad",
        "Ackumulerade intäkter mot budget",
        "Tid per avslutat uppdrag och paket",
        "Aktiviteter per status",
    ]
    # The footer numbers the pages: "Sida N av M" with Word's fields.
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("Sida ") and " av " in footer.text
    codes = [node.text.strip() for node in footer._p.xpath(".//w:instrText")]
    assert codes == ["PAGE", "NUMPAGES"]
    assert section.header.paragraphs[0].text == (
        "Serviceförvaltningen Rekrytering\tTertialrapport 2 2026\tjanuari–augusti 2026"
    )


@pytest.mark.django_db
def test_a_chart_image_is_drawn_from_the_dashboards_table(dataset):
    tables = build(Scope(report_period(2026, 2)), dataset["a1"].ordered_on)["tables"]
    for key in ("paket", "intakter-manad", "intakter-ackumulerat"):
        image = chart_images.png(tables[key])
        assert image.startswith(PNG), key
    # A label with a line break or a tab is drawn on one line (no glyph is missing).
    odd = Table(
        "udda",
        "Udda",
        ["Paket", "Antal"],
        [["\r=1 Verksamhet\tett", 3]],
        chart={"type": "bar", "values": [1]},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert chart_images.png(odd).startswith(PNG)
    # Nothing to draw: no image (the document leaves the chart out).
    empty = Table(
        "tom", "Tom", ["Paket", "Antal"], [["Stora paketet", None]], chart={"type": "bar", "values": [1]}
    )
    assert chart_images.png(empty) is None
    assert chart_images.png(Table("ingen", "Ingen", ["A"], [["x"]])) is None


@pytest.mark.django_db
def test_a_year_without_a_plan_says_so(dataset):
    document = Document(BytesIO(build_document(2026, 1)))
    assert "Det finns ingen verksamhetsplan för 2026." in [p.text for p in document.paragraphs]
    assert texts(document, "Title") == ["Tertialrapport 1 2026"]


@pytest.mark.django_db
def test_the_lead_times_and_omtag_per_package_close_the_report(document, dataset):
    tables = build(Scope(report_period(2026, 2)), dataset["a1"].ordered_on)["tables"]
    lead, redo = tables["ledtider-paket"], tables["omtag-paket"]
    assert lead.rows, "the fixture closes assignments in the period"
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs.index("Ledtider och omtag") > paragraphs.index("Mål och måluppfyllelse")
    found = rows(document.tables[-1])
    assert found[0] == ["Paket", "Avslutade", "Till avslut: median", "80 %", "Andel omtag"]
    shares = {row[0]: row[4] for row in redo.rows}
    assert [row[0] for row in found[1:]] == [str(row[0]) for row in lead.rows]
    for row, source in zip(found[1:], lead.rows, strict=True):
        # As the dashboard shows them: whole days without decimals, halves with one.
        assert row[1] == str(source[1])
        assert (row[2], row[3]) == (format_number(source[6]), format_number(source[7]))
        share = shares.get(source[0])
        assert row[4] == ("–" if share is None else format_number(share) + "\xa0%")
