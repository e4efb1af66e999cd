"""The registration page's suggested consultants in Chromium: the panel follows the choices, passes
axe (WCAG 2.1 A/AA) at 1366 and 390 px, and "Välj" sets the Ansvarig konsult chooser."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_consultant_pages import axe_violations, login


@pytest.fixture
def certified(minimal_data):
    from assignments.models import User
    from tests.factories import ConsultantCompetenceFactory, UserFactory

    kim = UserFactory(username="kollega", first_name="Kim", last_name="Kollega", initials="KIM")
    ConsultantCompetenceFactory(user=kim, package_codes=["stora"], manager_certified=True)
    ConsultantCompetenceFactory(user=User.objects.get(username="konsult"), package_codes=["stora"])
    return kim


@pytest.mark.parametrize("width", [1366, 390])
def test_the_panel_suggests_the_certified_and_choose_sets_the_responsible(
    page, page_problems, certified, width
):
    page.set_viewport_size({"width": width, "height": 900})
    login(page)
    page.goto("/uppdrag/ny/")
    panel = page.get_by_role("region", name="Förslag på konsult")
    expect(panel).to_contain_text("Välj organisation, nivå och paket")
    page.get_by_role("combobox", name="Organisation", exact=True).click()
    page.keyboard.type("Fars")
    page.keyboard.press("Enter")
    page.get_by_label("Nivå").select_option("chef")
    page.locator("#id_package").select_option(label="Stora paketet (per uppdrag)")
    expect(panel.get_by_role("listitem")).to_have_count(1)
    expect(panel).to_contain_text("Kim Kollega")
    expect(panel).to_contain_text("Certifierad för chefsrekrytering")
    # The ranking shown goes with the form, kept beside the one chosen.
    expect(page.locator("#id_suggested")).to_have_value(str(certified.pk))
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    panel.get_by_role("button", name="Välj Kim Kollega som ansvarig konsult").click()
    expect(page.locator("#id_responsible")).to_have_value(str(certified.pk))
    expect(page.locator(".ts-wrapper", has=page.locator("#id_responsible-ts-control"))).to_contain_text("Kim")
    assert page_problems == []
