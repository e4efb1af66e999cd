"""The registration page's suggested consultants in Chromium: the panel follows the choices, passes
axe (WCAG 2.1 A/AA) at 1366 and 390 px, and "Välj" sets the Ansvarig konsult chooser."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.choosers import type_ahead
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
    type_ahead(page, "Organisation").click()
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


def test_the_chosen_consultants_load_rises_and_the_assignment_gets_its_tidplan(
    page, page_problems, certified
):
    """Issue 16's walk: a samordnare registers a manager recruitment for a city district, takes the
    suggested (certified) consultant, and the heat map's table shows that consultant's planned
    hours rise; the assignment has its package's standard tidplan."""
    from assignments import services
    from assignments.models import Assignment, User
    from tests.factories import UserFactory

    services.save_standard_schedule("stora", {"startmote": 7, "annons": 7, "sista_ansokan": 21, "beslut": 14})
    UserFactory(username="samordnare", first_name="Sam", last_name="Ordnare", role=User.Role.SAMORDNARE)
    login(page, "samordnare")

    def kims_first_week():
        page.goto("/belaggning/")
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Kim Kollega"))
        return row.locator(".load-of").first.inner_text().replace("\xa0", " ")

    assert kims_first_week().startswith("0,0 av ")
    page.goto("/uppdrag/ny/")
    type_ahead(page, "Organisation").click()
    page.keyboard.type("Fars")
    page.keyboard.press("Enter")
    expect(page.locator("#id_manager option")).to_have_count(2)
    page.locator("#id_manager").select_option(index=1)
    page.get_by_label("Tjänst").fill("Förskolechef till Solrosen")
    page.get_by_label("Nivå").select_option("chef")
    page.get_by_label("Verksamhet").select_option(label="Förskola")
    page.locator("#id_package").select_option(label="Stora paketet (per uppdrag)")
    panel = page.get_by_role("region", name="Förslag på konsult")
    expect(panel.get_by_role("listitem")).to_have_count(1)  # only the certified one
    panel.get_by_role("button", name="Välj Kim Kollega som ansvarig konsult").click()
    page.get_by_role("button", name="Registrera uppdrag").click()
    expect(page).to_have_url(re.compile(r"/uppdrag/\d+/$"))
    assignment = Assignment.objects.get(role_title="Förskolechef till Solrosen")
    assert assignment.responsible == certified
    tidplan = page.get_by_role("region", name="Tidplan")
    expect(tidplan).to_contain_text("Startmöte")
    expect(tidplan).to_contain_text("Beslut")
    steps = list(assignment.steps.values_list("step", flat=True))
    assert steps == ["startmote", "annons", "sista_ansokan", "beslut"]
    # 32 standard hours (the package's) spread to the tidplan's end: Kim's first week now has some.
    planned = kims_first_week()
    assert not planned.startswith("0,0 av "), planned
    assert page_problems == []
