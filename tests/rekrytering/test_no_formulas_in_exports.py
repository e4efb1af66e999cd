"""No file the app writes turns user text into a formula (issue 11, finding 4).

Every free-text field that reaches an export or a report is filled with text a spreadsheet
program would run (`=HYPERLINK(...)`, `+1+1`, `-2+3`, `@SUM(1)`, a leading tab or carriage return);
then every .xlsx and .csv is built the way users get it (views, the report task, commands) and
every cell of every sheet is read back: none may be a formula, and each text must be there as it
was typed.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from assignments.models import Assignment
from planning.models import Activity, ActivityFollowUp, Goal, GoalAssessment, IndicatorOutcome
from planning.targets import apply_target
from reporting.models import TertialReport
from surveys.models import Answer, FollowUp, FollowUpNote, Kind, Question, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
# What a spreadsheet program runs when a CSV field begins with it (OWASP, CSV injection).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# One text per field, each beginning like one of the payloads and naming its field.
T = {
    "organisation": '=HYPERLINK("http://x","Kund")',
    "manager": "+1+1 Beställare",
    "email": "-2+3@example.org",
    "role_title": "\t=1 Tjänst",
    "sector": "\r=1 Verksamhet",
    "package_code": "-2-3",
    "package_name": '=HYPERLINK("http://x","Paket")',
    "initials": "@SUM(1)",
    "first_name": '=HYPERLINK("http://x","Konsult")',
    "notes": "\t=1 Anteckning",
    "candidate": "\r=1 Kandidat",
    "price_reason": "+1+1 Prisskäl",
    "plan_title": '=HYPERLINK("http://x","Plan")',
    "goal_number": "+1+1",
    "parent_title": '=HYPERLINK("http://x","Överordnat")',
    "goal_title": "-2+3 Mål",
    "description": "@SUM(1) Beskrivning",
    "expected_result": "\t=1 Förväntat",
    "approach": "\r=1 Arbetssätt",
    "follow_up": '=HYPERLINK("http://x","Uppföljning")',
    "indicator": "+1+1 Indikator",
    "kf_target": "-2+3 KF",
    "explanation": "@SUM(1) Förklaring",
    "activity": '=HYPERLINK("http://x","Aktivitet")',
    "responsible": "-2+3 Ansvarig",
    "activity_comment": "+1+1 Kommentar",
    "analysis": "@SUM(1) Analys",
    "question": '=HYPERLINK("http://x","Fråga")',
    "follow_up_note": "-2+3 Åtgärd",
    "error_code": "#N/A",
}
QUOTES = PAYLOADS + ["#N/A"]


@pytest.fixture
def poisoned(db, chef):
    """A register, a plan and survey answers whose every free text begins like a formula."""
    price_list = PriceListFactory(year=2026)
    package = PackageFactory(price_list=price_list, code=T["package_code"], name=T["package_name"])
    consultant = UserFactory(
        username="konsult-x", first_name=T["first_name"], last_name="Efternamn", initials=T["initials"]
    )
    organisation = OrganisationFactory(name=T["organisation"])
    manager = ManagerFactory(name=T["manager"], email=T["email"], organisation=organisation)
    sector = SectorFactory(name=T["sector"])
    assignment = AssignmentFactory(
        organisation=organisation,
        manager=manager,
        role_title=T["role_title"],
        sector=sector,
        package=package,
        responsible=consultant,
        ordered_on=date(2026, 2, 2),
        status=Assignment.Status.AVSLUTAD,
        outcome=Assignment.Outcome.TILLSATT,
        closed_on=date(2026, 3, 30),
        notes=T["notes"],
        candidate_name=T["candidate"],
        price=Decimal("25000"),
        price_reason=T["price_reason"],
    )
    TimeEntryFactory(user=consultant, assignment=assignment, date=date(2026, 3, 3), hours=Decimal("8"))

    plan = PlanFactory(year=2026, title=T["plan_title"])
    parent = GoalFactory(plan=plan, level=Goal.Level.NAMND, title=T["parent_title"], order=0)
    goal = GoalFactory(
        plan=plan,
        level=Goal.Level.ENHET,
        parent=parent,
        order=1,
        number=T["goal_number"],
        title=T["goal_title"],
        description=T["description"],
        expected_result=T["expected_result"],
        approach=T["approach"],
        follow_up=T["follow_up"],
    )
    indicator = IndicatorFactory(goal=goal, name=T["indicator"], kf_target=T["kf_target"])
    apply_target(indicator, "40 st")
    indicator.save()
    IndicatorOutcome.objects.create(
        indicator=indicator, tertial=1, value=Decimal("12"), explanation=T["explanation"], frozen=True
    )
    activity = ActivityFactory(
        goal=goal, text=T["activity"], responsible=T["responsible"], start=date(2026, 1, 1)
    )
    ActivityFollowUp.objects.create(
        activity=activity, tertial=1, status=Activity.Status.PAGAR, comment=T["activity_comment"]
    )
    GoalAssessment.objects.create(
        goal=goal, tertial=1, assessment=GoalAssessment.Assessment.DELVIS, analysis=T["analysis"]
    )

    questionnaire = seed_questionnaire(Kind.KUND, 2026)
    Question.objects.filter(questionnaire=questionnaire, key="helhet").update(text=T["question"])
    for day, quote in enumerate(QUOTES, start=1):
        response = Response.objects.create(
            questionnaire=questionnaire,
            kind=Kind.KUND,
            answered_on=date(2026, 4, day),
            assignment=assignment,
            consultant=consultant,
        )
        Answer.objects.create(response=response, question_key="helhet", type="scale", number=4)
        Answer.objects.create(
            response=response, question_key="kommentar", type="text", text=quote, is_quote=True
        )
    follow_up = FollowUp.objects.create(response=response, reasons="low_score", due_on=date(2026, 4, 20))
    FollowUpNote.objects.create(follow_up=follow_up, author=chef, text=T["follow_up_note"])
    return {"plan": plan, "assignment": assignment}


def xlsx_cells(content: bytes):
    """(sheet, coordinate, data type, value) of every cell of every sheet."""
    workbook = load_workbook(io.BytesIO(content))
    return [
        (ws.title, cell.coordinate, cell.data_type, cell.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def xlsx_problems(name: str, content: bytes, expected) -> list[str]:
    """Formula cells, and expected texts not found as text cells."""
    cells = xlsx_cells(content)
    problems = [
        f"{name} {sheet}!{coordinate}: formula {value!r}"
        for sheet, coordinate, data_type, value in cells
        if data_type == "f" or (isinstance(value, str) and value.startswith("=") and data_type != "s")
    ]
    texts = {value for _sheet, _coordinate, data_type, value in cells if data_type == "s"}
    # XML reads a raw carriage return as a line feed (XML 1.0, 2.11): "\r=1" is "\n=1" in a file
    # that ElementTree wrote; with lxml (python-docx's, and openpyxl then writes with it) the
    # carriage return is written as a character reference and comes back as typed.
    return problems + [
        f"{name}: {t!r} not there as text"
        for t in expected
        if t not in texts and t.replace("\r", "\n") not in texts
    ]


def csv_problems(name: str, content: bytes, expected) -> list[str]:
    """Fields a spreadsheet program would run, and expected texts not kept whole behind the
    apostrophe that makes them text."""
    text = content.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for f in row]
    problems = [f"{name}: formula {f!r}" for f in fields if f.startswith(CSV_FORMULA_START)]
    return problems + [f"{name}: {t!r} not there as text" for t in expected if "'" + t not in fields]


ASSIGNMENT_TEXTS = [
    T[k] for k in ("organisation", "manager", "email", "role_title", "sector", "package_code", "initials")
]
PLAN_TEXTS = [
    T[k]
    for k in (
        "goal_number",
        "parent_title",
        "goal_title",
        "description",
        "expected_result",
        "approach",
        "follow_up",
        "indicator",
        "kf_target",
        "activity",
        "responsible",
    )
]
# The report names a package by its name: its code is the summary API's, not the reader's.
REPORT_TEXTS = [
    T[k]
    for k in (
        "package_name",
        "sector",
        "question",
        "goal_title",
        "indicator",
        "explanation",
        "activity",
        "responsible",
        "activity_comment",
        "goal_number",
        "analysis",
    )
] + QUOTES
# What each dashboard table shows of the texts (the others hold labels and numbers).
TABLE_TEXTS = {
    "paket": [T["package_name"], T["package_code"]],
    "verksamhet": [T["sector"]],
    "tid-paket": [T["package_name"]],
    "konsulter": [T["first_name"] + " Efternamn"],
    "indikatorer": [T["indicator"]],
}


@pytest.mark.django_db
def test_no_export_or_report_turns_text_into_a_formula(client, chef, admin_user, poisoned, tmp_path):
    files = {}
    client.force_login(admin_user)
    files["uppdrag.xlsx"] = client.get(reverse("assignment-list-xlsx")).content
    files["uppdrag-mall.xlsx"] = client.get(reverse("import-template", args=["xlsx"])).content
    files["uppdrag-mall.csv"] = client.get(reverse("import-template", args=["csv"])).content
    files["verksamhetsplan.xlsx"] = client.get(reverse("plan-export", args=[poisoned["plan"].pk])).content
    for name in ("export.xlsx", "export.csv"):
        call_command("export_assignments", str(tmp_path / name))
        files[f"export_assignments {name}"] = (tmp_path / name).read_bytes()
    call_command("export_plan", "2026", str(tmp_path / "plan.xlsx"))
    files["export_plan"] = (tmp_path / "plan.xlsx").read_bytes()

    client.force_login(chef)
    query = {"ar": 2026, "period": "cum1"}
    tables = set()
    for url_name in ("reporting-dashboard", "reporting-plan"):
        url = reverse(url_name)
        for key in client.get(url, query).context["tables"]:
            download = client.get(url, {**query, "tabell": key})
            assert download.status_code == 200, key
            files[f"tabell {key}"] = download.content
            tables.add(key)
    assert set(TABLE_TEXTS) | {"organisationstyp", "intakter-manad", "ekonomi-ar", "enkater"} <= set(tables)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        client.post(reverse("report-create"), {"ar": 2026, "tertial": 1})
    report = TertialReport.objects.get()
    assert report.state == TertialReport.State.DONE, report.error
    files["tertialrapport"] = report.file.read()

    expected = {
        "uppdrag.xlsx": ASSIGNMENT_TEXTS,
        "export_assignments export.xlsx": ASSIGNMENT_TEXTS,
        "export_assignments export.csv": ASSIGNMENT_TEXTS,
        "uppdrag-mall.xlsx": [T["package_code"], T["package_name"], T["sector"]],
        "verksamhetsplan.xlsx": PLAN_TEXTS,
        "export_plan": PLAN_TEXTS,
        "tertialrapport": REPORT_TEXTS,
    } | {f"tabell {key}": texts for key, texts in TABLE_TEXTS.items()}
    problems = []
    for name, content in files.items():
        check = csv_problems if name.endswith(".csv") else xlsx_problems
        problems += check(name, content, expected.get(name, []))
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_cells_are_text_cells_in_the_file_itself(client, chef, poisoned):
    """Read by a program other than openpyxl, the quote sheet holds strings, not <f> elements."""
    import zipfile

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        client.force_login(chef)
        client.post(reverse("report-create"), {"ar": 2026, "tertial": 1})
    content = TertialReport.objects.get().file.read()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(archive.read(n).decode() for n in sheets)
    assert "<f>" not in xml and "<f " not in xml
    assert 'HYPERLINK("http://x","y")' in xml.replace("&quot;", '"')
