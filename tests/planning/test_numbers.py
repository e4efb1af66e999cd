"""Numbers typed into the plan or imported with it: bounded by the column that keeps them, refused
with a Swedish message naming the indicator and the value, and never a 500 (also for a value
stored before the bound existed)."""

import importlib
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from planning import services
from planning.excel import export_plan, import_plan
from planning.forms import GoalFollowUpForm, IndicatorForm, NewPlanForm
from planning.models import Indicator, IndicatorOutcome, Plan
from planning.selectors import goal_tree
from planning.targets import parse_target
from tests.planning.test_plan import plan  # noqa: F401  (fixture)

HUGE = "1234567890123"
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl cannot write in a cell


def _outcome_url(plan, tertial=1):  # noqa: F811
    return reverse("plan-follow-up", args=[plan.pk, tertial])


def _post_goal(client, goal, data, tertial=1):
    """Post one goal's follow-up form as a browser without JavaScript does (version as loaded)."""
    url = reverse("goal-follow-up", args=[goal.plan_id, tertial, goal.pk])
    version = goal.reviews.filter(tertial=tertial).values_list("version", flat=True).first() or 0
    return client.post(url, {"version": version, **data})


@pytest.mark.django_db
def test_a_huge_outcome_is_refused_naming_the_indicator_and_nothing_is_saved(client, chef, plan):  # noqa: F811
    client.force_login(chef)
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    goal = sick.goal
    response = _post_goal(
        client, goal, {f"ind-{sick.pk}": HUGE, f"goal-{goal.pk}": "delvis", f"goala-{goal.pk}": "x"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Målet sparades inte" in page
    assert f"Sjukfrånvaro: ”{HUGE}” är för stort" in page
    assert "det största som går är 999\xa0999\xa0999\xa0999." in page
    assert f'value="{HUGE}"' in page  # what was typed stays in the box
    assert not IndicatorOutcome.objects.exists() and not goal.assessments.exists()
    for tertial in (1, 2, 3):
        assert client.get(_outcome_url(plan, tertial)).status_code == 200
    assert client.get(reverse("plan-detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("plan-export", args=[plan.pk])).status_code == 200


@pytest.mark.django_db
def test_the_largest_outcome_that_fits_is_kept_and_shown_in_swedish(client, chef, plan):  # noqa: F811
    client.force_login(chef)
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    response = _post_goal(client, sick.goal, {f"ind-{sick.pk}": "999 999 999 999,5"})
    assert "Sjukfrånvaro: ”999 999 999 999,5” är för stort" in response.content.decode()
    response = _post_goal(client, sick.goal, {f"ind-{sick.pk}": "−999 999 999 999"})
    assert response.status_code == 302
    response = _post_goal(client, sick.goal, {f"ind-{sick.pk}": "999 999 999 998,5"})
    assert response.status_code == 302
    assert IndicatorOutcome.objects.get(indicator=sick).value == Decimal("999999999998.5")
    page = client.get(_outcome_url(plan)).content.decode()
    assert 'value="999\xa0999\xa0999\xa0998,5"' in page


@pytest.mark.django_db
def test_a_huge_denominator_is_refused(client, chef, plan):  # noqa: F811
    share = Indicator.objects.create(
        goal=plan.goals.first(), name="Andel av stadens annonser", measure="share_of_entered"
    )
    client.force_login(chef)
    response = _post_goal(client, share.goal, {f"den-{share.pk}": "1" * 15})
    assert response.status_code == 200
    assert "Andel av stadens annonser, nämnare: ”111111111111111” är för stort" in response.content.decode()
    assert not IndicatorOutcome.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_what_the_column_cannot_keep(chef, plan):  # noqa: F811
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    with pytest.raises(Exception, match=f"Sjukfrånvaro: ”{HUGE}” är för stort"):
        services.record_outcome(sick, tertial=1, by=chef, value=Decimal(HUGE))
    assert not IndicatorOutcome.objects.exists()


@pytest.mark.django_db
def test_a_huge_target_is_refused(client, chef, plan):  # noqa: F811
    goal = plan.goals.get(level="enhet")
    client.force_login(chef)
    response = client.post(
        reverse("indicator-create", args=[plan.pk, goal.pk]),
        {"name": "Stor", "target": f"{HUGE} kr", "direction": "at_least", "periodicity": "tertial"},
    )
    assert response.status_code == 200
    assert f"Stor: ”{HUGE} kr” är för stort" in response.content.decode()
    assert not Indicator.objects.filter(name="Stor").exists()


def _workbook_with_outcome(plan, cell):  # noqa: F811
    buffer = io.BytesIO()
    export_plan(plan, buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook["Indikatorer"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Indikator")].value == "Sjukfrånvaro":
            row[header.index("Utfall T1")].value = cell
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("cell", [HUGE, int(HUGE), 1.5e300, "12 abc", "1,2,3"])
def test_the_plan_import_refuses_a_huge_or_odd_outcome(plan, cell):  # noqa: F811
    result = import_plan(year=2031, file=_workbook_with_outcome(plan, cell))
    assert result.plan is None and not Plan.objects.filter(year=2031).exists()
    (error,) = result.errors
    assert (error.sheet, error.column) == ("Indikatorer", "Utfall T1")
    assert "Sjukfrånvaro: " in error.message or "är inget tal" in error.message


@pytest.mark.django_db
def test_the_plan_import_keeps_a_swedish_outcome(plan):  # noqa: F811
    result = import_plan(year=2031, file=_workbook_with_outcome(plan, "1 200,5"))
    assert not result.errors
    assert IndicatorOutcome.objects.get(indicator__goal__plan=result.plan, tertial=1).value == Decimal(
        "1200.5"
    )


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL never stores a number its column cannot hold"
)
def test_a_huge_value_already_stored_is_cleared_and_every_page_works_again(client, chef, plan):  # noqa: F811
    """The follow-up used to save 1234567890123 on SQLite, after which the plan's pages failed with
    decimal.InvalidOperation. The migration clears such values and says so in the follow-up."""
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    share = Indicator.objects.get(name="Antal beställda chefsrekryteringar")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO planning_indicatoroutcome (indicator_id, tertial, value, explanation, frozen,"
            " updated_at) VALUES (%s, 1, %s, '', 0, '2026-05-01 00:00:00')",
            [sick.pk, int(HUGE)],
        )
        cursor.execute(
            "INSERT INTO planning_indicatoroutcome (indicator_id, tertial, denominator, explanation,"
            " frozen, updated_at) VALUES (%s, 1, %s, '', 0, '2026-05-01 00:00:00')",
            [share.pk, 10**15],
        )
        cursor.execute("UPDATE planning_indicator SET target_value = %s WHERE id = %s", [10**13, sick.pk])
    with pytest.raises(Exception, match="InvalidOperation|decimal"):
        list(IndicatorOutcome.objects.all())
    migration = importlib.import_module("planning.migrations.0003_clear_numbers_too_large")
    migration.clear_too_large(apps, SimpleNamespace(connection=connection))
    stored = IndicatorOutcome.objects.get(indicator=sick)
    assert stored.value is None and "för stort" in stored.explanation
    assert IndicatorOutcome.objects.get(indicator=share).denominator is None
    assert Indicator.objects.get(pk=sick.pk).target_value is None
    client.force_login(chef)
    pages = [reverse("plan-detail", args=[plan.pk]), reverse("plan-export", args=[plan.pk])]
    pages += [_outcome_url(plan, t) for t in (1, 2, 3)]
    pages += [reverse("reporting-plan") + "?ar=2026&period=cum1"]
    assert [client.get(url).status_code for url in pages] == [200] * 6
    assert "har tagits bort; ange det på nytt" in client.get(_outcome_url(plan)).content.decode()


# --- Any input: a Swedish message or a value that fits, never an exception ------------------

odd_text = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.from_regex(r"-?[0-9 \u00a0\u202f]{1,25}([,.][0-9]{0,8})?( ?(%|kr|st|h|NPS|/10))?", fullmatch=True),
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.django_db
@FAST
@given(text=odd_text)
def test_any_outcome_text_is_kept_within_its_column_or_refused_in_swedish(plan, chef, text):  # noqa: F811
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    goal = next(g for g in goal_tree(plan) if g.pk == sick.goal_id)
    form = GoalFollowUpForm(
        {f"ind-{sick.pk}": text, "version": "0"}, goal=goal, tertial=1, may_edit=lambda item: True
    )
    if form.is_valid():
        value = form.cleaned_data[f"ind-{sick.pk}"]
        changes = form.changes()
        services.save_goal_follow_up(goal, tertial=1, by=chef, version=None, **changes)
        stored = IndicatorOutcome.objects.get(indicator=sick, tertial=1).value
        assert value is None or abs(value) < 10**12
        # SQLite keeps 15 significant digits of a decimal, PostgreSQL all of them.
        assert stored == value or abs(stored - value) < Decimal("0.01")
    else:
        (message,) = form.errors[f"ind-{sick.pk}"]
        assert message.startswith("Sjukfrånvaro: ") and ("tal" in message or "för" in message)


@pytest.mark.django_db
@FAST
@given(text=odd_text)
def test_any_target_text_is_a_target_that_fits_or_a_swedish_message(plan, text):  # noqa: F811
    try:
        target = parse_target(text, label="Mål")
    except ValueError as error:
        assert "Mål: " in str(error) and any(w in str(error) for w in ("årsmål", "för stort", "för litet"))
        return
    assert target.value is None or abs(target.value) < 10**12
    form = IndicatorForm(
        {"name": "Ny", "target": text, "direction": "at_least", "periodicity": "tertial"},
        instance=Indicator(goal=plan.goals.first()),
    )
    assert form.is_valid(), form.errors
    form.save()


@pytest.mark.django_db
@FAST
@given(year=odd_text)
def test_any_year_of_a_new_plan_is_a_year_or_a_swedish_message(year):
    form = NewPlanForm({"year": year})
    if form.is_valid():
        assert 2000 <= form.cleaned_data["year"] <= 2100
    else:
        assert form.errors["year"][0].startswith(("Ange", "”", "Det här fältet är obligatoriskt"))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cell=st.one_of(
        odd_text.filter(lambda text: not ILLEGAL.search(text)),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
    )
)
def test_any_imported_outcome_cell_is_kept_or_named_in_the_errors(cell):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, row in [
        (
            "Mål",
            [
                "Nivå",
                "Nummer",
                "Rubrik",
                "Överordnat mål",
                "Beskrivning",
                "Förväntat resultat",
                "Arbetssätt",
                "Uppföljning",
            ],
            ["Enhetsmål", "", "Mål", "", "", "", "", ""],
        ),
        (
            "Indikatorer",
            [
                "Mål",
                "Indikator",
                "Årsmål",
                "KF:s årsmål",
                "Periodicitet",
                "Utfall T1",
                "Utfall T2",
                "Utfall T3",
            ],
            ["Mål", "Sjuk", "", "", "Tertial", cell, None, None],
        ),
        ("Aktiviteter", ["Mål", "Aktivitet", "Startdatum", "Slutdatum", "Ansvarig", "Status"], []),
    ]:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        if row:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = import_plan(year=2040, file=buffer)
    if result.errors:
        assert result.plan is None and not Plan.objects.filter(year=2040).exists()
        assert all(e.column == "Utfall T1" for e in result.errors)
    else:
        stored = IndicatorOutcome.objects.filter(indicator__goal__plan=result.plan).first()
        assert stored is None or stored.value is None or abs(stored.value) < 10**12
        result.plan.delete()


@pytest.mark.django_db
def test_the_admin_and_any_model_form_keep_the_same_bounds(plan):  # noqa: F811
    from django.core.exceptions import ValidationError

    sick = Indicator.objects.get(name="Sjukfrånvaro")
    with pytest.raises(ValidationError) as refused:
        IndicatorOutcome(indicator=sick, tertial=1, value=Decimal("999999999999.5")).full_clean()
    assert "value" in refused.value.error_dict
    IndicatorOutcome(indicator=sick, tertial=1, value=Decimal("999999999999")).full_clean()
