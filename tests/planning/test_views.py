import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from planning.models import GoalAssessment, Indicator, IndicatorOutcome, Plan, PlanImportJob
from tests.factories import PackageFactory, PriceListFactory, SectorFactory
from tests.planning.factories import GoalFactory, IndicatorFactory
from tests.planning.test_plan import plan  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_pages_render_for_everyone(client, konsult, plan):  # noqa: F811
    client.force_login(konsult)
    assert "Verksamhetsplan 2026" in client.get(reverse("plan-list")).content.decode()
    page = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert "3.1 Stockholms stad har en god ekonomisk hushållning" in page and "40 st" in page
    follow = client.get(reverse("plan-follow-up", args=[plan.pk, 1])).content.decode()
    assert "Spara målet" not in follow and "Räknas" not in follow
    goal = plan.goals.get(level="enhet")
    assert client.post(goal_url(goal), {"version": 0}).status_code == 403  # not responsible for it
    assert client.post(reverse("plan-follow-up", args=[plan.pk, 1]), {}).status_code == 405
    workbook = load_workbook(io.BytesIO(client.get(reverse("plan-export", args=[plan.pk])).content))
    assert workbook.sheetnames == ["Mål", "Indikatorer", "Aktiviteter"]


@pytest.mark.django_db
def test_chef_enters_outcome_assesses_and_locks(client, chef, plan):  # noqa: F811
    client.force_login(chef)
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    balance = Indicator.objects.get(name="Budget i balans")
    goal = sick.goal
    url = reverse("plan-follow-up", args=[plan.pk, 1])
    response = client.post(goal_url(goal), {"version": 0, f"ind-{sick.pk}": "abc"})
    assert "är inget tal" in response.content.decode()
    assert not IndicatorOutcome.objects.filter(indicator=sick).exists()
    response = client.post(
        goal_url(goal),
        {
            "version": 0,
            f"ind-{sick.pk}": "3,5",
            f"goal-{goal.pk}": "delvis",
            f"goala-{goal.pk}": "Nära målet",
        },
    )
    assert response.status_code == 302 and response.url == f"{url}?sparat={goal.pk}#mal-{goal.pk}"
    response = client.post(goal_url(balance.goal), {"version": 0, f"ind-{balance.pk}": "ja"})
    assert response.status_code == 302 and response.url.endswith(f"#mal-{balance.goal.pk}")
    assert IndicatorOutcome.objects.get(indicator=sick, tertial=1).value == Decimal("3.5")
    assert IndicatorOutcome.objects.get(indicator=balance, tertial=1).value_yes is True
    assert GoalAssessment.objects.get(goal=goal, tertial=1).assessment == "delvis"
    page = client.get(url).content.decode()
    assert "✓ Uppfyllt" in page  # 3,5 % is at most 4 %
    client.post(reverse("plan-lock", args=[plan.pk, 1]))
    page = client.get(url).content.decode()
    assert "T1 är låst" in page and "Spara målet" not in page


def goal_url(goal, tertial=1):
    return reverse("goal-follow-up", args=[goal.plan_id, tertial, goal.pk])


def upload_plan(client, capture, data, **fields):
    """Post the plan import form; the job runs when the request's transaction commits (eager)."""
    with capture(execute=True):
        return client.post(reverse("plan-import"), {**fields, "file": SimpleUploadedFile("p.xlsx", data)})


@pytest.mark.django_db
def test_copy_and_import_pages(
    client,
    admin_user,
    plan,  # noqa: F811
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    response = client.post(reverse("plan-copy", args=[plan.pk]), {"to_year": "2027"})
    copy = Plan.objects.get(year=2027)
    assert response.url == reverse("plan-detail", args=[copy.pk])

    data = client.get(reverse("plan-export", args=[plan.pk])).content
    response = upload_plan(client, django_capture_on_commit_callbacks, data, year="2028")
    job = PlanImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("plan-import-detail", args=[job.pk])
    imported = Plan.objects.get(year=2028)
    # 4 goals, 4 indicators and 2 activities: every row of the three sheets checked
    assert (job.state, job.plan, job.total, job.processed) == ("done", imported, 10, 10)
    page = client.get(response.url).content.decode()
    assert "Importen är klar" in page and reverse("plan-detail", args=[imported.pk]) in page

    response = upload_plan(client, django_capture_on_commit_callbacks, data, year="2028")
    page = client.get(response.url).content.decode()
    assert "Filen innehåller fel – ingenting sparades" in page
    assert "det finns redan en plan för 2028" in page
    assert Plan.objects.filter(year=2028).count() == 1

    response = upload_plan(client, django_capture_on_commit_callbacks, b"x", year="2029")
    assert response.status_code == 200 and "Filen är ingen Excel-fil (.xlsx)" in response.content.decode()
    assert PlanImportJob.objects.count() == 2


@pytest.mark.django_db
def test_follow_up_query_count_bounded(client, chef, plan, django_assert_max_num_queries):  # noqa: F811
    client.force_login(chef)
    url = reverse("plan-follow-up", args=[plan.pk, 1])
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for _ in range(10):
        goal = GoalFactory(plan=plan, level="enhet")
        IndicatorFactory(goal=goal)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get(url)


@pytest.mark.django_db
def test_edit_goal_indicator_and_activity(client, chef, konsult, plan):  # noqa: F811
    goal = plan.goals.get(level="enhet")
    PackageFactory(price_list=PriceListFactory(year=2026), code="chef", name="Chefspaket")
    SectorFactory(name="Äldreomsorg")
    client.force_login(konsult)
    assert client.get(reverse("indicator-create", args=[plan.pk, goal.pk])).status_code == 403
    client.force_login(chef)
    url = reverse("indicator-create", args=[plan.pk, goal.pk])
    data = {
        "name": "Antal chefsrekryteringar i äldreomsorgen",
        "target": "12 st",
        "direction": "at_least",
        "kf_target": "",
        "periodicity": "tertial",
        "measure": "ordered",
        "urval_package": ["chef"],
        "urval_sector": "Äldreomsorg",
    }
    assert client.post(url, {**data, "target": "många"}).status_code == 200
    assert client.post(url, {**data, "urval_sector": "Påhittad"}).status_code == 200
    assert client.post(url, data).status_code == 302
    indicator = Indicator.objects.get(name="Antal chefsrekryteringar i äldreomsorgen")
    assert (indicator.target_value, indicator.target_unit, indicator.filters) == (
        12,
        "st",
        {"package": ["chef"], "sector": "Äldreomsorg"},
    )
    edit = client.get(reverse("indicator-edit", args=[plan.pk, goal.pk, indicator.pk])).content.decode()
    assert "JSON" not in edit and "{&quot;" not in edit and '<option value="chef" selected>Chefspaket' in edit
    page = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert "Räknas fram: Antal beställda uppdrag" in page
    response = client.post(
        reverse("goal-create", args=[plan.pk]),
        {"level": "kf_inriktning", "title": "Fel nivå", "parent": goal.pk},
    )
    assert "högre nivå" in response.content.decode()
    response = client.post(
        reverse("activity-create", args=[plan.pk, goal.pk]),
        {"text": "Ny aktivitet", "start": "2026-05-01", "end": "2026-04-01", "status": "pagar"},
    )
    assert "Slutdatum är före startdatum" in response.content.decode()


@pytest.mark.django_db
def test_unit_plan_import(
    client,
    admin_user,
    unit,
    plan,  # noqa: F811
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    data = client.get(reverse("plan-export", args=[plan.pk])).content
    response = upload_plan(client, django_capture_on_commit_callbacks, data, year="2026", unit=unit.pk)
    assert response.status_code == 302
    unit_plan = Plan.objects.get(year=2026, unit=unit)
    assert PlanImportJob.objects.get().plan == unit_plan
    assert unit_plan.title == "Verksamhetsplan 2026 Enhet 1" and unit_plan.goals.count() == 4


@pytest.mark.django_db
def test_new_empty_plan(client, chef, konsult, plan):  # noqa: F811
    client.force_login(konsult)
    assert client.get(reverse("plan-create")).status_code == 403
    client.force_login(chef)
    response = client.post(reverse("plan-create"), {"year": "2027"})
    created = Plan.objects.get(year=2027)
    assert response.url == reverse("plan-detail", args=[created.pk]) and created.status == "utkast"
    response = client.post(reverse("plan-create"), {"year": "2026"})
    assert "Det finns redan en plan för 2026" in response.content.decode()
