"""The tertial follow-up in Chromium: a goal's assessment saves on its own without reloading the page
and says "Sparat"; a second person saving the same goal meanwhile gets the conflict, not an overwrite."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from planning.models import GoalAssessment, GoalReview, IndicatorOutcome
from planning.targets import apply_target
from tests.e2e.test_survey_page import axe_violations
from tests.factories import UserFactory
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def plan_data(transactional_db):
    UserFactory(username="chef", role="chef")
    konsult = UserFactory(username="konsult", role="konsult", first_name="Klara", last_name="Konsultsson")
    plan = PlanFactory(year=2025)
    top = GoalFactory(plan=plan, level="namnd", title="Nämndens mål", order=0)
    goal = GoalFactory(
        plan=plan,
        level="enhet",
        title="Rekrytering har nöjda kunder",
        parent=top,
        responsible=konsult,
        order=1,
    )
    other = GoalFactory(plan=plan, level="enhet", title="Ett annat mål", parent=top, order=2)
    indicator = IndicatorFactory(goal=goal, name="Sjukfrånvaro", direction="at_most")
    apply_target(indicator, "4 %")
    indicator.save()
    ActivityFactory(goal=goal, text="Ta fram en kommunikationsplan", responsible="KK")
    return plan, goal, other, indicator


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url("**/accounts/login/**")


def test_a_goal_saves_on_its_own_without_reloading_the_page(page, live_server, plan_data, page_problems):
    plan, goal, other, indicator = plan_data
    log_in(page, "konsult")
    page.goto(f"/plan/{plan.pk}/")
    page.get_by_role("link", name="Följ upp T1").first.click()
    node = page.locator(f"#mal-{goal.pk}")
    expect(node.get_by_role("heading", name="Rekrytering har nöjda kunder")).to_be_visible()
    assert axe_violations(page) == []
    page.evaluate("window.notReloaded = true")
    node.get_by_label("Utfall för Sjukfrånvaro").fill("3,2")
    expect(page.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("Osparade ändringar")
    node.get_by_label("Delvis uppfyllt").check()
    node.get_by_label("Analys").fill("Sjukfrånvaron är låg men NPS under målet.")
    node.get_by_role("button", name="Spara målet").click()
    expect(page.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("Sparat kl.")
    assert page.evaluate("window.notReloaded") is True  # the page was not reloaded
    expect(node.get_by_text("✓ Uppfyllt")).to_be_visible()  # 3,2 % is at most 4 %
    expect(page.locator(f"#mal-{goal.pk}-rubrik")).to_contain_text("Delvis uppfyllt")  # the light
    expect(page.locator(f"#toc-{goal.pk}")).to_contain_text("Delvis uppfyllt")
    assert axe_violations(page) == []  # the goal's new part too
    assert IndicatorOutcome.objects.get(indicator=indicator, tertial=1).value == Decimal("3.2")
    assessment = GoalAssessment.objects.get(goal=goal, tertial=1)
    assert assessment.assessment == "delvis" and "NPS" in assessment.analysis
    # By keyboard: mark it ready for review, then the status line says so.
    ready = node.get_by_role("button", name="Markera klart för granskning")
    ready.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("klart för granskning")
    expect(node.get_by_role("button", name="Spara målet")).to_have_count(0)  # ready: read-only for them
    assert GoalReview.objects.get(goal=goal, tertial=1).status == "klar"
    # The goal the konsult is not responsible for has no form.
    expect(page.locator(f"#mal-{other.pk}-form")).to_have_count(0)
    page.goto(f"/plan/{plan.pk}/")
    assert axe_violations(page) == []  # the plan page's tree
    assert page_problems == []


def test_two_people_on_one_goal_get_a_conflict_not_an_overwrite(browser, live_server, plan_data):
    plan, goal, other, indicator = plan_data
    pages = []
    for username in ("konsult", "chef"):
        context = browser.new_context(base_url=live_server.url, locale="sv-SE")
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, username)
        page.goto(f"/plan/{plan.pk}/t1/")
        pages.append(page)
    first, second = pages
    try:
        for page, words in ((first, "Konsultens analys."), (second, "Chefens analys.")):
            node = page.locator(f"#mal-{goal.pk}")
            node.get_by_label("Uppfyllt", exact=True).check()
            node.get_by_label("Analys").fill(words)
        # The chef saves another goal meanwhile: no conflict with the konsult's.
        second.locator(f"#mal-{other.pk}").get_by_label("Ej uppfyllt").check()
        second.locator(f"#mal-{other.pk}").get_by_role("button", name="Spara målet").click()
        expect(second.locator(f"#mal-{other.pk}-sparat")).to_contain_text("Sparat kl.")
        first.locator(f"#mal-{goal.pk}").get_by_role("button", name="Spara målet").click()
        expect(first.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("Sparat kl.")
        second.locator(f"#mal-{goal.pk}").get_by_role("button", name="Spara målet").click()
        conflict = second.locator(f"#mal-{goal.pk} .conflict")
        expect(conflict).to_contain_text("Klara Konsultsson sparade målet kl.")
        expect(conflict).to_contain_text("Konsultens analys.")
        expect(second.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("Inte sparat")
        expect(second.locator(f"#mal-{goal.pk}").get_by_label("Analys")).to_have_value("Chefens analys.")
        assert GoalAssessment.objects.get(goal=goal, tertial=1).analysis == "Konsultens analys."
        assert GoalAssessment.objects.get(goal=other, tertial=1).assessment == "ej"
        # Saving again, knowingly, replaces it.
        second.locator(f"#mal-{goal.pk}").get_by_role("button", name="Spara målet").click()
        expect(second.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("Sparat kl.")
        assert GoalAssessment.objects.get(goal=goal, tertial=1).analysis == "Chefens analys."
    finally:
        for page in pages:
            page.context.close()


def test_keyboard_only_enters_a_tertial_outcome(page, live_server, plan_data, page_problems):
    """Issue 15's keyboard-only path, its third part: from the plan to T1's follow-up, an indicator's
    outcome, the goal's assessment and analysis, saved — Tab, typing, arrow keys and Enter only."""
    from tests.e2e.test_consultant_pages import focused, tab_to

    plan, goal, other, indicator = plan_data
    page.goto("/accounts/login/")
    tab_to(page, "input#id_username")
    page.keyboard.type("konsult")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url("**/accounts/login/**")
    page.goto(f"/plan/{plan.pk}/")
    tab_to(page, "a:Följ upp T1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/plan/{plan.pk}/t1/"))
    node = page.locator(f"#mal-{goal.pk}")
    outcome_id = node.get_by_label("Utfall för Sjukfrånvaro").get_attribute("id")
    tab_to(page, f"input#{outcome_id}")
    page.keyboard.type("3,2")
    # The assessment: Tab into the radio group, the arrow keys choose within it.
    tab_to(page, f"input#goal-{goal.pk}-uppfyllt")
    for _ in range(4):
        if focused(page) == f"input#goal-{goal.pk}-delvis":
            break
        page.keyboard.press("ArrowDown")
    assert focused(page) == f"input#goal-{goal.pk}-delvis"
    analysis_id = node.get_by_label("Analys").get_attribute("id")
    tab_to(page, f"textarea#{analysis_id}")
    page.keyboard.type("Låg sjukfrånvaro; NPS under målet.")
    tab_to(page, f"button#mal-{goal.pk}-spara")
    page.keyboard.press("Enter")
    expect(page.locator(f"#mal-{goal.pk}-sparat")).to_contain_text("Sparat kl.")
    assert IndicatorOutcome.objects.get(indicator=indicator, tertial=1).value == Decimal("3.2")
    assessment = GoalAssessment.objects.get(goal=goal, tertial=1)
    assert (assessment.assessment, assessment.analysis) == ("delvis", "Låg sjukfrånvaro; NPS under målet.")
    assert page_problems == []
