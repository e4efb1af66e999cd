from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assignments import figures, selectors, services
from assignments.models import Assignment, Budget, PriceList
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    SectorFactory,
    TimeCategoryFactory,
)


def _fields(price_list, **extra):
    manager = ManagerFactory()
    fields = {
        "organisation": manager.organisation,
        "manager": manager,
        "role_title": "Socialsekreterare",
        "level": Assignment.Level.MEDARBETARE,
        "sector": SectorFactory(),
        "ordered_on": date(2026, 4, 2),
        "package": price_list.packages.get(code="stora"),
    }
    fields.update(extra)
    return fields


@pytest.mark.django_db
def test_create_numbers_per_year_and_defaults_price(konsult, price_list_2026):
    first = services.create_assignment(by=konsult, **_fields(price_list_2026))
    second = services.create_assignment(by=konsult, **_fields(price_list_2026))
    assert first.number == "2026-0001"
    assert second.number == "2026-0002"
    assert first.price == Decimal("27000.00")
    assert first.responsible == konsult


@pytest.mark.django_db
def test_number_skips_numbers_taken_by_import(konsult, price_list_2026):
    AssignmentFactory(number="2026-0001", package=price_list_2026.packages.get(code="stora"))
    created = services.create_assignment(by=konsult, **_fields(price_list_2026))
    assert created.number == "2026-0002"


@pytest.mark.django_db
def test_price_override_needs_reason(konsult, price_list_2026):
    with pytest.raises(ValidationError) as error:
        services.create_assignment(by=konsult, price=Decimal("20000"), **_fields(price_list_2026))
    assert "price_reason" in error.value.message_dict
    assert Assignment.objects.count() == 0
    ok = services.create_assignment(
        by=konsult, price=Decimal("20000"), price_reason="Rabatt vid omtag", **_fields(price_list_2026)
    )
    assert ok.price == Decimal("20000")


@pytest.mark.django_db
def test_konsult_cannot_register_for_someone_else(konsult, konsult2, price_list_2026):
    with pytest.raises(PermissionDenied):
        services.create_assignment(by=konsult, responsible=konsult2, **_fields(price_list_2026))
    created = services.create_assignment(
        by=konsult, responsible=konsult2, colleagues=[konsult], **_fields(price_list_2026)
    )
    assert list(created.colleagues.all()) == [konsult]


@pytest.mark.django_db
def test_update_permissions(konsult, konsult2, samordnare, price_list_2026):
    a = services.create_assignment(by=konsult, **_fields(price_list_2026))
    with pytest.raises(PermissionDenied):
        services.update_assignment(a, by=konsult2, role_title="Annat")
    services.update_assignment(a, by=samordnare, role_title="Ändrad titel")
    a.refresh_from_db()
    assert a.role_title == "Ändrad titel"
    last = a.history.first()
    assert last.history_user == samordnare
    assert last.role_title == "Ändrad titel"


@pytest.mark.django_db
def test_close_hired_keeps_candidate_and_invoices_default(konsult, price_list_2026):
    a = services.create_assignment(by=konsult, extra_hours=Decimal("2"), **_fields(price_list_2026))
    services.close_assignment(
        a,
        by=konsult,
        outcome="tillsatt",
        closed_on=date(2026, 5, 20),
        candidate_name="Test Testsson",
        candidate_email="Test@Example.org",
        candidate_start=date(2026, 8, 1),
        invoiced_on=date(2026, 5, 25),
    )
    a.refresh_from_db()
    assert a.status == "avslutad" and a.outcome == "tillsatt"
    assert a.hires == 1
    assert a.candidate_email == "test@example.org"
    assert a.invoiced_amount == Decimal("27000") + 2 * Decimal("950")
    assert a.started_on == date(2026, 4, 2)


@pytest.mark.django_db
def test_close_not_hired_drops_candidate_data(konsult, price_list_2026):
    a = services.create_assignment(by=konsult, **_fields(price_list_2026))
    services.close_assignment(
        a,
        by=konsult,
        outcome="ej_tillsatt",
        closed_on=date(2026, 5, 20),
        candidate_name="Någon",
        candidate_email="n@example.org",
    )
    a.refresh_from_db()
    assert (a.candidate_name, a.candidate_email, a.hires) == ("", "", 0)


@pytest.mark.django_db
def test_close_hired_requires_start_date_and_saves_nothing(konsult, price_list_2026):
    a = services.create_assignment(by=konsult, **_fields(price_list_2026))
    with pytest.raises(ValidationError) as error:
        services.close_assignment(a, by=konsult, outcome="tillsatt", closed_on=date(2026, 5, 20))
    assert "candidate_start" in error.value.message_dict
    a.refresh_from_db()
    assert a.status != "avslutad"


@pytest.mark.django_db
def test_close_twice_refused(konsult, price_list_2026):
    a = services.create_assignment(by=konsult, **_fields(price_list_2026))
    services.close_assignment(a, by=konsult, outcome="avbruten", closed_on=date(2026, 5, 20))
    with pytest.raises(ValidationError):
        services.close_assignment(a, by=konsult, outcome="avbruten", closed_on=date(2026, 5, 21))


@pytest.mark.django_db
def test_log_time_only_on_own_assignments(konsult, konsult2, price_list_2026):
    a = services.create_assignment(by=konsult, **_fields(price_list_2026))
    entry = services.log_time(user=konsult, date=date(2026, 4, 3), hours=Decimal("2.5"), assignment=a)
    assert entry.hours == Decimal("2.5")
    with pytest.raises(PermissionDenied):
        services.log_time(user=konsult2, date=date(2026, 4, 3), hours=Decimal("1"), assignment=a)
    other = services.log_time(
        user=konsult2, date=date(2026, 4, 3), hours=Decimal("1"), category=TimeCategoryFactory()
    )
    with pytest.raises(PermissionDenied):
        services.delete_time_entry(other, by=konsult)
    with pytest.raises(ValidationError):
        services.log_time(user=konsult, date=date(2026, 4, 3), hours=Decimal("25"), assignment=a)


@pytest.mark.django_db
def test_copy_price_list(admin_user, price_list_2026):
    copy = services.copy_price_list(from_year=2026, to_year=2027, by=admin_user)
    assert sorted(copy.packages.values_list("code", flat=True)) == sorted(
        price_list_2026.packages.values_list("code", flat=True)
    )
    assert copy.packages.get(is_hourly_rate=True).price == Decimal("950")
    assert PriceList.objects.get(year=2026).packages.count() == 4
    with pytest.raises(ValidationError):
        services.copy_price_list(from_year=2026, to_year=2027, by=admin_user)


@pytest.mark.django_db
def test_budget_volume_plan_total(admin_user, konsult, price_list_2026):
    stora = price_list_2026.packages.get(code="stora")
    chef = price_list_2026.packages.get(code="chef")
    budget = services.save_budget(
        year=2026,
        ftes=Decimal("23"),
        revenue=Decimal("24000000"),
        costs=Decimal("24000000"),
        by=admin_user,
        planned_counts={stora.pk: Decimal("400"), chef.pk: Decimal("100")},
    )
    assert selectors.budget_volume_total(budget) == Decimal("400") * 27000 + Decimal("100") * 35000
    with pytest.raises(PermissionDenied):
        services.save_budget(year=2026, ftes=1, revenue=1, costs=1, by=konsult, planned_counts={})
    # Setting a count to zero removes its line.
    services.save_budget(
        year=2026,
        ftes=Decimal("23"),
        revenue=Decimal("24000000"),
        costs=Decimal("1"),
        by=admin_user,
        planned_counts={stora.pk: Decimal("0"), chef.pk: Decimal("100")},
    )
    assert Budget.objects.get(year=2026).lines.count() == 1


@pytest.mark.django_db
def test_new_managers_in_period(konsult, price_list_2026):
    org = OrganisationFactory()
    old = ManagerFactory(organisation=org)
    new = ManagerFactory(organisation=org)
    stora = price_list_2026.packages.get(code="stora")
    AssignmentFactory(manager=old, organisation=org, package=stora, ordered_on=date(2026, 1, 10))
    AssignmentFactory(manager=old, organisation=org, package=stora, ordered_on=date(2026, 6, 10))
    AssignmentFactory(manager=new, organisation=org, package=stora, ordered_on=date(2026, 6, 12))
    assert list(figures.new_managers(date(2026, 5, 1), date(2026, 8, 31))) == [new]
    assert set(figures.new_managers(date(2026, 1, 1), date(2026, 12, 31))) == {old, new}
