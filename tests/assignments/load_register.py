"""The small register of the load's hand computation (tests/assignments/test_load.py), shared with
the page's and the API's tests."""

from datetime import date
from decimal import Decimal

from assignments.models import Assignment, ConsultantCapacity, Package, User
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


def load_register():
    """The small register of the hand computation in test_load.py.

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
