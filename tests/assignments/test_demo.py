from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.db.models import F, Max, Sum
from django.http import HttpRequest

from assignments.competence import consultants_allowed
from assignments.demo import DAY_HOURS, DEMO_ABSENCE, DEMO_CAPACITIES, DEMO_COMPETENCE, load_demo
from assignments.models import (
    Assignment,
    Budget,
    ConsultantCapacity,
    ConsultantCompetence,
    Organisation,
    Package,
    TimeCategory,
    TimeEntry,
    User,
)
from assignments.selectors import consultant_load
from rekrytering.demo import load_all


@pytest.mark.django_db
def test_load_demo_creates_users_price_lists_and_activity_and_is_idempotent():
    today = date(2026, 6, 15)
    load_demo(stdout=lambda line: None, today=today)
    for username in ("konsult", "samordnare", "chef", "admin"):
        assert authenticate(HttpRequest(), username=username, password="demo") is not None
    assert User.objects.get(username="admin").role == "admin"
    assert Organisation.objects.count() == 36
    stora_2021 = Package.objects.get(price_list__year=2021, code="stora")
    assert stora_2021.price == 24000
    assert Package.objects.get(price_list__year=2021, is_hourly_rate=True).price == 850
    assert set(Package.objects.values_list("price_list__year", flat=True)) == {2021, 2025, 2026}
    assert Budget.objects.filter(year__in=[2025, 2026]).count() == 2
    counts = (Assignment.objects.count(), TimeEntry.objects.count(), User.objects.count())
    assert Assignment.objects.filter(ordered_on__year=2025).count() > 800
    assert Assignment.objects.filter(ordered_on__year=2026, ordered_on__lte=today).count() > 300
    assert Assignment.objects.filter(responsible__username="konsult").exclude(status="avslutad").exists()
    load_demo(stdout=lambda line: None, today=today)
    assert (Assignment.objects.count(), TimeEntry.objects.count(), User.objects.count()) == counts
    assert ConsultantCapacity.objects.count() == len(DEMO_CAPACITIES)


@pytest.mark.django_db
@pytest.mark.parametrize("today", [date(2026, 12, 8), date(2026, 12, 7)])  # a Tuesday, a Monday
def test_demo_hours_are_on_working_days_from_the_start_and_a_day_holds_what_a_day_can(today):
    """No pile of an assignment's hours on the Friday before a weekend start (22 h on one day made
    the week grid refuse any change to that day), none before the start, none at the weekend."""
    load_demo(stdout=lambda line: None, today=today)
    work = TimeEntry.objects.filter(category__is_absence=False) | TimeEntry.objects.filter(category=None)
    per_day = work.values("user", "date").annotate(total=Sum("hours")).aggregate(most=Max("total"))
    assert per_day["most"] <= Decimal(str(DAY_HOURS))
    on_assignments = TimeEntry.objects.filter(assignment__isnull=False)
    assert not on_assignments.filter(date__lt=F("assignment__started_on")).exists()
    assert not on_assignments.filter(date__week_day__in=[1, 7]).exists()  # Sunday, Saturday


@pytest.mark.django_db
def test_demo_load_varies_between_consultants():
    today = date(2026, 6, 17)  # a Wednesday
    load_demo(stdout=lambda line: None, today=today)
    absence = TimeCategory.objects.filter(is_absence=True)
    assert set(absence.values_list("name", flat=True)) == {"Semester", "Sjukfrånvaro", "Föräldraledighet"}
    # Absence is the demo's own: a few days now and next week, never spread over the years.
    entries = TimeEntry.objects.filter(category__is_absence=True)
    assert set(entries.values_list("user__username", flat=True)) == set(DEMO_ABSENCE)
    assert min(entries.values_list("date", flat=True)) >= date(2026, 6, 15)
    load = consultant_load(today)
    capacities = {row.user.username: row.cells[1].capacity for row in load.rows}
    assert capacities["nora.palm"] == 16  # 20 h × 80 %
    assert capacities["samordnare"] == 20  # 40 h × 50 %
    assert capacities["konsult"] == 28
    this_week = {row.user.username: row.cells[0] for row in load.rows}
    assert this_week["bo.dahl"].capacity == 0  # a week of semester
    utilisation = [cell.utilisation for cell in this_week.values() if cell.utilisation is not None]
    assert min(utilisation) < 50 and max(utilisation) > 80


def test_demo_refused_in_production(settings):
    # Refused by the loader every app's demo goes through, before any database access.
    settings.PRODUCTION = True
    with pytest.raises(RuntimeError, match="produktion"):
        load_all(stdout=lambda line: None)


@pytest.mark.django_db
def test_demo_competence_map_certifies_only_some_and_is_left_alone_on_a_rerun():
    today = date(2026, 6, 15)
    load_demo(stdout=lambda line: None, today=today)
    lines = ConsultantCompetence.objects.select_related("user")
    assert {c.user.username for c in lines} == set(DEMO_COMPETENCE)
    certified = {c.user.username for c in lines if c.manager_certified}
    assert certified == {name for name, line in DEMO_COMPETENCE.items() if line[0]}
    assert 0 < len(certified) < len(DEMO_COMPETENCE) / 2
    assert sum(1 for c in lines if c.wishes) >= 3
    districts = Organisation.objects.filter(kind=Organisation.Kind.SDF, pk__in=lines.values("areas"))
    assert districts.count() >= 10
    chef = Package.objects.get(price_list__year=2026, code="chef")
    assert {u.username for u in consultants_allowed(chef, Assignment.Level.CHEF)} == certified
    stora = Package.objects.get(price_list__year=2026, code="stora")
    assert len(consultants_allowed(stora, Assignment.Level.MEDARBETARE)) == len(DEMO_COMPETENCE)
    # A rerun leaves the map, and an admin's later edit, as they are.
    konsult = ConsultantCompetence.objects.get(user__username="konsult")
    konsult.wishes = "Ändrat av admin"
    konsult.save()
    records = ConsultantCompetence.history.count()
    load_demo(stdout=lambda line: None, today=today)
    assert ConsultantCompetence.objects.get(user__username="konsult").wishes == "Ändrat av admin"
    assert ConsultantCompetence.history.count() == records
