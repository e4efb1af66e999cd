"""A small hand-computed dataset for the reporting figures (2026, T1 = January–April).

Assignments                         ordered     closed      invoiced            price
A0 stora  other     (2025 order)    2025-12-01  2026-01-10  2026-01-31  20 000
A1 stora  konsult   sdf, Förskola   2026-01-15  2026-03-10  2026-03-20  27 000  screening, no letter
A2 chef   konsult2  fack, Äldre     2026-02-01  2026-04-20  (booked)    35 000  personal letter
A3 lilla  other     bolag, –        2026-04-30  (open)                  12 000  no letter
A4 stora  konsult   sdf             2026-05-05  2026-05-30  2026-06-01  30 000  (T2)
Time: konsult 10 + 20 h on A1 (Feb), 10 h internal (Mar); konsult2 30 h on A2 (Apr).
Budget 2026: 2 FTEs, revenue 1 200 000, costs 1 100 000; costs 10 000 a month Jan–Apr.
"""

from datetime import date
from decimal import Decimal

import pytest

from assignments.models import Organisation, Package
from reporting.models import MonthlyCost
from tests.factories import (
    AssignmentFactory,
    BudgetFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="Enhet Syd")


@pytest.fixture
def other(db, other_unit):
    return UserFactory(username="olle", first_name="Olle", last_name="Annan", role="konsult", unit=other_unit)


@pytest.fixture
def dataset(db, settings, price_list_2026, konsult, konsult2, other):
    settings.REPORTING_DECEMBER_SHARE = 0.25
    stora = Package.objects.get(price_list=price_list_2026, code="stora")
    chef = Package.objects.get(price_list=price_list_2026, code="chef")
    lilla = Package.objects.get(price_list=price_list_2026, code="lilla")
    stora_2025 = PackageFactory(price_list=PriceListFactory(year=2025), code="stora", name="Stora paketet")
    sdf = OrganisationFactory(name="Farsta stadsdelsförvaltning", kind=Organisation.Kind.SDF)
    fack = OrganisationFactory(name="Äldreförvaltningen", kind=Organisation.Kind.FACK)
    bolag = OrganisationFactory(name="AB Stadshem", kind=Organisation.Kind.BOLAG)
    forskola, aldre = SectorFactory(name="Förskola"), SectorFactory(name="Äldreomsorg")
    a0 = AssignmentFactory(
        number="2025-0001",
        package=stora_2025,
        responsible=other,
        ordered_on=date(2025, 12, 1),
        status="avslutad",
        outcome="tillsatt",
        closed_on=date(2026, 1, 10),
        invoiced_on=date(2026, 1, 31),
        invoiced_amount=Decimal("20000"),
        price=Decimal("20000"),
    )
    a1 = AssignmentFactory(
        package=stora,
        responsible=konsult,
        organisation=sdf,
        sector=forskola,
        ordered_on=date(2026, 1, 15),
        status="avslutad",
        outcome="tillsatt",
        closed_on=date(2026, 3, 10),
        invoiced_on=date(2026, 3, 20),
        invoiced_amount=Decimal("27000"),
        price=Decimal("27000"),
        screening=True,
        personal_letter=False,
    )
    a2 = AssignmentFactory(
        package=chef,
        responsible=konsult2,
        organisation=fack,
        sector=aldre,
        ordered_on=date(2026, 2, 1),
        status="avslutad",
        outcome="tillsatt",
        closed_on=date(2026, 4, 20),
        price=Decimal("35000"),
        personal_letter=True,
    )
    a3 = AssignmentFactory(
        package=lilla,
        responsible=other,
        organisation=bolag,
        sector=None,
        ordered_on=date(2026, 4, 30),
        price=Decimal("12000"),
        personal_letter=False,
    )
    a4 = AssignmentFactory(
        package=stora,
        responsible=konsult,
        organisation=sdf,
        ordered_on=date(2026, 5, 5),
        status="avslutad",
        outcome="tillsatt",
        closed_on=date(2026, 5, 30),
        invoiced_on=date(2026, 6, 1),
        invoiced_amount=Decimal("30000"),
        price=Decimal("30000"),
    )
    TimeEntryFactory(user=konsult, assignment=a1, date=date(2026, 2, 3), hours=Decimal("10"))
    TimeEntryFactory(user=konsult, assignment=a1, date=date(2026, 2, 4), hours=Decimal("20"))
    TimeEntryFactory(
        user=konsult,
        assignment=None,
        category=TimeCategoryFactory(),
        date=date(2026, 3, 2),
        hours=Decimal("10"),
    )
    TimeEntryFactory(user=konsult2, assignment=a2, date=date(2026, 4, 7), hours=Decimal("24"))
    TimeEntryFactory(user=konsult2, assignment=a2, date=date(2026, 4, 8), hours=Decimal("6"))
    BudgetFactory(year=2026, ftes=Decimal("2"), revenue=Decimal("1200000"), costs=Decimal("1100000"))
    for month in range(1, 5):
        MonthlyCost.objects.create(year=2026, month=month, amount=Decimal("10000"))
    return {"a0": a0, "a1": a1, "a2": a2, "a3": a3, "a4": a4}
