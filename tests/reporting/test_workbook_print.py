"""The tertial report workbook as a document: read back with openpyxl, every sheet prints on A4
landscape fitted to its width with a header and page numbers; money and percentages carry Swedish
number formats; labels are Swedish, never internal keys; charts never overlap and no page break
cuts one; the goals' assessments and analyses are in it.

(What LibreOffice makes of it was looked at too: converted to PDF, every page rendered; see the
report of issue 14.)"""

import random
import re
from datetime import date
from io import BytesIO

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from assignments.models import Assignment, Package
from planning.models import ActivityFollowUp, Goal, GoalAssessment
from planning.targets import apply_target
from rekrytering.spreadsheets import PRINTABLE_HEIGHT_CM, PRINTABLE_WIDTH_CM
from reporting.figures import KEY_FIGURES
from reporting.workbook import SHEETS, build_workbook
from surveys import demo as survey_demo
from tests.factories import AssignmentFactory
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory
from tests.reporting.workbooks import summary_values

KR = '[$-41D]#,##0 "kr"'
PERCENT = '[$-41D]0.0 "%"'
COUNT = "[$-41D]#,##0"
# A key, not a word: `uppdrag_bestallda`, `second_opinion`, `icke_diskriminerande`.
INTERNAL_KEY = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
TODAY = date(2026, 9, 20)


@pytest.fixture
def plan(db):
    """The department's plan for 2026 with a goal chain, indicators in %, kr and st, activities and
    the head's assessment of T2."""
    plan = PlanFactory(year=2026)
    kf = GoalFactory(
        plan=plan, level=Goal.Level.KF_INRIKTNING, number="3", order=0, title="En stabil ekonomi"
    )
    namnd = GoalFactory(
        plan=plan, level=Goal.Level.NAMND, parent=kf, order=1, title="Nämndens ekonomi i balans"
    )
    enhet = GoalFactory(
        plan=plan, level=Goal.Level.ENHET, parent=namnd, order=2, title="Rekrytering har nöjda kunder"
    )
    for goal, name, target, measure, filters in (
        (enhet, "Andel nöjda kunder", "90 %", "share_satisfied", {"kind": "kundenkat"}),
        (namnd, "Intäkter", "1 200 000 kr", "revenue", {}),
        (enhet, "Antal beställda uppdrag", "3 st", "ordered", {}),
    ):
        indicator = IndicatorFactory(goal=goal, name=name, measure=measure, filters=filters)
        apply_target(indicator, target)
        indicator.save()
    activity = ActivityFactory(goal=enhet, text="Ta fram en kommunikationsplan", responsible="Enhetschef")
    ActivityFollowUp.objects.create(activity=activity, tertial=2, status="klar", comment="Klar i juni.")
    GoalAssessment.objects.create(
        goal=enhet, tertial=2, assessment="delvis", analysis="Kunderna är nöjda; svaren är ännu få."
    )
    return plan


@pytest.fixture
def surveyed(dataset, plan):
    """The reporting dataset with enough closed assignments in 2025 and 2026 for every survey's
    results to be shown (five answers or more), answered as the demo answers them."""
    rng = random.Random(3)
    a1 = dataset["a1"]  # its consultant, organisation and sector for all (a user costs a password hash)
    surveys = {"sends_customer_survey": True, "sends_candidate_survey": True, "sends_match_survey": True}
    Package.objects.filter(code="stora").update(**surveys)
    for year in (2025, 2026):
        package = Package.objects.get(price_list__year=year, code="stora")
        for i in range(24):
            closed = date(year, 1 + i % 8, 3 + i)
            AssignmentFactory(
                number=f"{year}-9{i:03d}",
                package=package,
                ordered_on=date(year, 1, 2),
                responsible=a1.responsible,
                organisation=a1.organisation,
                manager=a1.manager,
                sector=a1.sector,
                status=Assignment.Status.AVSLUTAD,
                outcome="tillsatt",
                closed_on=closed,
                candidate_name="Kim Kandidat",
                candidate_email=f"kandidat{year}{i}@example.org",
                candidate_start=closed,
                psychometric_tests=rng.random() < 0.7,
            )
    with freeze_time(TODAY):
        survey_demo.load_demo(stdout=lambda line: None, today=TODAY)
        return load_workbook(BytesIO(build_workbook(2026, 2)))


def column_left_cm(sheet, column: int) -> float:
    """Where a column begins, in cm (7 pixels a unit of width, 96 pixels an inch)."""
    left = 0.0
    for c in range(1, column):
        dimension = sheet.column_dimensions.get(get_column_letter(c))
        width = dimension.width if dimension is not None else None
        left += (int(width * 7) if width else 64) * 2.54 / 96
    return left


def row_top_cm(sheet, row: int) -> float:
    return sum((sheet.row_dimensions[r].height or 15) * 2.54 / 72 for r in range(1, row))


def chart_box(sheet, chart) -> tuple[float, float, float, float, int, int]:
    """A chart's left, top, right and bottom in cm on the sheet, from its anchor and size, and the
    first and last rows it covers."""
    anchor = chart.anchor
    row, column = anchor._from.row + 1, anchor._from.col + 1
    top = row_top_cm(sheet, row) + anchor._from.rowOff / 360000
    left = column_left_cm(sheet, column) + anchor._from.colOff / 360000
    bottom, right = top + anchor.ext.height / 360000, left + anchor.ext.width / 360000
    last = row
    while row_top_cm(sheet, last + 1) < bottom - 1e-6:
        last += 1
    return left, top, right, bottom, row, last


@pytest.mark.django_db
def test_summary_sheet_prints_its_explanations_whole(dataset):
    sheet = load_workbook(BytesIO(build_workbook(2026, 2)))["Sammanfattning"]
    explained = [
        row[0]
        for row in sheet.iter_rows()
        if isinstance(row[0].value, str) and row[0].value.startswith(("Resultat =", "Prognos helår"))
    ]
    assert len(explained) == 2
    merged = {str(r) for r in sheet.merged_cells.ranges}
    for cell in explained:
        assert f"A{cell.row}:B{cell.row}" in merged
        assert cell.alignment.wrap_text
        assert sheet.row_dimensions[cell.row].height > 15


@pytest.mark.django_db
def test_every_sheet_prints_on_a4_landscape_fitted_to_its_width_with_header_and_page_numbers(surveyed):
    assert surveyed.sheetnames == SHEETS
    # Set in Arial (rekrytering.spreadsheets.use_font): LibreOffice has its metric twin, so the
    # columns, and the pages, are as wide there as in Excel.
    assert surveyed._fonts[0].name == "Arial" and surveyed._named_styles["Normal"].font.name == "Arial"
    for sheet in surveyed.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.oddHeader.left.text == "Serviceförvaltningen Rekrytering"
        assert sheet.oddHeader.center.text == f"&BTertialrapport 2 2026: {sheet.title}"
        assert sheet.oddHeader.right.text == "januari–augusti 2026"
        assert sheet.oddFooter.center.text == "Sida &P av &N"
    # A table's header row is repeated on every page it runs onto.
    for title in ("Måluppfyllelse", "Indikatorer", "Aktiviteter", "Citat"):
        assert surveyed[title].print_title_rows == "$1:$1"


@pytest.mark.django_db
def test_money_and_percentages_carry_swedish_number_formats(surveyed):
    summary = surveyed["Sammanfattning"]
    formats = {row[0].value: row[1].number_format for row in summary.iter_rows(min_row=2, max_row=19)}
    assert formats["Intäkter"] == formats["Resultat"] == formats["Prognos intäkter helår"] == KR
    assert formats["Kundenkät: andel nöjda"] == formats["Matchningsenkät: svarsfrekvens"] == PERCENT
    assert formats["Beställda uppdrag"] == COUNT
    assert formats["Kundenkät: NPS"] == "[$-41D]#,##0.0"
    values = summary_values(summary)
    assert set(values) == {key for key, _label in KEY_FIGURES}
    # January–August: A0, A1 and A4 invoiced; A1–A4 and the 24 of 2026 ordered.
    assert values["intakter_fakturerade"] == 77000 and values["uppdrag_bestallda"] == 28
    assert values["kund_andel_nojda"] is not None

    economy = surveyed["Ekonomi"]
    assert [c.value for c in economy[1]][:5] == ["Månad", "Fakturerat", "Bokat", "Intäkter", "Budget"]
    assert economy["B3"].value == 0 or economy["B3"].value is None or economy["B3"].number_format == KR
    march = next(row for row in economy.iter_rows(min_row=2, max_row=13) if row[0].value == "mar")
    assert march[1].value == 27000 and {cell.number_format for cell in march[1:8]} == {KR}
    labels = {row[0].value: row[1] for row in economy.iter_rows() if isinstance(row[0].value, str)}
    assert labels["Resultat i perioden"].number_format == KR

    customers = surveyed["Kundenkät"]
    rows = {row[0].value: row for row in customers.iter_rows(min_row=2, max_row=7)}
    assert rows["Svarsfrekvens"][1].number_format == PERCENT and rows["Svarsfrekvens"][1].value > 0
    assert rows["Andel nöjda"][1].number_format == PERCENT and rows["Svar"][1].number_format == COUNT

    indicators = {row[1].value: row[3] for row in surveyed["Indikatorer"].iter_rows(min_row=2)}
    assert indicators["Andel nöjda kunder"].number_format == PERCENT
    assert indicators["Intäkter"].number_format == KR
    assert indicators["Intäkter"].value == values["intakter"] > 0  # the measure is the summary's figure
    assert indicators["Antal beställda uppdrag"].number_format == '[$-41D]#,##0 "st"'


@pytest.mark.django_db
def test_labels_are_swedish_never_internal_keys(surveyed):
    keys = {key for key, _label in KEY_FIGURES} | set(Package.objects.values_list("code", flat=True))
    for sheet in surveyed.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                assert not INTERNAL_KEY.search(cell.value), (sheet.title, cell.coordinate, cell.value)
                # A label cell (the first column, a header) is never a key, of any spelling.
                if cell.column == 1 or cell.fill.fgColor.rgb == "00DCE6F1":
                    assert cell.value not in keys, (sheet.title, cell.coordinate, cell.value)
    # The package's code is not a column of the report; its name is.
    assert [c.value for c in surveyed["Uppdrag"][1]] == ["Paket", "Beställda", "Avslutade"]


@pytest.mark.django_db
def test_charts_never_overlap_and_no_page_break_cuts_one(surveyed):
    charted = {}
    for sheet in surveyed.worksheets:
        boxes = [chart_box(sheet, chart) for chart in sheet._charts]
        charted[sheet.title] = len(boxes)
        breaks = [b.id for b in sheet.row_breaks.brk]  # a break after row `id`
        widest = max(
            [column_left_cm(sheet, sheet.max_column + 1)]
            + [right for _left, _top, right, _bottom, _first, _last in boxes]
        )
        scale = min(1.0, PRINTABLE_WIDTH_CM / widest)
        for i, (left, top, right, bottom, first, last) in enumerate(boxes):
            for other in boxes[i + 1 :]:
                apart = right <= other[0] or other[2] <= left or bottom <= other[1] or other[3] <= top
                assert apart, (sheet.title, (left, top, right, bottom), other[:4])
            assert not [b for b in breaks if first <= b < last], (sheet.title, first, last, breaks)
            # Each chart fits on a page (fitted to the width, the sheet shrinks by `scale`).
            assert (bottom - top) * scale <= PRINTABLE_HEIGHT_CM, sheet.title
        # Every page the breaks make fits on paper, so that no program breaks a page by itself
        # (and perhaps through a chart): the rows between two breaks, and the repeated header.
        last_row = max([sheet.max_row] + [last for *_box, last in boxes])
        titles = row_top_cm(sheet, 2) if sheet.print_title_rows else 0.0
        starts = [1] + [b + 1 for b in breaks]
        for page, (start, end) in enumerate(zip(starts, starts[1:] + [last_row + 1], strict=True)):
            height = row_top_cm(sheet, end) - row_top_cm(sheet, start) + (titles if page else 0.0)
            assert height * scale <= PRINTABLE_HEIGHT_CM, (sheet.title, page + 1, start, end)
        # Charts stand below the tables: nothing is written in the rows a chart covers.
        for _left, _top, _right, _bottom, first, last in boxes:
            for row in sheet.iter_rows(min_row=first, max_row=last):
                assert all(cell.value is None for cell in row), (sheet.title, first, last)
    assert charted == {
        "Sammanfattning": 0,
        "Uppdrag": 2,
        "Ledtider": 0,
        "Ekonomi": 2,
        "Kundenkät": 2,
        "Kandidatenkät": 2,
        "Matchning": 2,
        "Måluppfyllelse": 0,
        "Indikatorer": 0,
        "Aktiviteter": 0,
        "Citat": 0,
    }
    # The yearly summary is kept on one page, from its title to its average.
    economy = surveyed["Ekonomi"]
    rows = {row[0].value: row[0].row for row in economy.iter_rows() if isinstance(row[0].value, str)}
    title, average = rows["Sammandrag per år (kr)"], rows["Genomsnitt"]
    assert not [b.id for b in economy.row_breaks.brk if title <= b.id < average]
    # The two package charts stand side by side, the pie right of the bars, not on them.
    bars, pie = (chart_box(surveyed["Uppdrag"], chart) for chart in surveyed["Uppdrag"]._charts)
    assert bars[2] <= pie[0] and bars[4] == pie[4]


@pytest.mark.django_db
def test_the_goals_assessments_and_analyses_are_beside_the_indicators_and_activities(surveyed):
    goals = [list(row) for row in surveyed["Måluppfyllelse"].iter_rows(values_only=True)]
    assert goals == [
        ["Nivå", "Nummer", "Mål", "Bedömning T2", "Analys", "Indikatorer"],
        ["KF:s inriktningsmål", "3", "En stabil ekonomi", "Ej bedömt", None, None],
        ["Nämndmål", None, "Nämndens ekonomi i balans", "Ej bedömt", None, "0 av 1 uppfyllda"],
        [
            "Enhetsmål",
            None,
            "Rekrytering har nöjda kunder",
            "Delvis uppfyllt",
            "Kunderna är nöjda; svaren är ännu få.",
            "2 av 2 uppfyllda",
        ],
    ]
    # The goal chain's depth is shown by indentation too.
    assert [surveyed["Måluppfyllelse"].cell(row=r, column=3).alignment.indent for r in (2, 3, 4)] == [0, 1, 2]
    indicators = [row[:5] for row in surveyed["Indikatorer"].iter_rows(min_row=2, values_only=True)]
    assert [(goal, name, target, mark) for goal, name, target, _value, mark in indicators] == [
        ("Nämndens ekonomi i balans", "Intäkter", "1\xa0200\xa0000 kr", "✗ Ej uppfyllt"),
        ("Rekrytering har nöjda kunder", "Andel nöjda kunder", "90 %", "✓ Uppfyllt"),
        ("Rekrytering har nöjda kunder", "Antal beställda uppdrag", "3 st", "✓ Uppfyllt"),
    ]
    activities = list(surveyed["Aktiviteter"].iter_rows(min_row=2, values_only=True))
    assert [(a[1], a[4], a[5], a[6]) for a in activities] == [
        ("Ta fram en kommunikationsplan", "Enhetschef", "Klar", "Klar i juni.")
    ]


@pytest.mark.django_db
def test_a_year_without_a_plan_says_so(dataset):
    workbook = load_workbook(BytesIO(build_workbook(2026, 2)))
    for title in ("Måluppfyllelse", "Indikatorer", "Aktiviteter"):
        assert workbook[title]["A2"].value == "Det finns ingen verksamhetsplan för 2026."
