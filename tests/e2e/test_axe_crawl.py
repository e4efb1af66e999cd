"""Every staff page passes axe (WCAG 2.1 A/AA) as every role that may open it sees it, and so does
the page its main form gives back when it is sent empty (its error state).

The pages are the access matrix's (tests/rekrytering/test_access_matrix.py): every URL name with a
GET a role may open (`ok` there), with the same objects behind the URLs (its World). What is not a
page a person reads is left out by what it answers, not by a list: API responses, downloads
(anything not text/html). Also left out: the Django admin (Django's own pages, not ours; it is used
only by the system administrator) and the public survey pages (tests/e2e/test_survey_page.py runs
axe on each of their states).

A form's error state: on each page, the first form in <main> that is sent by POST, has a field a
person types in and is not destructive (no confirmation asked, not a logout), is sent with its text
fields emptied and the browser's own checks off — what a hasty user gets back.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.rekrytering.test_access_matrix import ADMIN, CHEF, KONSULT, MATRIX, OK, SAMORDNARE, World, _value

pytestmark = pytest.mark.e2e

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LEFT_OUT = ("django-admin", "survey-answer", "survey-thanks")
PASSWORD = "crawl-demo-1"

# The main form made ready to be sent empty: its text fields cleared, the browser's validation off,
# its first non-destructive submit button marked. Returns "htmx" for a form htmx sends (the page
# stays), "page" for one the browser sends, "" when the page has no such form.
PREPARE_EMPTY = """() => {
  const typed = ['input[type=text]', 'input[type=number]', 'input[type=date]', 'input[type=email]',
    'input:not([type])', 'textarea'].join(', ');
  const forms = [...document.querySelectorAll('main form')].filter(f =>
    (f.getAttribute('method') || '').toLowerCase() === 'post' && !f.hasAttribute('data-confirm') &&
    !(f.getAttribute('action') || '').includes('logout') && f.querySelector(typed));
  for (const form of forms) {
    const button = [...form.querySelectorAll('button[type=submit], button:not([type]), input[type=submit]')]
      .find(b => !b.hasAttribute('data-confirm') && !b.classList.contains('danger') && !b.disabled);
    if (!button) continue;
    form.noValidate = true;
    form.querySelectorAll(typed).forEach(field => { if (!field.readOnly) field.value = ''; });
    button.setAttribute('data-axe-send', '');
    return form.hasAttribute('hx-post') || form.hasAttribute('hx-put') ? 'htmx' : 'page';
  }
  return '';
}"""


def violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options=WCAG).response["violations"]
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found]


def pages_for(role, world) -> list[tuple[str, str]]:
    """(name, path) of every GET the role may make, in the matrix's order."""
    found = []
    for name, item in MATRIX.items():
        if name.startswith(LEFT_OUT):
            continue
        for case in item.cases:
            if case.method != "get" or case.json or case.expect.get(role) != OK:
                continue
            url = _value(case.url, world) or reverse(name, args=_value(case.args, world))
            query = _value(case.query, world)
            found.append((name, f"{url}?{urlencode(query)}" if query else url))
    return found


@pytest.fixture
def crawl_world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SURVEY_RATE_LIMIT = "10000/m"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World()


@pytest.mark.parametrize("role", [KONSULT, SAMORDNARE, CHEF, ADMIN])
def test_every_page_and_its_error_state_passes_axe(browser, live_server, crawl_world, role):
    user = crawl_world.user(role)
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    problems, seen = [], 0
    for name, path in pages_for(role, crawl_world):
        response = context.request.get(path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue  # a download, JSON or a redirect elsewhere
        if "<html" not in response.text()[:500].lower():
            continue  # a fragment htmx puts into a page (the chooser's options), checked in that page
        page.goto(path, wait_until="networkidle")  # what a page draws after loading (Swagger UI) too
        seen += 1
        problems += [(name, path, "sidan", v) for v in violations(page)]
        how = page.evaluate(PREPARE_EMPTY)
        if how == "page":
            with page.expect_navigation(wait_until="load"):
                page.click("[data-axe-send]")
        elif how == "htmx":
            page.click("[data-axe-send]")
            page.wait_for_load_state("networkidle")
        if how and page.evaluate("() => document.contentType") == "text/html":
            problems += [(name, path, "formulärets felläge", v) for v in violations(page)]
    context.close()
    assert seen >= 15, f"bara {seen} sidor för {role}: läser testet matrisen rätt?"
    assert problems == [], "\n".join(f"{n} {p} ({where}): {v}" for n, p, where, v in problems)
