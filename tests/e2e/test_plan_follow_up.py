"""A head enters an indicator outcome and assesses a goal in the tertial follow-up."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from planning.models import GoalAssessment, IndicatorOutcome
from planning.targets import apply_target
from tests.factories import UserFactory
from tests.planning.factories import GoalFactory, IndicatorFactory, PlanFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def plan_data(transactional_db):
    UserFactory(username="chef", role="chef")
    plan = PlanFactory(year=2025)
    goal = GoalFactory(plan=plan, level="enhet", title="Rekrytering har nöjda kunder")
    indicator = IndicatorFactory(goal=goal, name="Sjukfrånvaro", direction="at_most")
    apply_target(indicator, "4 %")
    indicator.save()
    return plan, goal, indicator


def test_head_enters_outcome_and_assesses_goal(page, live_server, plan_data):
    plan, goal, indicator = plan_data
    page.goto("/accounts/login/")
    page.fill("#id_username", "chef")
    page.fill("#id_password", "demo")
    page.get_by_role("button", name="Logga in").click()
    page.goto(f"/plan/{plan.pk}/")
    page.get_by_role("link", name="Följ upp T1").click()
    page.get_by_label("Utfall för Sjukfrånvaro").fill("3,2")
    page.get_by_label("Delvis uppfyllt").check()
    page.get_by_label("Analys").fill("Sjukfrånvaron är låg men NPS under målet.")
    page.get_by_role("button", name="Spara uppföljningen").click()
    expect(page.locator(".message")).to_contain_text("Uppföljningen för T1 är sparad")
    expect(page.get_by_text("✓ Uppfyllt")).to_be_visible()
    assert IndicatorOutcome.objects.get(indicator=indicator, tertial=1).value == Decimal("3.2")
    assessment = GoalAssessment.objects.get(goal=goal, tertial=1)
    assert assessment.assessment == "delvis" and "NPS" in assessment.analysis
