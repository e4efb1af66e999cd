"""The public survey page in Chromium: answering it, and WCAG 2.1 A/AA checked by axe-core."""

import re
from datetime import date

import pytest
from django.core import mail

from assignments import services as assignment_services
from surveys import services
from surveys.models import Response
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UserFactory

pytestmark = pytest.mark.e2e
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
    ]


@pytest.fixture
def survey_token(transactional_db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    consultant = UserFactory(username="k1")
    package = PackageFactory(
        price_list=PriceListFactory(year=date.today().year), sends_candidate_survey=False
    )
    assignment = AssignmentFactory(
        responsible=consultant, package=package, ordered_on=date.today(), references_checked=1
    )
    assignment_services.close_assignment(
        assignment, by=consultant, outcome="tillsatt", closed_on=date.today(), candidate_start=date.today()
    )
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    return re.search(r"/enkat/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)


def test_customer_answers_survey_and_pages_pass_axe(page, live_server, survey_token):
    url = f"/enkat/{survey_token}/"
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "sv"
    legend = page.locator("fieldset#q-nps legend")
    assert "0 = inte alls troligt, 10 = mycket troligt" in legend.inner_text()
    assert page.locator("fieldset#q-nps input[type=radio]").count() == 11
    assert axe_violations(page) == []

    # Errors are named and announced.
    page.get_by_role("button", name="Skicka svar").click()
    assert page.locator("#error-summary[role=alert]").is_visible()
    assert "Svara på frågan" in page.locator("#error-summary").inner_text()
    assert axe_violations(page) == []
    assert Response.objects.count() == 0

    # Keyboard: focus the first choice of each scale, move with the arrow keys, submit.
    for fieldset in page.locator("fieldset.question").all():
        radios = fieldset.locator("input[type=radio]")
        if fieldset.get_attribute("id") == "q-vill_bli_kontaktad":
            radios.nth(1).check(force=True)
            continue
        radios.last.focus()
        page.keyboard.press("Space")
    page.locator("#id_kommentar").fill("Tydligt och bra stöd hela vägen.")
    page.get_by_role("button", name="Skicka svar").click()
    page.wait_for_url("**/enkat/tack/")
    assert "Tack för ditt svar" in page.content()
    assert axe_violations(page) == []
    response = Response.objects.get()
    assert response.answers.get(question_key="nps").number == 10
    assert response.answers.get(question_key="helhet").number == 10

    # A used link gives the friendly page, which passes too.
    page.goto(url)
    assert "Länken går inte att använda" in page.content()
    assert axe_violations(page) == []


def test_survey_page_at_320px_has_no_sideways_scroll(browser, live_server, survey_token):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 320, "height": 640}, locale="sv-SE"
    )
    page = context.new_page()
    page.goto(f"/enkat/{survey_token}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 321
    page.get_by_role("button", name="Skicka svar").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 321
    context.close()


def test_accessibility_statement(page, live_server, transactional_db):
    page.goto("/tillganglighet/")
    assert "Tillgänglighetsredogörelse" in page.locator("h1").inner_text()
    assert page.locator("a[href^='mailto:']").count() >= 1
    assert axe_violations(page) == []
