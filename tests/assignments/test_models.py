from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assignments.models import Assignment, Package, TimeEntry
from tests.factories import (
    AssignmentFactory,
    HourlyRateFactory,
    PackageFactory,
    PriceListFactory,
    TimeCategoryFactory,
)


@pytest.mark.django_db
def test_default_invoice_is_price_plus_extra_hours_at_hourly_rate():
    a = AssignmentFactory(price=Decimal("27000"), extra_hours=Decimal("3.5"))
    assert a.default_invoice_amount(Decimal("950")) == Decimal("30325.00")
    assert a.default_invoice_amount(None) == Decimal("27000.00")


@pytest.mark.django_db
def test_list_price_multiplies_quantity_for_hourly_packages():
    hourly = HourlyRateFactory(price_list=PriceListFactory(year=2026))
    a = AssignmentFactory(package=hourly, quantity=Decimal("40"), price=Decimal("38000"))
    assert a.list_price == Decimal("38000.00")
    assert not a.is_price_overridden
    a.price = Decimal("30000")
    assert a.is_price_overridden


@pytest.mark.django_db
def test_package_must_come_from_order_year():
    old = PackageFactory(price_list=PriceListFactory(year=2025))
    a = AssignmentFactory.build(package=old, ordered_on=date(2026, 2, 1))
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert "2026" in str(error.value.message_dict["package"])


@pytest.mark.django_db
def test_closed_needs_outcome_and_date():
    a = AssignmentFactory.build(status=Assignment.Status.AVSLUTAD)
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert set(error.value.message_dict) >= {"outcome", "closed_on"}


@pytest.mark.django_db
def test_outcome_only_on_closed_assignments_enforced_by_database():
    a = AssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=a.pk).update(outcome="tillsatt")


@pytest.mark.django_db
def test_only_one_hourly_rate_per_year():
    price_list = PriceListFactory(year=2026)
    HourlyRateFactory(price_list=price_list)
    with pytest.raises(IntegrityError), transaction.atomic():
        Package.objects.create(price_list=price_list, code="x", name="X", price=1, is_hourly_rate=True)


@pytest.mark.django_db
def test_time_entry_on_assignment_or_category_not_both(konsult):
    a = AssignmentFactory(responsible=konsult)
    entry = TimeEntry(
        user=konsult, date=date(2026, 3, 3), hours=Decimal("1"), assignment=a, category=TimeCategoryFactory()
    )
    with pytest.raises(ValidationError):
        entry.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()
