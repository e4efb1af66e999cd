from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments.models import Assignment, Budget, Manager, Package, TimeEntry
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UserFactory,
)

TODAY = timezone.localdate()


@pytest.fixture
def this_year(db):
    price_list = PriceListFactory(year=TODAY.year)
    PackageFactory(price_list=price_list)
    PackageFactory(
        price_list=price_list,
        code="ovrig",
        name="Övrig tjänst",
        price=950,
        unit="timme",
        is_hourly_rate=True,
        standard_hours=None,
    )
    return price_list


def _create_data(price_list, user, **overrides):
    manager = ManagerFactory()
    data = {
        "responsible": user.pk,
        "ordered_on": TODAY.isoformat(),
        "organisation": manager.organisation.pk,
        "manager": manager.pk,
        "role_title": "Förskollärare",
        "level": "medarbetare",
        "sector": SectorFactory().pk,
        "package": price_list.packages.get(code="stora").pk,
        "quantity": "1",
        "price": "",
        "price_reason": "",
        "extra_hours": "0",
        "status": "forfragan",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_login_required_everywhere(client):
    for name in ("start", "assignment-list", "assignment-create", "time-week", "settings-home"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_in_swedish(client):
    response = client.get(reverse("login"))
    assert '<html lang="sv">' in response.content.decode()
    assert "Logga in" in response.content.decode()


@pytest.mark.django_db
def test_konsult_creates_assignment_with_list_price(client, konsult, this_year):
    client.force_login(konsult)
    response = client.post(reverse("assignment-create"), _create_data(this_year, konsult))
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and response.url == assignment.get_absolute_url()
    assert assignment.number == f"{TODAY.year}-0001"
    assert assignment.price == Decimal("27000")
    assert assignment.responsible == konsult
    page = client.get(response.url).content.decode()
    assert "27\xa0000\xa0kr" in page
    assert assignment.number in page


@pytest.mark.django_db
def test_create_with_new_manager(client, konsult, this_year):
    client.force_login(konsult)
    org = OrganisationFactory()
    data = _create_data(
        this_year,
        konsult,
        organisation=org.pk,
        manager="",
        new_manager_name="Ny Chef",
        new_manager_email="Ny.Chef@Example.org",
    )
    response = client.post(reverse("assignment-create"), data)
    assert response.status_code == 302
    manager = Manager.objects.get(email="ny.chef@example.org")
    assert manager.organisation == org
    assert Assignment.objects.get().manager == manager


@pytest.mark.django_db
def test_create_errors_in_swedish_and_nothing_saved(client, konsult, this_year):
    client.force_login(konsult)
    old = PackageFactory(price_list=PriceListFactory(year=TODAY.year - 1), code="stora")
    data = _create_data(this_year, konsult, package=old.pk, price="abc", role_title="")
    response = client.post(reverse("assignment-create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Formuläret innehåller fel" in page
    assert "Ange ett tal" in page
    # Once, from the model's rule (the form had a copy of it with another message).
    assert response.context["form"].errors["package"] == [
        f"Paketet ska komma från prislistan för beställningsåret {TODAY.year}."
    ]
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
def test_price_override_without_reason_is_an_error(client, konsult, this_year):
    client.force_login(konsult)
    response = client.post(reverse("assignment-create"), _create_data(this_year, konsult, price="20 000"))
    assert "Ange skäl när priset avviker" in response.content.decode()
    assert Assignment.objects.count() == 0
    response = client.post(
        reverse("assignment-create"), _create_data(this_year, konsult, price="20 000", price_reason="Avtalat")
    )
    assert response.status_code == 302
    assert Assignment.objects.get().price == Decimal("20000")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "garbage",
    [
        {"ordered_on": "2026-13-45"},
        {"organisation": "999999"},
        {"package": "x"},
        {"quantity": "-1"},
        {"extra_hours": "1e400"},
        {"price": "9" * 30},
        {"status": "avslutad"},
        {"colleagues": ["nope"]},
    ],
)
def test_garbage_never_500(client, konsult, this_year, garbage):
    client.force_login(konsult)
    response = client.post(reverse("assignment-create"), _create_data(this_year, konsult, **garbage))
    assert response.status_code == 200
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
def test_konsult_edits_own_but_not_others(client, konsult, konsult2, samordnare, this_year):
    mine = AssignmentFactory(
        responsible=konsult, package=this_year.packages.get(code="stora"), ordered_on=TODAY
    )
    theirs = AssignmentFactory(responsible=konsult2, package=mine.package, ordered_on=TODAY)
    client.force_login(konsult)
    assert client.get(reverse("assignment-edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("assignment-edit", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("assignment-close", args=[theirs.pk]), {}).status_code == 403
    # Everyone reads every assignment.
    assert client.get(reverse("assignment-detail", args=[theirs.pk])).status_code == 200
    client.force_login(samordnare)
    assert client.get(reverse("assignment-edit", args=[theirs.pk])).status_code == 200


@pytest.mark.django_db
def test_close_assignment_through_page(client, konsult, this_year):
    a = AssignmentFactory(
        responsible=konsult,
        package=this_year.packages.get(code="stora"),
        ordered_on=TODAY - timedelta(days=30),
    )
    client.force_login(konsult)
    response = client.post(
        reverse("assignment-close", args=[a.pk]),
        {
            "outcome": "tillsatt",
            "closed_on": TODAY.isoformat(),
            "candidate_name": "Kim Kandidat",
            "candidate_email": "kim@example.org",
            "candidate_start": (TODAY + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.outcome, a.closed_on) == ("avslutad", "tillsatt", TODAY)


@pytest.mark.django_db
def test_close_errors(client, konsult, this_year):
    a = AssignmentFactory(responsible=konsult, package=this_year.packages.get(code="stora"), ordered_on=TODAY)
    client.force_login(konsult)
    response = client.post(
        reverse("assignment-close", args=[a.pk]),
        {"outcome": "tillsatt", "closed_on": (TODAY - timedelta(days=5)).isoformat()},
    )
    page = response.content.decode()
    assert "Avslutsdatum kan inte vara före beställningsdatum" in page
    assert "Ange tillträdesdatum" in page
    a.refresh_from_db()
    assert a.status != "avslutad"


@pytest.mark.django_db
def test_list_filters_and_search(client, konsult, konsult2, this_year):
    stora = this_year.packages.get(code="stora")
    a = AssignmentFactory(responsible=konsult, package=stora, ordered_on=TODAY, role_title="Rektor")
    b = AssignmentFactory(responsible=konsult2, package=stora, ordered_on=TODAY, role_title="Kock")
    client.force_login(konsult)
    page = client.get(reverse("assignment-list"), {"q": "rekt"}).content.decode()
    assert a.number in page and b.number not in page
    page = client.get(reverse("assignment-list"), {"consultant": konsult2.pk}).content.decode()
    assert b.number in page and a.number not in page
    page = client.get(reverse("assignment-list"), {"status": "avslutad"}).content.decode()
    assert "Inga uppdrag matchar filtret" in page
    # A bad filter value shows an error, not a 500.
    assert client.get(reverse("assignment-list"), {"consultant": "abc"}).status_code == 200


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, konsult, this_year, django_assert_max_num_queries):
    stora = this_year.packages.get(code="stora")
    colleague = UserFactory()
    for _ in range(3):
        AssignmentFactory(responsible=konsult, package=stora, ordered_on=TODAY, colleagues=[colleague])
    client.force_login(konsult)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("assignment-list"))
    for _ in range(30):
        AssignmentFactory(package=stora, ordered_on=TODAY, colleagues=[colleague])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("assignment-list"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_detail_query_count_does_not_grow(client, konsult, this_year, django_assert_max_num_queries):
    a = AssignmentFactory(responsible=konsult, package=this_year.packages.get(code="stora"), ordered_on=TODAY)
    TimeEntryFactory(user=konsult, assignment=a, date=TODAY)
    client.force_login(konsult)
    with django_assert_max_num_queries(25) as few:
        client.get(a.get_absolute_url())
    for i in range(20):
        TimeEntryFactory(user=UserFactory(), assignment=a, date=TODAY - timedelta(days=i))
    other_package = PackageFactory(price_list=this_year, code="lilla", name="Lilla paketet", price=12000)
    for i in range(10):
        a.role_title = f"Titel {i}"
        a.package = other_package if i % 2 else this_year.packages.get(code="stora")
        a.manager = ManagerFactory()
        a.save()
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        page = client.get(a.get_absolute_url()).content.decode()
    assert "Per konsult" in page
    assert "Titel 8</del> → Titel 9" in page
    assert "Stora paketet (" in page and "Lilla paketet (" in page


@pytest.mark.django_db
def test_history_shows_who_changed_what(client, konsult, samordnare, this_year):
    client.force_login(konsult)
    client.post(reverse("assignment-create"), _create_data(this_year, konsult))
    a = Assignment.objects.get()
    client.force_login(samordnare)
    data = _create_data(
        this_year,
        konsult,
        organisation=a.organisation.pk,
        manager=a.manager.pk,
        role_title="Barnskötare",
        responsible=konsult.pk,
    )
    response = client.post(reverse("assignment-edit", args=[a.pk]), data)
    assert response.status_code == 302
    page = client.get(a.get_absolute_url()).content.decode()
    assert "Förskollärare</del> → Barnskötare" in page
    assert str(samordnare) in page


@pytest.mark.django_db
def test_time_entry_create_edit_delete(client, konsult, konsult2, this_year):
    a = AssignmentFactory(responsible=konsult, package=this_year.packages.get(code="stora"), ordered_on=TODAY)
    client.force_login(konsult)
    response = client.post(
        reverse("time-create"), {"date": TODAY.isoformat(), "hours": "2,5", "assignment": a.pk, "comment": ""}
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.hours == Decimal("2.5")
    week = client.get(reverse("time-week")).content.decode()
    assert "2,5\xa0h" in week
    # Neither both nor none of assignment and category.
    response = client.post(reverse("time-create"), {"date": TODAY.isoformat(), "hours": "1"})
    # One message, on the assignment field, without the constraint's name.
    assert response.context["form"].errors == {
        "assignment": ["Välj ett uppdrag, eller en kategori för tid utanför uppdrag."]
    }
    assert "time_on_assignment_xor_category" not in response.content.decode()
    response = client.post(
        reverse("time-edit", args=[entry.pk]),
        {"date": TODAY.isoformat(), "hours": "3", "category": TimeCategoryFactory().pk},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hours == 3 and entry.assignment is None
    client.force_login(konsult2)
    assert client.post(reverse("time-delete", args=[entry.pk])).status_code == 403
    client.force_login(konsult)
    assert client.get(reverse("time-delete", args=[entry.pk])).status_code == 405
    assert client.post(reverse("time-delete", args=[entry.pk])).status_code == 302
    assert TimeEntry.objects.count() == 0


@pytest.mark.django_db
def test_time_week_bad_date_falls_back(client, konsult):
    client.force_login(konsult)
    response = client.get(reverse("time-week"), {"vecka": "inte-ett-datum"})
    assert response.status_code == 200
    assert "Okänt datum" in response.content.decode()


@pytest.mark.django_db
def test_start_page_lists_my_open_assignments_and_week(client, konsult, this_year):
    mine = AssignmentFactory(
        responsible=konsult, package=this_year.packages.get(code="stora"), ordered_on=TODAY
    )
    closed = AssignmentFactory(
        responsible=konsult,
        package=mine.package,
        ordered_on=TODAY,
        status="avslutad",
        outcome="avbruten",
        closed_on=TODAY,
    )
    TimeEntryFactory(user=konsult, assignment=mine, date=TODAY, hours=Decimal("4"))
    client.force_login(konsult)
    page = client.get(reverse("start")).content.decode()
    ongoing = page[page.index("Mina pågående uppdrag") : page.index("my-week")]
    assert mine.number in ongoing and closed.number not in ongoing
    assert "4\xa0h" in page


ADMIN_PAGES = [
    ("user-list", []),
    ("user-create", []),
    ("sector-create", []),
    ("category-create", []),
    ("organisation-create", []),
    ("import-start", []),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["konsult", "samordnare", "chef"])
def test_admin_pages_forbidden_for_others(client, role, request, this_year):
    client.force_login(request.getfixturevalue(role))
    for name, args in ADMIN_PAGES + [("package-create", [this_year.year])]:
        assert client.get(reverse(name, args=args)).status_code == 403, name


@pytest.mark.django_db
def test_admin_pages_render(client, admin_user, this_year):
    client.force_login(admin_user)
    for name, args in ADMIN_PAGES + [
        ("package-create", [this_year.year]),
        ("pricelist-list", []),
        ("pricelist-detail", [this_year.year]),
        ("organisation-list", []),
        ("sector-list", []),
        ("category-list", []),
        ("budget-list", []),
        ("budget-detail", [this_year.year]),
        ("settings-home", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


@pytest.mark.django_db
def test_admin_copies_and_edits_price_list(client, admin_user, this_year):
    client.force_login(admin_user)
    next_year = this_year.year + 1
    response = client.post(reverse("pricelist-copy", args=[this_year.year]), {"to_year": next_year})
    assert response.status_code == 302
    package = Package.objects.get(price_list__year=next_year, code="stora")
    data = {
        "code": "stora",
        "name": "Stora paketet",
        "price": "28 500",
        "unit": "uppdrag",
        "standard_hours": "31,5",
        "is_whole_process": "on",
        "active": "on",
    }
    response = client.post(reverse("package-edit", args=[package.pk]), data)
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.price == Decimal("28500") and package.standard_hours == Decimal("31.5")
    assert Package.objects.get(price_list__year=this_year.year, code="stora").price == Decimal("27000")
    # A second hourly rate in the same year is refused with a message.
    response = client.post(reverse("package-edit", args=[package.pk]), {**data, "is_hourly_rate": "on"})
    assert "redan årets timarvode" in response.content.decode()


@pytest.mark.django_db
def test_budget_page(client, admin_user, chef, this_year):
    client.force_login(admin_user)
    stora = this_year.packages.get(code="stora")
    response = client.post(
        reverse("budget-detail", args=[this_year.year]),
        {"ftes": "23", "revenue": "24 000 000", "costs": "26 400 000", f"plan_{stora.pk}": "100"},
    )
    assert response.status_code == 302
    budget = Budget.objects.get(year=this_year.year)
    assert budget.revenue == Decimal("24000000")
    page = client.get(reverse("budget-detail", args=[this_year.year])).content.decode()
    assert "2\xa0700\xa0000\xa0kr" in page  # 100 × 27 000
    client.force_login(chef)
    assert client.get(reverse("budget-detail", args=[this_year.year])).status_code == 200
    assert client.post(reverse("budget-detail", args=[this_year.year]), {"ftes": "1"}).status_code == 403


@pytest.mark.django_db
def test_admin_creates_user_with_validated_password(client, admin_user):
    client.force_login(admin_user)
    data = {
        "username": "ny",
        "first_name": "Ny",
        "last_name": "Person",
        "email": "ny@example.org",
        "initials": "np",
        "role": "konsult",
        "is_active": "on",
        "password": "123",
    }
    response = client.post(reverse("user-create"), data)
    assert response.status_code == 200
    assert "Lösenordet" in response.content.decode() or "lösenord" in response.content.decode()
    data["password"] = "ett-langt-losenord-2026"
    assert client.post(reverse("user-create"), data).status_code == 302


@pytest.mark.django_db
def test_sector_in_use_cannot_be_deleted(client, admin_user, this_year):
    a = AssignmentFactory(package=this_year.packages.get(code="stora"), ordered_on=TODAY)
    client.force_login(admin_user)
    response = client.post(reverse("sector-edit", args=[a.sector.pk]), {"delete": "1"}, follow=True)
    assert "används och kan inte tas bort" in response.content.decode()


@pytest.mark.django_db
def test_manager_options_partial(client, konsult):
    org = OrganisationFactory()
    manager = ManagerFactory(organisation=org, name="Berit Beställare")
    ManagerFactory(name="Annan Person")
    client.force_login(konsult)
    html = client.get(reverse("manager-options"), {"organisation": org.pk}).content.decode()
    assert "Berit Beställare" in html and "Annan Person" not in html
    assert f'value="{manager.pk}"' in html
    assert client.get(reverse("manager-options"), {"organisation": "x"}).status_code == 200


def test_today_is_a_date():
    assert isinstance(TODAY, date)


@pytest.mark.django_db
def test_new_manager_rules(client, konsult, this_year):
    client.force_login(konsult)
    other_org = OrganisationFactory()
    existing = ManagerFactory(email="finns@example.org", organisation=other_org)
    org = OrganisationFactory()
    # An e-mail that belongs to another organisation's manager is an error, not a silent swap.
    data = _create_data(
        this_year,
        konsult,
        organisation=org.pk,
        manager="",
        new_manager_name="X",
        new_manager_email="FINNS@example.org",
    )
    page = client.post(reverse("assignment-create"), data).content.decode()
    assert "finns redan som beställare" in page and Assignment.objects.count() == 0
    # Both a chosen and a typed manager: choose one.
    data = _create_data(this_year, konsult, new_manager_name="Y", new_manager_email="y@example.org")
    page = client.post(reverse("assignment-create"), data).content.decode()
    assert "inte båda" in page
    # A chosen manager from another organisation.
    data = _create_data(this_year, konsult, organisation=org.pk, manager=existing.pk)
    page = client.post(reverse("assignment-create"), data).content.decode()
    assert "giltigt alternativ" in page and Assignment.objects.count() == 0
    # The same organisation's existing manager typed in again is reused.
    data = _create_data(
        this_year,
        konsult,
        organisation=other_org.pk,
        manager="",
        new_manager_name="Z",
        new_manager_email="finns@example.org",
    )
    assert client.post(reverse("assignment-create"), data).status_code == 302
    assert Assignment.objects.get().manager == existing
    assert (
        '<span class="req" aria-hidden="true">*</span>'
        in client.get(reverse("assignment-create")).content.decode().split('for="id_manager"')[1][:200]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("typed, said", [("10", "10\xa0h"), ("20", "20\xa0h"), ("2,5", "2,5\xa0h")])
def test_saved_hours_are_said_as_typed(client, konsult, typed, said):
    client.force_login(konsult)
    category = TimeCategoryFactory()
    data = {"date": TODAY.isoformat(), "category": category.pk, "hours": typed, "comment": ""}
    response = client.post(reverse("time-create"), data, follow=True)
    assert f"{said} rapporterade {TODAY.isoformat()}." in [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_budget_page_shows_budget_per_fte(client, admin_user, this_year):
    from tests.factories import BudgetFactory

    BudgetFactory(year=TODAY.year, ftes=Decimal("20"), revenue=Decimal("24000000"))
    client.force_login(admin_user)
    page = client.get(reverse("budget-detail", args=[TODAY.year])).content.decode()
    assert "Budget per årsarbetare" in page and "1\xa0200\xa0000\xa0kr" in page
    assert "intäkt per årsarbetare" not in page.lower()


@pytest.mark.django_db
def test_the_redo_list_holds_the_last_two_years_failures_and_the_one_chosen(client, konsult, this_year):
    """Omtag av: the unfilled and cancelled assignments closed in the last two years, newest first, not
    every year's (a list of thousands after ten years); an older one already chosen stays."""
    stora = this_year.packages.get(code="stora")

    def failed(number, days_ago, outcome=Assignment.Outcome.EJ_TILLSATT):
        return AssignmentFactory(
            number=number,
            package=stora,
            status=Assignment.Status.AVSLUTAD,
            outcome=outcome,
            ordered_on=TODAY - timedelta(days=days_ago + 60),
            closed_on=TODAY - timedelta(days=days_ago),
        )

    recent = failed("2099-0003", 30)
    cancelled = failed("2099-0002", 700, Assignment.Outcome.AVBRUTEN)
    old = failed("2099-0001", 800)
    failed("2099-0004", 10, Assignment.Outcome.TILLSATT)  # hired: never redone
    client.force_login(konsult)
    form = client.get(reverse("assignment-create")).context["form"]
    assert [a.pk for a in form.fields["redo_of"].queryset] == [recent.pk, cancelled.pk]
    mine = AssignmentFactory(responsible=konsult, package=stora, ordered_on=TODAY, redo_of=old)
    form = client.get(reverse("assignment-edit", args=[mine.pk])).context["form"]
    assert [a.pk for a in form.fields["redo_of"].queryset] == [recent.pk, cancelled.pk, old.pk]
