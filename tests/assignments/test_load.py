"""Load (beläggning): the selector against a hand computation, capacity, absence, query counts."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from assignments import services
from assignments.models import ConsultantCapacity, Package, TimeCategory, User
from assignments.selectors import consultant_load, planned_standard_hours
from tests.assignments.load_register import TODAY, load_register
from tests.factories import (
    AssignmentFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UserFactory,
)

D = Decimal


def monday(week):
    return date.fromisocalendar(2026, week, 1)


@pytest.fixture
def fixture(db):
    return load_register()


def cells(load, username):
    row = next(r for r in load.rows if r.user.username == username)
    return [(c.capacity, c.planned, c.free) for c in row.cells]


@pytest.mark.django_db
def test_load_equals_the_hand_computation(fixture):
    with freeze_time("2026-03-04 10:00"):
        load = consultant_load(TODAY, weeks=8)
    assert load.mondays == [monday(w) for w in range(10, 18)]
    assert [r.user.username for r in load.rows] == ["a", "b", "c"]  # active konsult/samordnare + c
    # a: X 3.428571 (w10..w16) + Y 2 + U 2; w17 only Y and U.
    assert cells(load, "a") == [(D("28.00"), D("7.43"), D("20.57"))] * 7 + [
        (D("28.00"), D("4.00"), D("24.00"))
    ]
    # b: Y 2 every week, W 2 in w10 (overdue), T 2 from w12; capacity 11 in w10 (semester), else 15.
    assert (
        cells(load, "b")
        == [
            (D("11.00"), D("4.00"), D("7.00")),
            (D("15.00"), D("2.00"), D("13.00")),
        ]
        + [(D("15.00"), D("4.00"), D("11.00"))] * 6
    )
    # c: the default capacity, S 32 / 9 = 3.555… a week.
    assert cells(load, "c") == [(D("28.00"), D("3.56"), D("24.44"))] * 8
    first, last = load.totals[0], load.totals[-1]
    assert (first.capacity, first.planned, first.free) == (D("67.00"), D("14.99"), D("52.01"))
    assert (last.capacity, last.planned, last.free) == (D("71.00"), D("11.56"), D("59.44"))
    assert first.iso_week == (2026, 10)
    assert round(first.utilisation, 1) == D("22.4")


@pytest.mark.django_db
def test_a_konsult_view_keeps_only_their_row_and_the_totals(fixture):
    load = consultant_load(TODAY, weeks=3)
    own = load.only(fixture["a"])
    assert [r.user.username for r in own.rows] == ["a"]
    assert own.totals == load.totals


@pytest.mark.django_db
def test_capacity_never_goes_below_zero_and_no_capacity_has_no_utilisation(fixture):
    sick = TimeCategoryFactory(name="Sjukfrånvaro", is_absence=True)
    for day in range(2, 7):  # 5 × 8 h of the 30 h week
        TimeEntryFactory(
            user=fixture["b"], date=date(2026, 3, day), hours=D("8"), category=sick, assignment=None
        )
    load = consultant_load(TODAY, weeks=1)
    capacity, planned, free = cells(load, "b")[0]
    assert (capacity, planned, free) == (D("0.00"), D("4.00"), D("-4.00"))
    row = next(r for r in load.rows if r.user.username == "b")
    assert row.cells[0].utilisation is None


def test_planned_standard_hours_per_price_unit():
    assert planned_standard_hours(Package.PriceUnit.UPPDRAG, D("1"), D("32")) == D("32")
    assert planned_standard_hours(Package.PriceUnit.KANDIDAT, D("3"), D("1.5")) == D("4.5")
    assert planned_standard_hours(Package.PriceUnit.TIMME, D("18"), None) == D("18")
    assert planned_standard_hours(Package.PriceUnit.UPPDRAG, D("1"), None) == D("0")


@pytest.mark.django_db
def test_weeks_outside_the_range_are_refused():
    with pytest.raises(ValueError):
        consultant_load(TODAY, weeks=0)
    with pytest.raises(ValueError):
        consultant_load(TODAY, weeks=27)


def _queries(today, weeks=8):
    with CaptureQueriesContext(connection) as captured:
        consultant_load(today, weeks=weeks)
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_assignments(fixture):
    few = _queries(TODAY)
    package = Package.objects.get(code="stora")
    for _i in range(15):
        other = UserFactory(role=User.Role.KONSULT)
        assignment = AssignmentFactory(package=package, ordered_on=date(2026, 3, 2), responsible=other)
        assignment.colleagues.add(fixture["a"])
        TimeEntryFactory(user=other, assignment=assignment, date=date(2026, 3, 3), hours=D("1"))
    assert _queries(TODAY) == few
    assert few <= 4
    assert _queries(TODAY, weeks=26) == few


@pytest.mark.django_db
def test_save_capacity_keeps_history_and_leaves_defaults_untouched(fixture, admin_user):
    a = fixture["a"]
    assert services.save_capacity(a, weekly_hours=D("40"), assignment_share=D("70"), by=admin_user) is None
    assert not ConsultantCapacity.objects.filter(user=a).exists()
    services.save_capacity(a, weekly_hours=D("30"), assignment_share=D("70"), by=admin_user)
    services.save_capacity(a, weekly_hours=D("30"), assignment_share=D("60"), by=admin_user)
    capacity = ConsultantCapacity.objects.get(user=a)
    assert (capacity.weekly_hours, capacity.assignment_share) == (D("30"), D("60"))
    assert [h.assignment_share for h in capacity.history.all()] == [D("60"), D("70")]
    assert capacity.history.first().history_user == admin_user
    load = consultant_load(TODAY, weeks=1)
    assert cells(load, "a")[0][0] == D("18.00")  # 30 × 60 %


@pytest.mark.django_db
def test_data_migration_marks_absence_categories():
    migration = importlib.import_module("assignments.migrations.0009_load_capacity")
    for name in ("Semester", "Sjukfrånvaro", "Föräldraledig", "VAB", "Intern tid", "Utbildning"):
        TimeCategory.objects.get_or_create(name=name)
    TimeCategory.objects.update(is_absence=False)
    migration.mark_absence(django_apps, None)
    marked = set(TimeCategory.objects.filter(is_absence=True).values_list("name", flat=True))
    assert marked == {"Semester", "Sjukfrånvaro", "Föräldraledig", "VAB"}


def _user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "initials": user.initials,
        "role": user.role,
        "unit": "",
        "is_active": "on",
        "password": "",
        "weekly_hours": "40",
        "assignment_share": "70",
    }
    return data | changes


@pytest.mark.django_db
def test_the_admin_sets_a_consultants_capacity_on_the_user_form(client, fixture, admin_user):
    a = fixture["a"]
    client.force_login(admin_user)
    url = reverse("user-edit", args=[a.pk])
    page = client.get(url).content.decode()
    assert "Arbetstid per vecka (h)" in page and "Andel för uppdrag (%)" in page
    response = client.post(url, _user_form(a, weekly_hours="32", assignment_share="75,5"))
    assert response.status_code == 302
    capacity = ConsultantCapacity.objects.get(user=a)
    assert (capacity.weekly_hours, capacity.assignment_share) == (D("32"), D("75.5"))
    assert capacity.history.get().history_user == admin_user
    # The form shows what is saved; out of range is refused in Swedish.
    form = client.get(url).context["form"]
    assert (form["weekly_hours"].value(), form["assignment_share"].value()) == (D("32"), D("75.5"))
    response = client.post(url, _user_form(a, assignment_share="120"))
    assert response.status_code == 200
    assert "120" in response.content.decode()
    assert response.context["form"].errors["assignment_share"]
    assert ConsultantCapacity.objects.get(user=a).assignment_share == D("75.5")


@pytest.mark.django_db
def test_an_untouched_user_form_leaves_no_capacity_row(client, fixture, admin_user):
    a = fixture["a"]
    client.force_login(admin_user)
    assert client.post(reverse("user-edit", args=[a.pk]), _user_form(a)).status_code == 302
    assert not ConsultantCapacity.objects.filter(user=a).exists()


@pytest.mark.django_db
def test_the_admin_marks_a_time_category_as_absence(client, admin_user):
    client.force_login(admin_user)
    data = {"name": "Tjänstledighet", "active": "on", "is_absence": "on"}
    response = client.post(reverse("category-create"), data)
    assert response.status_code == 302
    assert TimeCategory.objects.get(name="Tjänstledighet").is_absence


@pytest.mark.django_db
def test_empty_capacity_fields_mean_the_defaults(client, fixture, admin_user):
    b = fixture["b"]  # 30 h × 50 %
    client.force_login(admin_user)
    url = reverse("user-edit", args=[b.pk])
    assert client.post(url, _user_form(b, weekly_hours="", assignment_share="")).status_code == 302
    capacity = ConsultantCapacity.objects.get(user=b)
    assert (capacity.weekly_hours, capacity.assignment_share) == (D("40"), D("70"))
