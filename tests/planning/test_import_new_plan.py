"""A plan written before the year: the sheets without the outcome columns (Utfall T1–T3) import
through `import_plan` and the upload as well as with them, the template shows both ways, and a
malformed file still gets its Swedish message."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from planning.excel import (
    ACTIVITY_COLUMNS,
    GOAL_COLUMNS,
    INDICATOR_COLUMNS,
    OUTCOME_COLUMNS,
    import_plan,
)
from planning.models import Activity, Goal, Indicator, IndicatorOutcome, Plan, PlanImportJob

GOALS = [
    ["KF:s inriktningsmål", "3", "Ett Stockholm med en stabil och hållbar ekonomi", "", "", "", "", ""],
    [
        "Nämndmål",
        "",
        "Nämndens verksamheter är kostnadseffektiva",
        "Ett Stockholm med en stabil och hållbar ekonomi",
        "Vi säljer till självkostnad.",
        "",
        "",
        "",
    ],
    [
        "Enhetsmål",
        "",
        "Rekrytering har nöjda kunder",
        "Nämndens verksamheter är kostnadseffektiva",
        "",
        "- Hög NPS\n- Många svar",
        "Kundenkät efter varje uppdrag",
        "Tertial",
    ],
]
# Mål, Indikator, Årsmål, KF:s årsmål, Periodicitet: a new plan's indicator sheet.
INDICATORS = [
    ["Rekrytering har nöjda kunder", "Andel nöjda kunder", "97 %", "", "Tertial"],
    ["Rekrytering har nöjda kunder", "Sjukfrånvaro", "4 %", "", "År"],
    ["Nämndens verksamheter är kostnadseffektiva", "Budget i balans", "Ja", "Ja", ""],
]
ACTIVITIES = [
    [
        "Rekrytering har nöjda kunder",
        "Ta fram en kommunikationsplan",
        "2027-01-15",
        "2027-06-30",
        "(KTL)",
        "",
    ],
    ["Nämndens verksamheter är kostnadseffektiva", "Följ upp ekonomin", "", "", "", "Pågår"],
]


def workbook_bytes(indicator_columns, indicator_rows) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, rows in (
        ("Mål", GOAL_COLUMNS, GOALS),
        ("Indikatorer", indicator_columns, indicator_rows),
        ("Aktiviteter", ACTIVITY_COLUMNS, ACTIVITIES),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


NEW_PLAN = workbook_bytes(INDICATOR_COLUMNS[:5], INDICATORS)
WITH_OUTCOMES = workbook_bytes(
    INDICATOR_COLUMNS[:5] + OUTCOME_COLUMNS,
    [
        INDICATORS[0] + [96.5, 97, None],
        INDICATORS[1] + ["3,2", None, None],
        INDICATORS[2] + [None, None, "Ja"],
    ],
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def assert_new_plan(plan: Plan):
    """The goals, their chain, indicators and activities of GOALS, INDICATORS and ACTIVITIES."""
    goals = list(plan.goals.order_by("order"))
    assert [(g.level, g.number, g.title) for g in goals] == [
        (Goal.Level.KF_INRIKTNING, "3", "Ett Stockholm med en stabil och hållbar ekonomi"),
        (Goal.Level.NAMND, "", "Nämndens verksamheter är kostnadseffektiva"),
        (Goal.Level.ENHET, "", "Rekrytering har nöjda kunder"),
    ]
    assert [g.parent for g in goals] == [None, goals[0], goals[1]]
    assert goals[1].description == "Vi säljer till självkostnad."
    assert (goals[2].expected_result, goals[2].approach) == (
        "- Hög NPS\n- Många svar",
        "Kundenkät efter varje uppdrag",
    )
    indicators = Indicator.objects.filter(goal__plan=plan).order_by("order")
    assert [
        (i.goal.title, i.name, i.target_kind, i.target_value, i.target_unit, i.target_yes, i.periodicity)
        for i in indicators
    ] == [
        ("Rekrytering har nöjda kunder", "Andel nöjda kunder", "number", Decimal("97"), "%", None, "tertial"),
        ("Rekrytering har nöjda kunder", "Sjukfrånvaro", "number", Decimal("4"), "%", None, "ar"),
        ("Nämndens verksamheter är kostnadseffektiva", "Budget i balans", "yesno", None, "", True, "tertial"),
    ]
    assert [(i.measure, i.filters, i.direction, i.kf_target) for i in indicators][2] == (
        "",
        {},
        "at_least",
        "Ja",
    )
    activities = Activity.objects.filter(goal__plan=plan).order_by("order")
    assert [(a.goal.title, a.text, a.start, a.end, a.responsible, a.status) for a in activities] == [
        (
            "Rekrytering har nöjda kunder",
            "Ta fram en kommunikationsplan",
            date(2027, 1, 15),
            date(2027, 6, 30),
            "(KTL)",
            Activity.Status.EJ_PABORJAD,
        ),
        (
            "Nämndens verksamheter är kostnadseffektiva",
            "Följ upp ekonomin",
            None,
            None,
            "",
            Activity.Status.PAGAR,
        ),
    ]


@pytest.mark.django_db
def test_a_plan_without_outcome_columns_imports_through_the_command(tmp_path, capsys):
    path = tmp_path / "vp-2027.xlsx"
    path.write_bytes(NEW_PLAN)
    call_command("import_plan", "2027", str(path))
    assert "Verksamhetsplan 2027 skapad: 3 mål, 3 indikatorer." in capsys.readouterr().out
    plan = Plan.objects.get(year=2027, unit=None)
    assert_new_plan(plan)
    assert not IndicatorOutcome.objects.exists()


@pytest.mark.django_db
def test_a_plan_without_outcome_columns_imports_through_the_upload(
    client, admin_user, media, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("plan-import"), {"year": "2027", "file": SimpleUploadedFile("vp-2027.xlsx", NEW_PLAN)}
        )
    job = PlanImportJob.objects.get()
    assert response.status_code == 302 and (job.state, job.error_count, job.total) == ("done", 0, 8)
    assert_new_plan(job.plan)
    assert not IndicatorOutcome.objects.exists()
    page = client.get(response.url).content.decode()
    assert "Alla 8 rader är inlästa och planen <strong>Verksamhetsplan 2027</strong> är skapad." in page


@pytest.mark.django_db
def test_a_plan_with_outcome_columns_still_imports_its_outcomes(tmp_path, capsys):
    path = tmp_path / "vp-2027.xlsx"
    path.write_bytes(WITH_OUTCOMES)
    call_command("import_plan", "2027", str(path))
    plan = Plan.objects.get(year=2027)
    assert_new_plan(plan)
    stored = {
        (o.indicator.name, o.tertial): (o.value, o.value_yes)
        for o in IndicatorOutcome.objects.filter(indicator__goal__plan=plan).select_related("indicator")
    }
    assert stored == {
        ("Andel nöjda kunder", 1): (Decimal("96.5"), None),
        ("Andel nöjda kunder", 2): (Decimal("97"), None),
        ("Sjukfrånvaro", 1): (Decimal("3.2"), None),
        ("Budget i balans", 3): (None, True),
    }


@pytest.mark.django_db
def test_some_outcome_columns_are_enough():
    """A sheet with only Utfall T1 (the plan after the first tertial) reads that one."""
    data = workbook_bytes(INDICATOR_COLUMNS[:5] + ["Utfall T1"], [row + ["1"] for row in INDICATORS[:2]])
    result = import_plan(year=2027, file=io.BytesIO(data))
    assert result.errors == []
    assert set(IndicatorOutcome.objects.values_list("indicator__name", "tertial", "value")) == {
        ("Andel nöjda kunder", 1, Decimal("1")),
        ("Sjukfrånvaro", 1, Decimal("1")),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "columns, messages",
    [
        (
            ["Mål", "Indikator", "KF:s årsmål"],
            ["Flik Indikatorer: kolumner saknas: Årsmål, Periodicitet."],
        ),
        (
            INDICATOR_COLUMNS[:5] + ["Utfall T1", "Utfall tertial 2"],
            [
                "Flik Indikatorer: kolumnen ”Utfall tertial 2” är okänd; utfallen står i kolumnerna "
                "Utfall T1, Utfall T2 och Utfall T3 (de får också saknas)."
            ],
        ),
        (
            INDICATOR_COLUMNS[:5] + ["Utfall", "Utfall T4"],
            [
                "Flik Indikatorer: kolumnerna ”Utfall”, ”Utfall T4” är okända; utfallen står i kolumnerna "
                "Utfall T1, Utfall T2 och Utfall T3 (de får också saknas)."
            ],
        ),
    ],
    ids=["missing-columns", "unknown-outcome-column", "unknown-outcome-columns"],
)
def test_a_malformed_indicator_sheet_is_refused_in_swedish(tmp_path, capsys, columns, messages):
    rows = [row[: len(columns)] for row in INDICATORS]
    path = tmp_path / "vp.xlsx"
    path.write_bytes(workbook_bytes(columns, rows))
    with pytest.raises(SystemExit):
        call_command("import_plan", "2027", str(path))
    out = capsys.readouterr().out.splitlines()
    assert out == messages + [f"{len(messages)} fel. Ingenting sparades."]
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_bad_values_in_a_new_plan_are_named_by_sheet_row_and_column(
    client, admin_user, media, django_capture_on_commit_callbacks
):
    rows = [INDICATORS[0], ["Finns inte", "Sjukfrånvaro", "fyra procent", "", "Månad"]]
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("plan-import"),
            {
                "year": "2027",
                "file": SimpleUploadedFile("vp.xlsx", workbook_bytes(INDICATOR_COLUMNS[:5], rows)),
            },
        )
    job = PlanImportJob.objects.get()
    assert job.state == "failed" and not Plan.objects.exists()
    assert {(e["sheet"], e["line"], e["column"]) for e in job.errors} == {
        ("Indikatorer", 3, "Mål"),
        ("Indikatorer", 3, "Årsmål"),
        ("Indikatorer", 3, "Periodicitet"),
    }
    page = client.get(response.url).content.decode()
    assert "målet ”Finns inte” finns inte i fliken Mål." in page and "ska vara Tertial eller År." in page
    assert "”fyra procent” är inget årsmål; skriv till exempel 97 %" in page


@pytest.mark.django_db
def test_the_template_shows_the_outcome_columns_as_optional_and_imports_filled_in(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("plan-import")).content.decode()
    assert f'href="{reverse("plan-import-template")}" download>Ladda ned mall (.xlsx)' in page
    assert "lämna kolumnerna Utfall T1, Utfall T2 och Utfall T3 tomma, eller ta bort dem" in page
    response = client.get(reverse("plan-import-template"))
    assert response["Content-Disposition"] == 'attachment; filename="verksamhetsplan-mall.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Anvisningar", "Mål", "Indikatorer", "Aktiviteter"]
    header = {cell.value: cell for cell in workbook["Indikatorer"][1]}
    assert list(header) == INDICATOR_COLUMNS
    grey = {name for name, cell in header.items() if cell.fill.fgColor.rgb == "00EDEDED"}
    assert grey == {*OUTCOME_COLUMNS, "Riktning", "Mått", "Urval", "Mått, kod", "Urval, kod"}
    guide = {(row[0], row[1]): row[2] for row in workbook["Anvisningar"].iter_rows(values_only=True)}
    assert guide[("Indikatorer", "Utfall T1")] == "får saknas"
    assert guide[("Indikatorer", "Årsmål")] == "måste finnas"
    assert guide[("Mål", "Rubrik")] == "måste finnas"
    assert "Utfall T1–T3 tomma eller ta bort de kolumnerna" in workbook["Anvisningar"]["A3"].value
    levels = workbook["Mål"].data_validations.dataValidation[0]
    assert levels.formula1 == '"KF:s inriktningsmål,KF:s mål för verksamhetsområdet,Nämndmål,Enhetsmål"'

    # Filled in as a new plan, the outcome columns left empty: it imports.
    for title, rows in (("Mål", GOALS), ("Indikatorer", INDICATORS), ("Aktiviteter", ACTIVITIES)):
        for row in rows:
            workbook[title].append(row)
    filled = io.BytesIO()
    workbook.save(filled)
    result = import_plan(year=2027, file=io.BytesIO(filled.getvalue()))
    assert result.errors == []
    assert_new_plan(result.plan)
    assert not IndicatorOutcome.objects.exists()
