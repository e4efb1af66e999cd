"""Issue 15's consultant pages in Chromium: keyboard only, axe (WCAG 2.1 A/AA) at 1366 and 390 px,
the package list that follows the order date, saved filters, the week grid's width."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assignments.models import Assignment, Manager, Package, SavedFilter, TimeEntry, User
from tests.e2e.choosers import choosers_ready, type_ahead

sync_api = pytest.importorskip("playwright.sync_api", reason="Python-paketet playwright saknas")
expect = sync_api.expect

pytestmark = pytest.mark.e2e

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
    ]


def focused(page) -> str:
    """The focused element, as `tag#id` (or its text when it has no id)."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : ':' + (e.textContent || '').trim()); }"
    )


def tab_to(page, target: str, *, backwards=False, limit=80):
    """Press Tab (or Shift+Tab) until `target` (as `focused` says it) has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if focused(page) == target:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} never got the focus; it stopped at {focused(page)}")


@pytest.fixture
def people(minimal_data):
    """A colleague to add, and a second organisation and manager to pick among."""
    from tests.factories import ManagerFactory, OrganisationFactory, UserFactory

    UserFactory(username="kollega", first_name="Kim", last_name="Kollega", initials="KIM")
    ManagerFactory(
        name="Berit Beställare",
        email="berit@example.org",
        organisation=OrganisationFactory(name="Skarpnäcks stadsdelsförvaltning"),
    )
    return User.objects.get(username="konsult")


def test_keyboard_only_registers_an_assignment_and_logs_a_week(page, page_problems, people):
    """No mouse: Tab, typing, arrows, Enter. The choosers, the package list, the week grid."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    page.goto("/accounts/login/")
    tab_to(page, "input#id_username")
    page.keyboard.type("konsult")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Klara!")

    tab_to(page, "a:Registrera uppdrag")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrera uppdrag")
    choosers_ready(page)
    # The order date is today already; the organisation and manager are typed and picked.
    tab_to(page, "input#id_organisation-ts-control")
    page.keyboard.type("Skarp")
    page.keyboard.press("Enter")
    expect(page.locator("#id_manager option")).to_have_count(2)
    page.keyboard.press("Tab")
    expect(page.locator("#id_manager-ts-control")).to_be_focused()
    page.keyboard.type("Berit")
    page.keyboard.press("Enter")
    tab_to(page, "input#id_role_title")
    page.keyboard.type("Förskollärare till Solrosen")
    tab_to(page, "select#id_sector")
    page.keyboard.press("ArrowDown")
    tab_to(page, "select#id_package")
    page.keyboard.type("Stora")
    tab_to(page, "input#id_colleagues-ts-control")
    page.keyboard.type("Kim")
    page.keyboard.press("Enter")
    tab_to(page, "select#id_status")
    page.keyboard.type("P")
    tab_to(page, "button:Registrera uppdrag")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/uppdrag/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("är registrerat")
    assignment = Assignment.objects.get()
    assert assignment.manager == Manager.objects.get(email="berit@example.org")
    assert assignment.organisation.name == "Skarpnäcks stadsdelsförvaltning"
    assert assignment.package == Package.objects.get(code="stora")
    assert assignment.sector.name == "Förskola"
    assert assignment.status == Assignment.Status.PAGAENDE
    assert [c.username for c in assignment.colleagues.all()] == ["kollega"]

    # Rapportera tid opens the week with the cursor in this assignment's row, on today.
    tab_to(page, "a:Rapportera tid")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Min tid vecka")
    expect(page.locator(f"#id_a{assignment.pk}_{today:%Y%m%d}")).to_be_focused()
    tab_to(page, f"input#id_a{assignment.pk}_{monday:%Y%m%d}", backwards=True)
    for typed in ["7,5", "8", "6", "8", "4,25"]:
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
    expect(page.locator("[data-week-sum]")).to_have_text("33,75\xa0h")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Enter in a cell sends the week
    expect(page.get_by_role("status").first).to_contain_text("Nya tidrapporter: 5, ändrade: 0, borttagna: 0.")
    logged = list(
        TimeEntry.objects.filter(assignment=assignment).order_by("date").values_list("date", "hours")
    )
    assert logged == [
        (monday + timedelta(days=i), Decimal(h))
        for i, h in enumerate(["7.50", "8.00", "6.00", "8.00", "4.25"])
    ]
    assert page_problems == []


@pytest.fixture
def konsult_with_week(people):
    """An assignment the konsult is on, with the week's hours; logged in as the konsult."""
    from tests.factories import AssignmentFactory

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    assignment = AssignmentFactory(
        number=f"{today.year}-0042",
        responsible=people,
        package=Package.objects.get(code="stora"),
        ordered_on=monday,
        role_title="Enhetschef till Hässelby-Vällingby stadsdelsförvaltnings äldreomsorg",
    )
    for offset in range(5):
        TimeEntry.objects.create(
            user=people, assignment=assignment, date=monday + timedelta(days=offset), hours=Decimal("7.5")
        )
    TimeEntry.objects.create(
        user=people,
        assignment=assignment,
        date=monday,
        hours=Decimal("0.5"),
        comment="Samtal med rekryterande chef om kravprofilen och annonsens formuleringar",
    )
    SavedFilter.objects.create(user=people, name="Mina öppna", query="visa=mina&status=oppna")
    return assignment


def login(page, username="konsult"):
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


@pytest.mark.parametrize("width", [1366, 390])
def test_consultant_pages_pass_axe_and_fit_the_screen(page, page_problems, konsult_with_week, width):
    assignment = konsult_with_week
    # A long name in the header (with Min API-nyckel, Byt lösenord, Logga ut) must wrap, not widen the page.
    User.objects.filter(username="konsult").update(first_name="Klara", last_name="Konsultsson-Lindqvist")
    page.set_viewport_size({"width": width, "height": 900})
    login(page)

    def check(what):
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], what
        assert page.evaluate("document.documentElement.scrollWidth") <= width, what

    page.goto("/uppdrag/")
    page.get_by_text("Fler filter").click()
    check("the list, with a saved filter and more filters open")
    page.goto("/uppdrag/ny/")
    check("the empty form")
    page.get_by_role("button", name="Registrera uppdrag").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check("the form's errors")
    type_ahead(page, "Organisation").click()
    page.keyboard.type("Fars")
    expect(page.get_by_role("listbox", name="Organisation")).to_be_visible()
    check("a chooser open")
    page.goto(assignment.get_absolute_url())
    check("the assignment")
    page.goto(f"/tid/?uppdrag={assignment.pk}")
    check("the week grid")
    # Every cell, the sums and the entries' actions are inside the page (nothing clipped).
    wrap = page.locator(".week-wrap").bounding_box()
    for locator in (
        page.locator("input.hours-cell"),
        page.get_by_role("button", name=re.compile("^Ta bort")),
    ):
        for box in (locator.nth(i).bounding_box() for i in range(locator.count())):
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.querySelector('.week-wrap').scrollWidth") <= wrap["width"] + 1
    saturday = assignment.ordered_on + timedelta(days=5)
    page.locator(f"#id_a{assignment.pk}_{saturday:%Y%m%d}").fill("20")
    page.locator("tbody tr", has_text="Intern tid").locator("input.hours-cell").nth(5).fill("10")
    page.get_by_role("button", name="Spara veckan").click()
    expect(page.get_by_role("alert")).to_contain_text("en dag har högst 24 timmar")
    check("the week grid's errors")
    page.goto(f"/uppdrag/{assignment.pk}/avsluta/")
    page.get_by_label("Tillsatt", exact=True).check()
    page.get_by_role("button", name="Avsluta uppdraget").click()
    expect(page.get_by_role("alert")).to_contain_text("Ange tillträdesdatum för den tillsatta kandidaten.")
    check("the closing's errors")
    assert page_problems == []


def test_the_package_list_follows_the_order_date(page, page_problems, minimal_data):
    from tests.factories import PackageFactory, PriceListFactory

    year = timezone.localdate().year
    last_year = PriceListFactory(year=year - 1)
    PackageFactory(price_list=last_year, price=Decimal("26000"))
    PackageFactory(price_list=last_year, code="larare", name="Lärarpaket", price=Decimal("20000"))
    login(page)
    page.goto("/uppdrag/ny/")
    package = page.get_by_role("combobox", name="Paket", exact=True)
    help_text = page.locator("#id_package_helptext")
    expect(help_text).to_have_text(f"Paketen i prislistan för {year}, beställningsdatumets år.")
    assert package.locator("option").all_inner_texts() == [
        "– Välj –",
        "Stora paketet (per uppdrag)",
        "Övrig tjänst (per timme)",
    ]
    package.select_option(label="Stora paketet (per uppdrag)")
    expect(page.get_by_label("Pris (kr)")).to_have_value("28 000")

    # Last year: its own list; the chosen package follows to last year's Stora paketet and price.
    page.get_by_label("Beställningsdatum").fill(f"{year - 1}-11-03")
    expect(package.locator("option")).to_have_text(
        ["– Välj –", "Lärarpaket (per uppdrag)", "Stora paketet (per uppdrag)"]
    )
    expect(package).to_have_value(str(Package.objects.get(price_list=last_year, code="stora").pk))
    expect(help_text).to_contain_text(f"Stora paketet (per uppdrag) ur {year - 1} års lista är valt.")
    expect(page.get_by_label("Pris (kr)")).to_have_value("26 000")

    # A package that next year's list lacks: emptied, and said.
    package.select_option(label="Lärarpaket (per uppdrag)")
    page.get_by_label("Beställningsdatum").fill(f"{year}-01-15")
    expect(package).to_have_value("")
    expect(help_text).to_contain_text(
        f"Lärarpaket (per uppdrag) finns inte i {year} års lista: välj paket igen."
    )

    # A year without a price list: nothing to choose, and why.
    page.get_by_label("Beställningsdatum").fill(f"{year + 1}-01-15")
    expect(package.locator("option")).to_have_text(["– Välj –"])
    expect(help_text).to_have_text(
        f"Det finns ingen prislista för {year + 1}. Välj ett annat beställningsdatum eller be en "
        "administratör lägga upp prislistan."
    )
    assert page_problems == []


def test_saving_picking_and_deleting_a_filter(page, page_problems, konsult_with_week):
    login(page)
    page.goto("/uppdrag/?visa=alla&status=avslutad")
    page.get_by_label("Spara filtret som visas").fill("Avslutade")
    page.get_by_role("button", name="Spara filter").click()
    expect(page.get_by_role("status").first).to_contain_text("Filtret ”Avslutade” är sparat.")
    saved = page.get_by_role("navigation", name="Mina sparade filter")
    expect(saved.get_by_role("link")).to_have_text(["Avslutade", "Mina öppna"])
    expect(saved.get_by_role("link", name="Avslutade")).to_have_attribute("aria-current", "true")

    saved.get_by_role("link", name="Mina öppna").click()
    expect(page).to_have_url(re.compile(r"\?visa=mina&status=oppna$"))
    expect(page.locator("table tbody tr")).to_have_count(1)

    page.once("dialog", lambda dialog: dialog.accept())
    saved.get_by_role("button", name="Ta bort filtret Avslutade").click()
    expect(page.get_by_role("status").first).to_contain_text("Filtret ”Avslutade” är borttaget.")
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["Mina öppna"]
    assert page_problems == []


def test_tilltrade_is_marked_required_when_the_outcome_is_tillsatt(page, konsult_with_week):
    login(page)
    page.goto(f"/uppdrag/{konsult_with_week.pk}/avsluta/")
    start = page.get_by_label("Tillträde")
    expect(start).to_have_attribute("aria-required", "false")
    page.get_by_label("Tillsatt", exact=True).check()
    expect(start).to_have_attribute("aria-required", "true")
    label = page.locator("label[for=id_candidate_start]")
    assert page.evaluate("l => getComputedStyle(l, '::after').content", label.element_handle()) == '" *"'
    page.get_by_label("Ej tillsatt", exact=True).check()
    expect(start).to_have_attribute("aria-required", "false")


def test_the_form_works_without_javascript(browser, live_server, people):
    """The choosers are plain lists without JavaScript, and the form still registers."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    try:
        login(page)
        page.goto("/uppdrag/ny/")
        page.get_by_label("Organisation").select_option(label="Skarpnäcks stadsdelsförvaltning")
        page.get_by_text("Ny beställare", exact=True).click()
        page.get_by_label("Ny beställares namn").fill("Nils Nybeställare")
        page.get_by_label("Ny beställares e-post").fill("nils@example.org")
        page.get_by_label("Tjänst").fill("Barnskötare")
        page.get_by_label("Paket").select_option(label="Stora paketet (per uppdrag)")
        page.get_by_label("Medarbetande konsulter").select_option(label="Kim Kollega (KIM)")
        page.get_by_role("button", name="Registrera uppdrag").click()
        expect(page.get_by_role("status")).to_contain_text("är registrerat")
        assignment = Assignment.objects.get()
        assert assignment.manager.email == "nils@example.org"
        assert [c.username for c in assignment.colleagues.all()] == ["kollega"]
    finally:
        context.close()


def test_a_chooser_does_not_pull_the_focus_back(page, people):
    """Tom Select opens on focus and focuses itself again a tick later: a quick Tab onward must not
    have the focus pulled back, not even for a moment (keys typed then would land in the wrong
    chooser). static/js/app.js lets only the chooser that has the focus open."""
    login(page)
    page.goto("/uppdrag/ny/")
    choosers_ready(page)
    pulled_back = page.evaluate(
        """() => new Promise((resolve) => {
            const first = document.getElementById('id_responsible-ts-control');
            const next = document.getElementById('id_colleagues-ts-control');
            first.focus();
            next.focus();
            let back = 0;
            first.addEventListener('focus', () => { back += 1; });
            setTimeout(() => resolve(back), 200);
        })"""
    )
    assert pulled_back == 0
    assert focused(page) == "input#id_colleagues-ts-control"
