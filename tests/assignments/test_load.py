"""Load (beläggning): the selector against a hand computation, capacity, absence, query counts."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from assignments import services
from assignments.models import Assignment, ConsultantCapacity, Package, TimeCategory, User
from assignments.selectors import consultant_load, planned_standard_hours
from tests.factories import (
    AssignmentFactory,
    PackageFactory,
    PriceListFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UserFactory,
)

D = Decimal
TODAY = date(2026, 3, 4)  # a Wednesday in ISO week 10 (Monday 2 March)


def monday(week):
    return date.fromisocalendar(2026, week, 1)


@pytest.fixture
def fixture(db):
    """The small register the hand computation below is made on.

    a: 40 h × 70 % = 28 h a week. b: 30 h × 50 % = 15 h, with 8 h of semester in week 10:
    (30 − 8) × 50 % = 11 h. c: a chef (no load role) who is responsible for an open assignment.

    Planned end = ordered + 8 weeks; remaining = standard − logged (never below 0):
      X  stora 32 h, ordered 16 Feb (w8), a, 8 h logged → 24 h over w10..w16 (7 weeks) = 3.428571/w
      Y  chef 36 h, ordered 2 Mar (w10), b + colleague a → 36 h over w10..w18 (9) = 4/w, 2 each
      W  stora 32 h, ordered 2 Jan, end 27 Feb (w9, overdue), b, 30 h logged → 2 h in w10
      V  stora 32 h, ordered 23 Feb, a, 40 h logged → nothing remains
      U  hourly, 18 h sold, förfrågan, ordered 2 Mar, a → 18 h over w10..w18 = 2/w
      T  lilla 14 h, ordered 2 Mar, starts 16 Mar (w12), b → 14 h over w12..w18 (7) = 2/w
      S  stora 32 h, ordered 2 Mar, c → 32 h over 9 weeks = 3.555…/w
      Z  closed (chef 36 h, a) → nothing
    """
    price_list = PriceListFactory(year=2026)
    stora = PackageFactory(price_list=price_list, code="stora", standard_hours=D("32"))
    chef = PackageFactory(price_list=price_list, code="chef", name="Chefspaket", standard_hours=D("36"))
    lilla = PackageFactory(price_list=price_list, code="lilla", name="Lilla paketet", standard_hours=D("14"))
    hourly = PackageFactory(
        price_list=price_list,
        code="ovrig",
        name="Övrig tjänst",
        unit=Package.PriceUnit.TIMME,
        standard_hours=None,
        price=D("950"),
    )
    a = UserFactory(username="a", first_name="Anna", last_name="Al", role=User.Role.KONSULT)
    b = UserFactory(username="b", first_name="Bert", last_name="Bok", role=User.Role.SAMORDNARE)
    c = UserFactory(username="c", first_name="Cilla", last_name="Chef", role=User.Role.CHEF)
    UserFactory(username="gone", role=User.Role.KONSULT, is_active=False)
    UserFactory(username="boss", role=User.Role.CHEF)  # nothing planned: not a row
    ConsultantCapacity.objects.create(user=b, weekly_hours=D("30"), assignment_share=D("50"))
    semester = TimeCategoryFactory(name="Semester", is_absence=True)
    intern = TimeCategoryFactory(name="Intern tid")
    TimeEntryFactory(user=b, date=date(2026, 3, 3), hours=D("8"), category=semester, assignment=None)
    TimeEntryFactory(user=a, date=date(2026, 3, 3), hours=D("4"), category=intern, assignment=None)
    # Absence outside the weeks shown changes nothing.
    TimeEntryFactory(user=a, date=date(2026, 2, 27), hours=D("8"), category=semester, assignment=None)

    def open_(package, ordered, responsible, **kwargs):
        return AssignmentFactory(package=package, ordered_on=ordered, responsible=responsible, **kwargs)

    x = open_(stora, date(2026, 2, 16), a, started_on=date(2026, 2, 17))
    TimeEntryFactory(user=a, assignment=x, date=date(2026, 2, 20), hours=D("5"))
    TimeEntryFactory(user=a, assignment=x, date=date(2026, 2, 24), hours=D("3"))
    y = open_(chef, date(2026, 3, 2), b)
    y.colleagues.add(a)
    w = open_(stora, date(2026, 1, 2), b)
    TimeEntryFactory(user=b, assignment=w, date=date(2026, 1, 20), hours=D("24"))
    TimeEntryFactory(user=a, assignment=w, date=date(2026, 1, 21), hours=D("6"))  # anyone's hours count
    v = open_(stora, date(2026, 2, 23), a)
    TimeEntryFactory(user=a, assignment=v, date=date(2026, 2, 25), hours=D("20"))
    TimeEntryFactory(user=a, assignment=v, date=date(2026, 2, 26), hours=D("20"))
    open_(hourly, date(2026, 3, 2), a, quantity=D("18"), status=Assignment.Status.FORFRAGAN)
    open_(lilla, date(2026, 3, 2), b, started_on=date(2026, 3, 16))
    open_(stora, date(2026, 3, 2), c)
    open_(
        chef,
        date(2026, 2, 2),
        a,
        status=Assignment.Status.AVSLUTAD,
        outcome=Assignment.Outcome.TILLSATT,
        closed_on=date(2026, 3, 1),
    )
    return {"a": a, "b": b, "c": c}


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
    migration = importlib.import_module("assignments.migrations.0007_load_capacity")
    for name in ("Semester", "Sjukfrånvaro", "Föräldraledig", "VAB", "Intern tid", "Utbildning"):
        TimeCategory.objects.get_or_create(name=name)
    TimeCategory.objects.update(is_absence=False)
    migration.mark_absence(django_apps, None)
    marked = set(TimeCategory.objects.filter(is_absence=True).values_list("name", flat=True))
    assert marked == {"Semester", "Sjukfrånvaro", "Föräldraledig", "VAB"}
