"""Issue 2 end to end in a real browser: a consultant registers an assignment, logs hours on it,
closes it and finds it in the list; validation in Swedish; no sideways scrolling on a small phone."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone

from assignments.models import Assignment, Manager, Organisation, Package, TimeEntry, User
from tests.e2e.choosers import type_ahead

sync_api = pytest.importorskip("playwright.sync_api", reason="Python-paketet playwright saknas")
expect = sync_api.expect

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"\b(\d{4}-\d{4})\b")


def login(page, username="konsult", password="demo"):
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))


def choose(page, label, typed, option):
    """Pick `option` in the type-ahead chooser labelled `label`: type a few letters, press Enter."""
    chooser = type_ahead(page, label)
    chooser.click()
    chooser.press_sequentially(typed)
    listbox = page.get_by_role("listbox", name=label, exact=True)
    expect(listbox.get_by_role("option", name=option, exact=True)).to_be_visible()
    chooser.press("Enter")


def text(locator) -> str:
    """Visible text with non-breaking spaces (our thousands separator) as plain spaces."""
    return re.sub(r"\s+", " ", locator.inner_text().replace("\xa0", " ")).strip()


def kronor(amount: Decimal) -> str:
    """`28000.00` → `28 000 kr`, as the pages show whole amounts."""
    assert amount == amount.to_integral_value(), amount
    return f"{int(amount):,} kr".replace(",", " ")


def test_consultant_registers_logs_hours_closes_and_finds_assignment(page, page_problems, demo_data):
    today = timezone.localdate()
    year = today.year
    konsult = User.objects.get(username="konsult")
    organisation = (
        Organisation.objects.filter(active=True)
        .annotate(manager_count=Count("managers"))
        .filter(manager_count__gt=0)
        .order_by("name")
        .first()
    )
    package = Package.objects.select_related("price_list").get(price_list__year=year, code="stora")
    assert Package.objects.filter(price_list__year=year, is_hourly_rate=True).exists()
    before = Assignment.objects.count()

    login(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Klara!")

    # --- Register -------------------------------------------------------------------------------
    page.get_by_role("link", name="Registrera uppdrag").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrera uppdrag")
    expect(page.get_by_label("Beställningsdatum")).to_have_value(today.isoformat())
    page.get_by_label("Beställningsdatum").fill(today.isoformat())

    # Choosing the organisation loads its managers into the Beställare list (htmx).
    manager_select = page.locator("#id_manager")
    expect(manager_select.locator("option")).to_have_count(1)
    choose(page, "Organisation", organisation.name[:6], organisation.name)
    managers = list(organisation.managers.order_by("name"))
    expect(manager_select.locator("option")).to_have_count(len(managers) + 1)
    expect(manager_select.locator("option").nth(1)).to_have_text(f"{managers[0].name} ({managers[0].email})")
    expect(manager_select).to_have_value("")

    # The manager is new: typed in under "Ny beställare".
    new_name = page.get_by_label("Ny beställares namn")
    expect(new_name).to_be_hidden()
    page.get_by_text("Ny beställare", exact=True).click()
    expect(new_name).to_be_visible()
    new_name.fill("Nora Nybeställare")
    page.get_by_label("Ny beställares e-post").fill("Nora.Nybestallare@example.org")

    page.get_by_label("Tjänst").fill("Förskollärare till Solrosen")
    page.get_by_label("Nivå").select_option(label="Medarbetare")
    page.get_by_label("Verksamhet").select_option(label="Förskola")
    # Only the order year's packages are offered.
    offered = page.locator("#id_package option").all_inner_texts()
    assert (
        offered[0] == "– Välj –" and len(offered) == Package.objects.filter(price_list__year=year).count() + 1
    )
    page.get_by_role("combobox", name="Paket", exact=True).select_option(
        label=f"{package.name} ({package.get_unit_display()})"
    )
    # The page fills in the list price; leaving the box empty gives the list price as well.
    price_box = page.get_by_label("Pris (kr)")
    expect(price_box).to_have_value(f"{int(package.price):,}".replace(",", " "))
    price_box.fill("")
    expect(page.locator("#id_responsible")).to_have_value(str(konsult.pk))
    page.get_by_role("button", name="Registrera uppdrag").click()

    # --- The assignment page: number and list price ---------------------------------------------
    expect(page).to_have_url(re.compile(r"/uppdrag/\d+/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Förskollärare till Solrosen")
    match = NUMBER.search(text(heading))
    assert match, text(heading)
    number = match.group(1)
    assert re.fullmatch(rf"{year}-\d{{4}}", number)
    expect(page.get_by_role("status")).to_contain_text(f"Uppdrag {number} är registrerat.")
    economy = page.locator("section", has=page.get_by_role("heading", name="Paket och ekonomi"))
    assert f"Pris {kronor(package.price)}" in text(economy)
    customer = page.locator("section", has=page.get_by_role("heading", name="Kund och tjänst"))
    assert "Nora Nybeställare" in text(customer)
    assert "nora.nybestallare@example.org" in text(customer)
    expect(customer.locator(".badge")).to_have_text("Ny beställare")
    expect(heading.locator(".badge")).to_have_text("Förfrågan")

    assert Assignment.objects.count() == before + 1
    assignment = Assignment.objects.get(number=number)
    assert assignment.price == package.price
    assert assignment.package == package
    assert assignment.organisation == organisation
    assert assignment.manager == Manager.objects.get(email="nora.nybestallare@example.org")
    assert assignment.manager.organisation == organisation
    assert assignment.responsible == konsult
    assert assignment.ordered_on == today

    # --- Log 2,5 hours on it from the Tid page's week grid -------------------------------------
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Tid").click()
    page.locator(f"#id_a{assignment.pk}_{today:%Y%m%d}").fill("2,5")
    page.get_by_role("button", name="Spara veckan").click()
    expect(page.get_by_role("status").first).to_contain_text("Nya tidrapporter: 1, ändrade: 0, borttagna: 0.")
    page.get_by_role("link", name=number).first.click()
    hours = page.locator("section", has=page.get_by_role("heading", name="Timmar", exact=True))
    expect(hours).to_contain_text(re.compile(r"Rapporterat:\s2,5\sh"))

    # --- Close it: hired ------------------------------------------------------------------------
    page.get_by_role("link", name="Avsluta uppdrag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Avsluta uppdrag {number}")
    page.get_by_label("Tillsatt", exact=True).check()
    page.get_by_label("Avslutsdatum").fill(today.isoformat())
    page.get_by_label("Kandidatens namn").fill("Kim Kandidat")
    page.get_by_label("Kandidatens e-post").fill("kim.kandidat@example.org")
    start = today + timedelta(days=30)
    page.get_by_label("Tillträde").fill(start.isoformat())
    page.get_by_role("button", name="Avsluta uppdraget").click()
    expect(page).to_have_url(re.compile(rf"/uppdrag/{assignment.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Uppdrag {number} är avslutat.")
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("Tillsatt")
    expect(page.get_by_role("link", name="Avsluta uppdrag")).to_have_count(0)

    # --- Find it in the list: by number, then by status -----------------------------------------
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppdrag").click()
    page.get_by_label("Sök").fill(number)
    page.get_by_role("button", name="Filtrera").click()
    expect(page).to_have_url(re.compile(rf"[?&]q={number}"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("Förskollärare till Solrosen")
    expect(rows.first).to_contain_text("Tillsatt")
    assert kronor(package.price) in text(rows.first)

    page.get_by_role("link", name="Rensa filter").click()
    page.get_by_label("Status").select_option(label="Avslutad – tillsatt")
    page.get_by_role("button", name="Filtrera").click()
    expect(page).to_have_url(re.compile(r"[?&]status=tillsatt"))
    row = page.locator("table tbody tr", has=page.get_by_role("link", name=number, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tillsatt")
    tillsatt = Assignment.objects.filter(outcome=Assignment.Outcome.TILLSATT).count()
    assert tillsatt > 1
    expect(page.get_by_role("status")).to_have_text(
        re.compile(rf"^{tillsatt:,} uppdrag$".replace(",", r"\s"))
    )

    # --- What was saved -------------------------------------------------------------------------
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.AVSLUTAD
    assert assignment.outcome == Assignment.Outcome.TILLSATT
    assert assignment.closed_on == today
    assert assignment.hires == 1
    assert assignment.candidate_name == "Kim Kandidat"
    assert assignment.candidate_email == "kim.kandidat@example.org"
    assert assignment.candidate_start == start
    assert assignment.responsible == konsult
    entries = list(TimeEntry.objects.filter(assignment=assignment))
    assert [(e.user, e.date, e.hours) for e in entries] == [(konsult, today, Decimal("2.50"))]
    assert page_problems == []


def test_create_form_shows_swedish_errors_and_saves_nothing(page, page_problems, minimal_data):
    login(page)
    page.goto("/uppdrag/ny/")
    page.get_by_label("Beställningsdatum").fill("")
    page.get_by_role("button", name="Registrera uppdrag").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Formuläret innehåller fel")
    expect(summary).to_contain_text("Beställningsdatum: Det här fältet är obligatoriskt.")
    expect(summary).to_contain_text("Organisation: Det här fältet är obligatoriskt.")
    expect(summary).to_contain_text("Tjänst: Det här fältet är obligatoriskt.")
    expect(summary).to_contain_text("Paket: Det här fältet är obligatoriskt.")
    expect(summary).to_contain_text("Beställare: Välj en beställare eller ange namn och e-post för en ny.")
    assert "This field is required" not in summary.inner_text()
    # Each message links to its field, and the field shows the message too.
    summary.get_by_role("link", name=re.compile("^Tjänst:")).click()
    expect(page.get_by_label("Tjänst")).to_be_focused()
    expect(page.locator("#id_role_title_error")).to_have_text("Det här fältet är obligatoriskt.")
    expect(page).to_have_url(re.compile(r"/uppdrag/ny/"))
    assert Assignment.objects.count() == 0
    assert Manager.objects.count() == 1
    assert page_problems == []


WIDEST = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > 321)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
         (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') +
         ' right=' + Math.round(e.getBoundingClientRect().right))"""
SCROLLING_BOXES = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 &&
                 ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .map(e => e.tagName.toLowerCase() + '.' + String(e.className).replace(/ /g, '.') +
         ' ' + e.scrollWidth + '>' + e.clientWidth)"""


@pytest.fixture
def small_screen(page, minimal_data):
    """320 px wide, logged in as the konsult, with a few assignments under long Stockholm names (one of
    them closed as hired) and hours logged today, so the list and the week table have rows."""
    from assignments import services
    from tests.factories import (
        AssignmentFactory,
        ManagerFactory,
        OrganisationFactory,
        TimeCategoryFactory,
    )

    today = timezone.localdate()
    konsult = User.objects.get(username="konsult")
    package = Package.objects.get(price_list__year=today.year, code="stora")
    assignments = []
    for name, role in [
        ("Hässelby-Vällingby stadsdelsförvaltning", "Enhetschef äldreboende"),
        ("Överförmyndarförvaltningen", "Handläggare"),
        ("Arbetsmarknadsförvaltningen", "Gruppledare socialtjänst"),
    ]:
        organisation = OrganisationFactory(name=name, kind=Organisation.Kind.FACK)
        assignments.append(
            AssignmentFactory(
                number=f"{today.year}-{len(assignments) + 1:04d}",
                organisation=organisation,
                manager=ManagerFactory(name="Johanna Lundqvist-Bergström", organisation=organisation),
                role_title=role,
                ordered_on=today,
                package=package,
                responsible=konsult,
            )
        )
    services.close_assignment(
        assignments[0],
        by=konsult,
        outcome=Assignment.Outcome.TILLSATT,
        closed_on=today,
        candidate_start=today,
    )
    services.log_time(user=konsult, date=today, hours=Decimal("1.5"), assignment=assignments[1])
    services.log_time(
        user=konsult,
        date=today,
        hours=Decimal("2"),
        assignment=assignments[2],
        comment="Intervjuer med tre kandidater",
    )
    services.log_time(
        user=konsult,
        date=today,
        hours=Decimal("1"),
        category=TimeCategoryFactory(name="Kundmöten och marknadsföring"),
    )
    page.set_viewport_size({"width": 320, "height": 640})
    login(page)
    return page


@pytest.mark.parametrize(
    "path",
    [
        "/uppdrag/",
        "/uppdrag/?status=tillsatt",
        "/uppdrag/ny/",
        "/tid/",
    ],
)
def test_no_horizontal_scrolling_at_320_px(small_screen, path):
    page = small_screen
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 321, f"{path} is {scroll_width} px wide at 320 px: {page.evaluate(WIDEST)}"


@pytest.mark.parametrize(
    "path",
    [
        "/uppdrag/",
        "/uppdrag/ny/",
    ],
)
def test_nothing_scrolls_sideways_inside_the_page_at_320_px(small_screen, path):
    """The list's rows become cards on a phone; none of them should need sideways scrolling either."""
    page = small_screen
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate(SCROLLING_BOXES) == []


def test_price_follows_quantity_until_typed(page, minimal_data):
    """An hourly package: the price is unit price × quantity while the user has not typed a price."""
    from assignments.models import Package

    hourly = Package.objects.get(is_hourly_rate=True)
    login(page)
    page.goto("/uppdrag/ny/")
    page.locator("#id_package").select_option(str(hourly.pk))
    page.locator("#id_quantity").fill("40")
    expected = f"{int(hourly.price * 40):,}".replace(",", " ")
    expect(page.locator("#id_price")).to_have_value(expected)
    page.locator("#id_price").fill("30 000")
    page.locator("#id_quantity").fill("10")
    expect(page.locator("#id_price")).to_have_value("30 000")
