"""The dashboard's table of contents: each link lands on its section, and a section the reader closed
opens again when its link is followed."""

import pytest
from playwright.sync_api import expect

from tests.reporting.conftest import dataset, other, other_unit  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

SECTIONS = [
    ("Nyckeltal", "nyckeltal"),
    ("Uppdrag", "uppdrag"),
    ("Ekonomi", "ekonomi"),
    ("Tid", "tid"),
    ("Ledtider och omtag", "ledtider"),
    ("Enkäter", "enkater"),
    ("Verksamhetsplan", "verksamhetsplan"),
    ("Per konsult", "per-konsult"),
]


@pytest.fixture
def browser_context_options():
    return {"locale": "sv-SE", "timezone_id": "Europe/Stockholm", "viewport": {"width": 1366, "height": 800}}


def test_table_of_contents_links_land_on_their_sections(page, live_server, chef, dataset, page_problems):  # noqa: F811
    page.goto("/accounts/login/")
    page.fill("#id_username", "chef")
    page.fill("#id_password", "demo")
    page.get_by_role("button", name="Logga in").click()
    page.goto("/rapporter/?ar=2026&period=cum1")
    contents = page.get_by_role("navigation", name="Innehåll")
    expect(contents.get_by_role("link")).to_have_text([name for name, _ in SECTIONS])
    for name, anchor in reversed(SECTIONS):  # from the bottom up, so that every link must scroll
        contents.get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/rapporter/?ar=2026&period=cum1#{anchor}")
        heading = page.locator(f"#{anchor} > summary h2")
        expect(heading).to_have_text(name)
        expect(heading).to_be_in_viewport()
        page.evaluate("window.scrollTo(0, 0)")
        expect(contents).to_be_in_viewport()

    # A closed section: its tables are hidden, and following its link opens it again.
    page.locator("#enkater > summary").click()
    expect(page.locator("#t-enkater")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    contents.get_by_role("link", name="Enkäter", exact=True).click()
    expect(page.locator("#t-enkater")).to_be_visible()
    expect(page.locator("#t-enkater")).to_be_in_viewport()
    assert page_problems == []
