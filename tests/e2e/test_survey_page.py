"""The public survey page in Chromium: answering it, and WCAG 2.1 A/AA checked by axe-core."""

import re
from datetime import date

import pytest
from django.core import mail

from assignments import services as assignment_services
from surveys import services
from surveys.models import Response
from tests.factories import (
    AssignmentFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
ROLE = "IT-samordnare för LSS-boenden"
PHONE = {"width": 390, "height": 844}


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
    ]


def _send_links(settings, *, candidate: bool) -> dict[str, str]:
    """Close a hire and send its surveys: the token of each link by the survey's kind."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SURVEY_RATE_LIMIT = "100000/m"
    consultant = UserFactory(username="k1")
    package = PackageFactory(
        price_list=PriceListFactory(year=date.today().year), sends_candidate_survey=candidate
    )
    assignment = AssignmentFactory(
        responsible=consultant,
        package=package,
        ordered_on=date.today(),
        references_checked=1,
        role_title=ROLE,
        organisation=OrganisationFactory(name="Farsta stadsdelsförvaltning"),
    )
    assignment_services.close_assignment(
        assignment,
        by=consultant,
        outcome="tillsatt",
        closed_on=date.today(),
        candidate_start=date.today(),
        candidate_name="Kim Kandidatsson",
        candidate_email="kim@example.org",
    )
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    tokens = {}
    for message in mail.outbox:
        kind = "kandidatenkat" if message.to == ["kim@example.org"] else "kundenkat"
        tokens[kind] = re.search(r"/enkat/([A-Za-z0-9_-]+)/", message.body).group(1)
    return tokens


@pytest.fixture
def survey_token(transactional_db, settings):
    return _send_links(settings, candidate=False)["kundenkat"]


@pytest.fixture
def tokens(transactional_db, settings):
    return _send_links(settings, candidate=True)


def answer_everything(page):
    """Answer each question as it comes (a follow-up appears after its yes): 10 on every scale,
    yes to every yes/no question but the wish to be contacted."""
    fieldsets = page.locator("fieldset.question")
    for n in range(fieldsets.count()):
        fieldset = fieldsets.nth(n)
        if not fieldset.is_visible():
            continue
        key = fieldset.get_attribute("data-question")
        radios = fieldset.locator("input[type=radio]")
        if fieldset.locator("input[value=ja]").count():
            fieldset.locator("input[value=nej]" if key == "vill_bli_kontaktad" else "input[value=ja]").check()
        else:
            radios.last.check()


def progress_text(page) -> str:
    return page.locator("#survey-progress-text").inner_text()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="sv-SE")
    yield context
    context.close()


def test_customer_answers_survey_and_pages_pass_axe(page, live_server, survey_token):
    url = f"/enkat/{survey_token}/"
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "sv"
    legend = page.locator("fieldset#q-nps legend")
    assert "0 = inte alls troligt, 10 = mycket troligt" in legend.inner_text()
    assert "1 = mycket missnöjd, 10 = mycket nöjd" in page.locator("fieldset#q-helhet legend").inner_text()
    assert page.locator("fieldset#q-nps input[type=radio]").count() == 11
    assert axe_violations(page) == []

    # Errors are named and announced.
    page.get_by_role("button", name="Skicka svar").click()
    assert page.locator("#error-summary[role=alert]").is_visible()
    assert "Svara på frågan" in page.locator("#error-summary").inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
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

    # The browser that answered is told so, and that page passes too.
    page.goto(url)
    assert page.locator("h1").inner_text() == "Tack, dina svar är redan inlämnade"
    assert axe_violations(page) == []

    # Anyone else with the used link gets the friendly page for any unusable link, which passes too.
    stranger = page.context.browser.new_page(base_url=live_server.url)
    stranger.goto(url)
    assert stranger.locator("h1").inner_text() == "Länken går inte att använda"
    assert axe_violations(stranger) == []
    stranger.close()


def test_at_390px_progress_follows_the_answers_and_a_reopened_link_is_already_answered(phone, tokens):
    page = phone.new_page()
    url = f"/enkat/{tokens['kandidatenkat']}/"
    page.goto(url)
    assert page.locator(".survey-about").inner_text().split("\n") == [
        "Enkäten gäller rekryteringen",
        f"{ROLE}, Farsta stadsdelsförvaltning",
    ]
    assert "Kim" not in page.locator("main").inner_text()
    # The follow-up question waits for its yes; the count leaves it out until then.
    assert page.locator("#q-tester_info").is_hidden()
    asked = page.locator("fieldset.question:visible, div.question:visible").count()
    assert progress_text(page) == f"Besvarade frågor: 0 av {asked}"
    bar = page.get_by_role("progressbar", name=f"Besvarade frågor: 0 av {asked}")
    assert bar.is_visible() and bar.get_attribute("max") == str(asked)
    assert page.locator("#q-info_intervju .q-number").inner_text() == f"Fråga 1 av {asked}"

    page.locator("#id_info_intervju_ja").check()
    assert progress_text(page) == f"Besvarade frågor: 1 av {asked}"
    assert page.evaluate("document.getElementById('survey-progress-bar').value") == 1
    page.locator("#id_tester_genomforda_ja").check()
    assert page.locator("#q-tester_info").is_visible()
    assert progress_text(page) == f"Besvarade frågor: 2 av {asked + 1}"
    assert page.locator("#q-tester_info .q-number").inner_text() == f"Fråga {asked} av {asked + 1}"
    page.locator("#id_tester_genomforda_nej").check()
    assert page.locator("#q-tester_info").is_hidden()
    assert axe_violations(page) == []

    answer_everything(page)
    assert progress_text(page) == f"Besvarade frågor: {asked} av {asked + 1}"  # the comment is left
    page.locator("#id_kommentar").fill("Bra bemötande.")
    assert progress_text(page) == f"Besvarade frågor: {asked + 1} av {asked + 1}"
    # The bar stays in view at the bottom of the screen while the form is.
    box = page.locator("#survey-progress").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1
    page.get_by_role("button", name="Skicka svar").click()
    page.wait_for_url("**/enkat/tack/")
    assert Response.objects.filter(kind="kandidatenkat").count() == 1

    page.goto(url)
    assert page.locator("h1").inner_text() == "Tack, dina svar är redan inlämnade"
    assert axe_violations(page) == []
    cookie = next(c for c in phone.cookies() if c["name"] == "enkatsvar")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/enkat/"
    assert tokens["kandidatenkat"] not in cookie["value"]


def test_a_second_tab_is_told_its_answers_were_not_saved(phone, tokens):
    url = f"/enkat/{tokens['kundenkat']}/"
    first, second = phone.new_page(), phone.new_page()
    first.goto(url)
    second.goto(url)
    answer_everything(first)
    answer_everything(second)
    second.locator("#id_kommentar").fill("Från den andra fliken.")
    first.get_by_role("button", name="Skicka svar").click()
    first.wait_for_url("**/enkat/tack/")
    second.get_by_role("button", name="Skicka svar").click()
    assert second.locator("h1").inner_text() == "Svaren sparades inte – enkäten är redan besvarad"
    assert "annan flik" in second.locator("main").inner_text()
    assert axe_violations(second) == []
    response = Response.objects.get(kind="kundenkat")
    assert not response.answers.filter(question_key="kommentar").exists()


def test_without_javascript_every_question_is_numbered_and_answers_are_saved(browser, live_server, tokens):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="sv-SE", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"/enkat/{tokens['kandidatenkat']}/")
    questions = page.locator("[data-question]")
    total = questions.count()
    assert page.locator("#q-tester_info").is_visible()  # asked of everyone; the server skips it after a no
    assert page.locator("#survey-progress").is_hidden()
    assert [q.locator(".q-number").inner_text() for q in questions.all()] == [
        f"Fråga {n} av {total}" for n in range(1, total + 1)
    ]
    answer_everything(page)
    page.get_by_role("button", name="Skicka svar").click()
    page.wait_for_url("**/enkat/tack/")
    assert Response.objects.filter(kind="kandidatenkat").count() == 1
    context.close()


@pytest.mark.parametrize("width", [320, 360, 390, 1366])
def test_scales_sit_on_one_or_two_even_rows_of_large_targets(browser, live_server, survey_token, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, locale="sv-SE"
    )
    page = context.new_page()
    page.goto(f"/enkat/{survey_token}/")
    for state in ("form", "errors"):
        assert page.evaluate("document.documentElement.scrollWidth") <= width, state
        for key, options in (("helhet", 10), ("nps", 11)):
            boxes = [label.bounding_box() for label in page.locator(f"#q-{key} .choice label").all()]
            assert len(boxes) == options
            rows = {}
            for box in boxes:
                rows.setdefault(round(box["y"]), []).append(box)
                assert box["width"] >= 44 and box["height"] >= 44, (state, key, box)
            sizes = [len(row) for row in rows.values()]
            if width >= 1000:
                assert sizes == [options], (state, key)
            else:
                assert sizes == ([5, 5] if options == 10 else [6, 5]), (state, key)
            assert len({round(box["width"]) for box in boxes}) == 1  # even columns
        page.get_by_role("button", name="Skicka svar").click()
    context.close()


def test_unavailable_page_passes_axe(phone, transactional_db):
    page = phone.new_page()
    page.goto("/enkat/finns-inte/")
    assert page.locator("h1").inner_text() == "Länken går inte att använda"
    assert axe_violations(page) == []


def test_accessibility_statement(page, live_server, transactional_db):
    page.goto("/tillganglighet/")
    assert "Tillgänglighetsredogörelse" in page.locator("h1").inner_text()
    assert page.locator("a[href^='mailto:']").count() >= 1
    assert axe_violations(page) == []
