"""The browser tests' chooser helper waits for the page's script (tests/e2e/choosers.py).

CI once failed when a test typed into the Organisation chooser before the script had made it: the
lookup by role found the native list, and Playwright cannot type into a <select>. Here the script is
held back on purpose and the helper must still reach the text field.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.choosers import type_ahead
from tests.e2e.test_consultant_pages import login, people  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

LATE_MS = 1500


def hold_back_choosers(page):
    """Serve static/js/app.js with its choosers made LATE_MS after the page has loaded."""

    def late(route):
        response = route.fetch()
        body = response.text()
        assert "  enhanceChoosers(document);" in body
        body = body.replace(
            "  enhanceChoosers(document);", f"  setTimeout(() => enhanceChoosers(document), {LATE_MS});"
        )
        route.fulfill(response=response, body=body)

    page.route(re.compile(r".*/js/app(\.[0-9a-f]+)?\.js$"), late)


def test_type_ahead_waits_for_a_chooser_made_late(page, people):  # noqa: F811 - fixture
    login(page)
    hold_back_choosers(page)
    page.goto("/uppdrag/ny/")
    expect(page.locator("select#id_organisation")).to_be_visible()  # still the native list
    chooser = type_ahead(page, "Organisation")
    chooser.fill("Skarp")
    listbox = page.get_by_role("listbox", name="Organisation", exact=True)
    expect(listbox.get_by_role("option").first).to_contain_text("Skarpnäck")
    chooser.press("Enter")
    expect(page.locator("select#id_organisation")).to_have_value(re.compile(r"^\d+$"))
