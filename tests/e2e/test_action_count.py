"""How many actions a consultant needs to register an assignment, log a week of time on it and close
it, counted in a real browser on the demo data (README: *Actions to register, log and close*).

The unit, an **action**, is one of:
- a click: on a link, a button, a radio button or checkbox, on a native list to open it and on the
  option chosen in it (so choosing from a native `<select>` costs 2), on an option of a multiple
  list (Ctrl+click, 1), on a chooser's suggestion;
- a typed field: moving to one field and typing its value, however many characters (1);
- a key pressed on its own to act, such as Enter to pick a suggestion (1).

The flow: on Monday morning the konsult registers an assignment ordered last Monday (ongoing, with a
colleague, an existing ordering manager), logs its hours for Monday–Friday of last week, and closes
it as hired. Logging in is not counted.

Before issue 15 (commit 57ae291, this test as it was then): register 15 + log the week 27 + close 6
= 48 actions. The register's count hardly moves (a chooser costs what a list did, without scrolling
through 60 names), the week is typed into one grid and saved once.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone

from assignments.models import Assignment, Organisation, Package, TimeEntry, User
from tests.e2e.choosers import type_ahead

sync_api = pytest.importorskip("playwright.sync_api", reason="Python-paketet playwright saknas")
expect = sync_api.expect

pytestmark = pytest.mark.e2e


class Actions:
    """Drives the page and counts what a person would do, per step of the flow."""

    def __init__(self, page):
        self.page = page
        self.step = None
        self.counts = {}

    def _count(self, n=1):
        self.counts[self.step] = self.counts.get(self.step, 0) + n

    def click(self, locator):
        locator.click()
        self._count()

    def fill(self, locator, value):
        locator.fill(value)
        self._count()

    def select(self, locator, label):
        """A native list: open it, choose the option."""
        locator.select_option(label=label)
        self._count(2)

    def choose(self, label, typed, option):
        """A type-ahead chooser: type a few letters (a field), press Enter on the suggestion (a key)."""
        chooser = type_ahead(self.page, label)
        chooser.fill(typed)
        listbox = self.page.get_by_role("listbox", name=label, exact=True)
        expect(listbox.get_by_role("option", name=option, exact=True)).to_have_class(re.compile("active"))
        chooser.press("Enter")
        self._count(2)

    @property
    def total(self):
        return sum(self.counts.values())


def login(page, username="konsult"):
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_actions_to_register_log_a_week_and_close(page, page_problems, demo_data):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    konsult = User.objects.get(username="konsult")
    colleague = User.objects.filter(role=User.Role.KONSULT, is_active=True).exclude(pk=konsult.pk).first()
    organisation = (
        Organisation.objects.filter(active=True)
        .annotate(manager_count=Count("managers"))
        .filter(manager_count__gt=0)
        .order_by("name")
        .first()
    )
    manager = organisation.managers.order_by("name").first()
    package = Package.objects.get(price_list__year=monday.year, code="stora")
    login(page)
    act = Actions(page)

    # --- Register --------------------------------------------------------------------------------
    act.step = "register"
    act.click(page.get_by_role("link", name="Registrera uppdrag").first)
    act.fill(page.get_by_label("Beställningsdatum"), monday.isoformat())
    act.choose("Organisation", organisation.name[:8], organisation.name)
    expect(page.locator("#id_manager option")).to_have_count(organisation.managers.count() + 1)
    act.choose("Beställare", manager.name[:5], f"{manager.name} ({manager.email})")
    act.fill(page.get_by_label("Tjänst"), "Förskollärare till Solrosen")
    act.select(page.get_by_label("Verksamhet"), "Förskola")
    act.select(
        page.get_by_role("combobox", name="Paket", exact=True),
        f"{package.name} ({package.get_unit_display()})",
    )
    label = f"{colleague} ({colleague.initials})" if colleague.initials else str(colleague)
    act.choose("Medarbetande konsulter", colleague.first_name, label)
    act.select(page.get_by_label("Status"), "Pågående")
    act.click(page.get_by_role("button", name="Registrera uppdrag"))
    expect(page).to_have_url(re.compile(r"/uppdrag/\d+/$"))
    assignment = Assignment.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))

    # --- Log Monday–Friday of last week ------------------------------------------------------------
    act.step = "time"
    act.click(page.get_by_role("link", name="Rapportera tid"))
    act.click(page.get_by_role("link", name=re.compile("^← Vecka")))
    hours = ["2", "3,5", "1", "4", "2,5"]
    for offset, typed in enumerate(hours):
        act.fill(page.locator(f"#id_a{assignment.pk}_{monday + timedelta(days=offset):%Y%m%d}"), typed)
    act.click(page.get_by_role("button", name="Spara veckan"))
    expect(page.get_by_role("status").first).to_contain_text("Nya tidrapporter: 5")

    # --- Close it as hired -------------------------------------------------------------------------
    act.step = "close"
    page.goto(assignment.get_absolute_url())  # not counted: the person is on the assignment page
    act.click(page.get_by_role("link", name="Avsluta uppdrag"))
    act.click(page.get_by_label("Tillsatt", exact=True))
    act.fill(page.get_by_label("Kandidatens namn"), "Kim Kandidat")
    act.fill(page.get_by_label("Kandidatens e-post"), "kim.kandidat@example.org")
    act.fill(page.get_by_label("Tillträde"), (today + timedelta(days=30)).isoformat())
    act.click(page.get_by_role("button", name="Avsluta uppdraget"))
    expect(page.get_by_role("status")).to_contain_text("är avslutat")

    assignment.refresh_from_db()
    assert assignment.outcome == Assignment.Outcome.TILLSATT
    assert list(assignment.colleagues.all()) == [colleague]
    assert assignment.manager == manager and assignment.package == package
    logged = sorted(TimeEntry.objects.filter(assignment=assignment).values_list("date", "hours"))
    assert logged == [(monday + timedelta(days=i), Decimal(h.replace(",", "."))) for i, h in enumerate(hours)]
    print(f"Actions: {act.counts} = {act.total}")
    assert act.counts == {"register": 16, "time": 8, "close": 6}
    assert page_problems == []
