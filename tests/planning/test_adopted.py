"""An adopted (fastställd) plan's goals, indicators and activities change only after it is a draft again."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planning import services
from planning.models import Activity, Goal, Indicator, Plan
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory

REFUSED = "Planen är fastställd"


@pytest.fixture
def adopted(db):
    plan = PlanFactory(year=2026, status=Plan.Status.FASTSTALLD)
    goal = GoalFactory(plan=plan, title="Rekrytering har nöjda kunder")
    IndicatorFactory(goal=goal, name="NPS")
    ActivityFactory(goal=goal, text="Ta fram en ny kundenkät")
    return plan


def _items(plan):
    goal = plan.goals.get()
    return goal, goal.indicators.get(), goal.activities.get()


def test_the_service_refuses_every_change_of_an_adopted_plan(adopted, chef):
    goal, indicator, activity = _items(adopted)
    new_items = [
        Goal(plan=adopted, level=Goal.Level.ENHET, title="Ett nytt mål"),
        Indicator(goal=goal, name="Ny indikator"),
        Activity(goal=goal, text="Ny aktivitet"),
    ]
    goal.title, indicator.name, activity.text = "Ändrat", "Ändrad", "Ändrad"
    for item in [*new_items, goal, indicator, activity]:
        with pytest.raises(ValidationError, match=REFUSED):
            services.save_plan_item(item, by=chef)
    for item in (activity, indicator, goal):
        with pytest.raises(ValidationError, match=REFUSED):
            services.delete_plan_item(item, by=chef)
    assert Goal.objects.get().title == "Rekrytering har nöjda kunder"
    assert (Goal.objects.count(), Indicator.objects.count(), Activity.objects.count()) == (1, 1, 1)
    assert Indicator.objects.get().name == "NPS" and Activity.objects.get().text == "Ta fram en ny kundenkät"


def test_a_draft_again_can_be_changed(adopted, chef):
    adopted.status = Plan.Status.UTKAST
    adopted.save()
    goal, indicator, activity = _items(adopted)
    goal.title = "Ändrat"
    services.save_plan_item(goal, by=chef)
    services.save_plan_item(Indicator(goal=goal, name="Ny indikator"), by=chef)
    services.delete_plan_item(activity, by=chef)
    assert Goal.objects.get().title == "Ändrat" and Indicator.objects.count() == 2
    assert not Activity.objects.exists()


def test_the_follow_up_of_an_adopted_plan_stays_open(adopted, chef):
    _goal, indicator, activity = _items(adopted)
    services.record_activity(activity, tertial=1, status=Activity.Status.PAGAR, comment="", by=chef)
    services.record_outcome(indicator, tertial=1, value=80, by=chef)
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PAGAR


def test_the_pages_refuse_too(adopted, client, chef):
    goal, indicator, activity = _items(adopted)
    client.force_login(chef)
    detail = client.get(reverse("plan-detail", args=[adopted.pk])).content.decode()
    assert "Planen är fastställd: mål, indikatorer och aktiviteter kan inte ändras" in detail
    assert reverse("goal-create", args=[adopted.pk]) not in detail
    assert f'href="{reverse("goal-edit", args=[adopted.pk, goal.pk])}"' not in detail
    # who is responsible is part of following the plan up: open on an adopted plan too
    assert f'href="{reverse("goal-responsibles", args=[adopted.pk, goal.pk])}"' in detail

    response = client.post(
        reverse("goal-create", args=[adopted.pk]), {"level": Goal.Level.ENHET, "title": "Ett nytt mål"}
    )
    assert response.status_code == 200 and REFUSED in response.content.decode()
    response = client.post(
        reverse("indicator-edit", args=[adopted.pk, goal.pk, indicator.pk]),
        {"name": "Ändrad", "direction": "at_least", "periodicity": "tertial"},
    )
    assert response.status_code == 200 and REFUSED in response.content.decode()
    response = client.post(
        reverse("activity-edit", args=[adopted.pk, goal.pk, activity.pk]), {"delete": "1"}, follow=True
    )
    assert REFUSED in response.content.decode()
    assert Goal.objects.count() == 1 and Indicator.objects.get().name == "NPS" and Activity.objects.exists()
    page = client.get(reverse("goal-edit", args=[adopted.pk, goal.pk])).content.decode()
    assert REFUSED in page and ">Spara<" not in page and ">Ta bort<" not in page


def test_the_django_admin_refuses_too(adopted, client, admin_user):
    goal, _indicator, _activity = _items(adopted)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:planning_goal_add"),
        {"plan": adopted.pk, "level": Goal.Level.ENHET, "title": "Ett nytt mål", "order": 0},
    )
    assert response.status_code == 200 and REFUSED in response.content.decode()
    response = client.post(
        reverse("admin:planning_goal_change", args=[goal.pk]),
        {"plan": adopted.pk, "level": Goal.Level.ENHET, "title": "Ändrat", "order": 0},
    )
    assert response.status_code == 403
    assert Goal.objects.get().title == "Rekrytering har nöjda kunder"
