"""The Content-Security-Policy in a real browser: Chromium reports no violation on any kind of page
(staff pages with htmx, the Django admin, the API docs, a public survey page), and an anonymous
visitor is sent to the login page."""

import re
from datetime import date

import pytest
from django.core import mail

sync_api = pytest.importorskip("playwright.sync_api", reason="Python-paketet playwright saknas")
expect = sync_api.expect

pytestmark = pytest.mark.e2e

STAFF_PAGES = [
    "/",
    "/uppdrag/",
    "/uppdrag/ny/",
    "/tid/",
    "/enkater/",
    "/plan/",
    "/rapporter/",
    "/register/",
    "/register/personuppgifter/",
    "/register/anvandare/",
    "/kompetenskarta/",
    "/django-admin/",
    "/api/docs/",
]


@pytest.fixture
def survey_token(minimal_data, settings):
    """A sent customer survey with its token, from a closed assignment of the minimal data."""
    from assignments import services
    from assignments.models import Manager, Package, User
    from tests.factories import AssignmentFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    konsult = User.objects.get(username="konsult")
    manager = Manager.objects.first()
    assignment = AssignmentFactory(
        responsible=konsult,
        manager=manager,
        organisation=manager.organisation,
        package=Package.objects.filter(is_hourly_rate=False).first(),
        ordered_on=date.today().replace(day=1),
    )
    services.close_assignment(assignment, by=konsult, outcome="ej_tillsatt", closed_on=date.today())
    [message] = [m for m in mail.outbox if m.to == [manager.email]]
    return re.search(r"/enkat/([A-Za-z0-9_-]+)/", message.body).group(1)


def test_no_policy_violations_anywhere(page, page_problems, survey_token):
    from assignments.models import User
    from tests.factories import UserFactory

    UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)

    page.goto("/uppdrag/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/uppdrag/$"))

    page.goto(f"/enkat/{survey_token}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("input[type=radio]").count() > 10

    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill("demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()

    for path in STAFF_PAGES:
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
    assert page_problems == []
