"""The goal chain, follow-up with locking, copying, and the Excel round trip."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from openpyxl import load_workbook

from planning import services
from planning.excel import export_plan, import_plan
from planning.models import Goal, Indicator, IndicatorOutcome, Plan
from planning.targets import apply_target
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory


@pytest.fixture
def plan(db):
    plan = PlanFactory(year=2026)
    kf = GoalFactory(
        plan=plan,
        level=Goal.Level.KF_INRIKTNING,
        number="3",
        order=0,
        title="Ett Stockholm med en stabil och hållbar ekonomi",
    )
    kf2 = GoalFactory(
        plan=plan,
        level=Goal.Level.KF_VERKSAMHET,
        number="3.1",
        parent=kf,
        order=1,
        title="Stockholms stad har en god ekonomisk hushållning",
    )
    namnd = GoalFactory(
        plan=plan, level=Goal.Level.NAMND, parent=kf2, order=2, title="Nämndens ekonomi är i balans"
    )
    enhet = GoalFactory(
        plan=plan,
        level=Goal.Level.ENHET,
        parent=namnd,
        order=3,
        title="Rekrytering har nöjda kunder",
        description="Vi ska ha nöjda kunder.",
        expected_result="- Hög NPS\n- Många svar",
    )
    manual = IndicatorFactory(goal=enhet, name="Sjukfrånvaro", direction="at_most", order=0)
    apply_target(manual, "4 %")
    manual.save()
    computed = IndicatorFactory(
        goal=enhet,
        name="Antal beställda chefsrekryteringar",
        measure="ordered",
        filters={"package": "chef"},
        order=1,
        kf_target="Tas fram av nämnd",
    )
    apply_target(computed, "40 st")
    computed.save()
    yes = IndicatorFactory(goal=namnd, name="Budget i balans", periodicity="ar", order=2)
    apply_target(yes, "Ja")
    yes.save()
    IndicatorFactory(goal=namnd, name="Utan mål", order=3)
    ActivityFactory(
        goal=enhet,
        text="Ta fram en kommunikationsplan",
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        responsible="Enhetschef",
    )
    ActivityFactory(
        goal=namnd,
        text="Följ upp ekonomin varje månad",
        start=date(2024, 2, 29),
        end=date(2026, 12, 31),
        responsible="Ledningsgruppen",
        status="pagar",
    )
    return plan


@pytest.mark.django_db
def test_goal_chain(plan):
    enhet = Goal.objects.get(title="Rekrytering har nöjda kunder")
    chain = []
    goal = enhet
    while goal:
        chain.append(goal.level)
        goal = goal.parent
    assert chain == ["enhet", "namnd", "kf_verksamhet", "kf_inriktning"]


@pytest.mark.django_db
def test_outcomes_entered_computed_and_locked(plan, chef, konsult):
    chef_package = PackageFactory(price_list=PriceListFactory(year=2026), code="chef", name="Chefspaket")
    for day in (10, 20):
        AssignmentFactory(package=chef_package, ordered_on=date(2026, 3, day))
    manual = Indicator.objects.get(name="Sjukfrånvaro")
    computed = Indicator.objects.get(name="Antal beställda chefsrekryteringar")
    services.record_outcome(manual, tertial=1, by=chef, value=Decimal("3.2"))
    assert services.outcome(manual, 1).met is True
    with pytest.raises(PermissionDenied):
        services.record_outcome(manual, tertial=1, by=konsult, value=Decimal("1"))
    with pytest.raises(ValidationError):
        services.record_outcome(computed, tertial=1, by=chef, value=Decimal("1"))
    result = services.outcome(computed, 1)
    assert result.value == 2 and result.met is False and "(Paket: Chefspaket)" in result.explanation
    services.lock_tertial(plan, tertial=1, by=chef)
    AssignmentFactory(package=chef_package, ordered_on=date(2026, 4, 1))  # after the report
    assert services.outcome(computed, 1).value == 2 and services.outcome(computed, 1).frozen
    assert services.outcome(computed, 2).value == 3  # T2 is cumulative and still open
    with pytest.raises(ValidationError):
        services.record_outcome(manual, tertial=1, by=chef, value=Decimal("9"))
    with pytest.raises(ValidationError):
        services.lock_tertial(plan, tertial=1, by=chef)
    goal = Goal.objects.get(title="Rekrytering har nöjda kunder")
    services.assess_goal(goal, tertial=2, assessment="delvis", analysis="NPS nära målet", by=chef)
    with pytest.raises(ValidationError):
        services.assess_goal(goal, tertial=1, assessment="uppfyllt", analysis="", by=chef)


@pytest.mark.django_db
def test_copy_to_next_year(plan, chef):
    services.record_outcome(
        Indicator.objects.get(name="Sjukfrånvaro"), tertial=1, by=chef, value=Decimal("3")
    )
    copy = services.copy_plan(plan, to_year=2027, by=chef)
    assert copy.status == "utkast" and copy.title == "Verksamhetsplan 2027"
    assert copy.goals.count() == 4
    enhet = copy.goals.get(level="enhet")
    assert enhet.parent.plan == copy and enhet.parent.parent.parent.level == "kf_inriktning"
    assert Indicator.objects.filter(goal__plan=copy).count() == 4
    assert not IndicatorOutcome.objects.filter(indicator__goal__plan=copy).exists()
    activity = copy.goals.get(level="namnd").activities.get()
    assert (activity.start, activity.end, activity.status) == (
        date(2025, 2, 28),
        date(2027, 12, 31),
        "ej_paborjad",
    )
    with pytest.raises(ValidationError):
        services.copy_plan(plan, to_year=2027, by=chef)


def sheet_values(data):
    workbook = load_workbook(io.BytesIO(data))
    return {
        name: [list(row) for row in workbook[name].iter_rows(values_only=True)]
        for name in workbook.sheetnames
    }


@pytest.mark.django_db
def test_excel_export_layout(plan, chef):
    services.record_outcome(
        Indicator.objects.get(name="Sjukfrånvaro"), tertial=1, by=chef, value=Decimal("3.5")
    )
    buffer = io.BytesIO()
    export_plan(plan, buffer)
    sheets = sheet_values(buffer.getvalue())
    assert list(sheets) == ["Mål", "Indikatorer", "Aktiviteter"]
    assert sheets["Mål"][0] == [
        "Nivå",
        "Nummer",
        "Rubrik",
        "Överordnat mål",
        "Beskrivning",
        "Förväntat resultat",
        "Arbetssätt",
        "Uppföljning",
    ]
    assert sheets["Mål"][2][:4] == [
        "KF:s mål för verksamhetsområdet",
        "3.1",
        "Stockholms stad har en god ekonomisk hushållning",
        "Ett Stockholm med en stabil och hållbar ekonomi",
    ]
    assert sheets["Indikatorer"][0][:5] == ["Mål", "Indikator", "Årsmål", "KF:s årsmål", "Periodicitet"]
    targets = {row[1]: (row[2] or "").replace("\xa0", " ") for row in sheets["Indikatorer"][1:]}
    assert targets == {
        "Sjukfrånvaro": "4 %",
        "Antal beställda chefsrekryteringar": "40 st",
        "Budget i balans": "Ja",
        "Utan mål": "",
    }
    sick = next(row for row in sheets["Indikatorer"] if row[1] == "Sjukfrånvaro")
    assert sick[5] == 3.5 and sick[4] == "Tertial"
    plan_row = next(row for row in sheets["Aktiviteter"] if row[1] == "Ta fram en kommunikationsplan")
    assert plan_row[2].date() == date(2026, 1, 1) and plan_row[4:] == ["Enhetschef", "Ej påbörjad"]
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook["Mål"].freeze_panes == "A2" and workbook["Mål"].column_dimensions["C"].width == 50


@pytest.mark.django_db
def test_excel_round_trip(plan, chef):
    services.record_outcome(
        Indicator.objects.get(name="Sjukfrånvaro"), tertial=1, by=chef, value=Decimal("3.5")
    )
    services.record_outcome(Indicator.objects.get(name="Budget i balans"), tertial=3, by=chef, value_yes=True)
    first = io.BytesIO()
    export_plan(plan, first)
    result = import_plan(year=2030, file=io.BytesIO(first.getvalue()))
    assert result.errors == []
    second = io.BytesIO()
    export_plan(result.plan, second)
    assert sheet_values(second.getvalue()) == sheet_values(first.getvalue())


@pytest.mark.django_db
def test_excel_round_trip_keeps_formula_like_text_as_text():
    """Texts that begin like a formula are string cells in the export and come back as they were."""
    plan = PlanFactory(year=2026)
    parent = GoalFactory(plan=plan, level=Goal.Level.NAMND, order=0, title='=HYPERLINK("http://x","y")')
    goal = GoalFactory(
        plan=plan,
        level=Goal.Level.ENHET,
        parent=parent,
        order=1,
        number="+1+1",
        title="-2+3 Rekrytering",
        description="@SUM(1) Beskrivning",
        expected_result="=1+1\n- Hög NPS",
        approach="'=1 med eget apostrof",
        follow_up="#N/A",
    )
    indicator = IndicatorFactory(goal=goal, name="=Andel nöjda", kf_target="-5 %")
    apply_target(indicator, "40 st")
    indicator.save()
    ActivityFactory(goal=goal, text="+Ta fram en plan", responsible="@KTL, AN")
    texts = ["title", "number", "description", "expected_result", "approach", "follow_up"]

    first = io.BytesIO()
    export_plan(plan, first)
    workbook = load_workbook(io.BytesIO(first.getvalue()))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type != "s" and isinstance(c.value, str)] == []
    result = import_plan(year=2030, file=io.BytesIO(first.getvalue()))

    assert result.errors == []
    copy = result.plan.goals.get(level=Goal.Level.ENHET)
    assert [getattr(copy, name) for name in texts] == [getattr(goal, name) for name in texts]
    assert copy.parent.title == parent.title
    assert Indicator.objects.filter(goal=copy).values_list("name", "kf_target").get() == (
        "=Andel nöjda",
        "-5 %",
    )
    assert copy.activities.values_list("text", "responsible").get() == ("+Ta fram en plan", "@KTL, AN")
    second = io.BytesIO()
    export_plan(result.plan, second)
    assert sheet_values(second.getvalue()) == sheet_values(first.getvalue())


@pytest.mark.django_db
def test_excel_import_errors_by_sheet_row_column(plan):
    buffer = io.BytesIO()
    export_plan(plan, buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    workbook["Mål"]["A3"] = "Kommunmål"
    workbook["Indikatorer"]["C2"] = "Tas fram av nämnd"
    workbook["Indikatorer"]["A3"] = "Finns inte"
    workbook["Aktiviteter"]["C2"] = "första mars"
    broken = io.BytesIO()
    workbook.save(broken)
    result = import_plan(year=2031, file=io.BytesIO(broken.getvalue()))
    found = {(e.sheet, e.line, e.column) for e in result.errors}
    assert found == {
        ("Mål", 3, "Nivå"),
        ("Indikatorer", 2, "Årsmål"),
        ("Indikatorer", 3, "Mål"),
        ("Aktiviteter", 2, "Startdatum"),
    }
    assert str(result.errors[0]).startswith("Flik Mål, rad 3, kolumn Nivå:")
    assert not Plan.objects.filter(year=2031).exists()


@pytest.mark.django_db
def test_commands(plan, tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    call_command("export_plan", "2026", str(path))
    call_command("import_plan", "2032", str(path))
    assert "4 mål, 4 indikatorer" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_plan", "2032", str(path))
    assert exit_info.value.code == 1
