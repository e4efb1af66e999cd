"""Retention of personal data: the nightly purge, the admin's overview, and logged exports."""

import logging
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from assignments import privacy
from assignments.models import Assignment, ImportJob, Manager
from assignments.tasks import purge_personal_data
from rekrytering.privacy import all_holdings, purge_all
from surveys.models import Invitation
from surveys.services import questionnaire_for
from tests.factories import AssignmentFactory, ManagerFactory, PackageFactory, PriceListFactory

NOW = datetime(2026, 11, 23, 2, 15, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def register(db, konsult, settings):
    settings.RETENTION_ASSIGNMENT_YEARS = 3
    settings.RETENTION_CANDIDATE_DAYS = 60
    settings.RETENTION_IMPORT_JOB_DAYS = 90
    package = PackageFactory(price_list=PriceListFactory(year=2022))
    old_manager = ManagerFactory(name="Olle Gammal", email="olle@example.org")
    busy_manager = ManagerFactory(name="Nina Ny", email="nina@example.org")

    def hire(manager, closed_on, **kwargs):
        return AssignmentFactory(
            responsible=konsult,
            package=package,
            manager=manager,
            organisation=manager.organisation,
            ordered_on=closed_on - timedelta(days=60) if closed_on else date(2026, 10, 1),
            closed_on=closed_on,
            status="avslutad" if closed_on else "pagaende",
            outcome="tillsatt" if closed_on else "",
            candidate_name="Kim Kandidat" if closed_on else "",
            candidate_email="kim@example.org" if closed_on else "",
            **kwargs,
        )

    return {
        "old": hire(old_manager, date(2023, 6, 1)),  # closed 3.5 years ago
        "busy_old": hire(busy_manager, date(2022, 5, 1)),
        "busy_open": hire(busy_manager, None),  # the same manager has an open assignment
        "recent": hire(old_manager, date(2026, 10, 1)),  # 53 days ago
        "closed_90": hire(ManagerFactory(), date(2026, 8, 1)),  # 114 days ago
    }


def fields(assignment):
    assignment.refresh_from_db()
    return assignment.candidate_name, assignment.candidate_email


def test_purge_follows_the_retention_rules(register, konsult):
    old_job = ImportJob.objects.create(original_name="access.xlsx", created_by=konsult, errors=[{"x": 1}])
    ImportJob.objects.filter(pk=old_job.pk).update(created_at=NOW - timedelta(days=91))
    new_job = ImportJob.objects.create(original_name="access2.xlsx", created_by=konsult)
    with freeze_time(NOW):
        done = purge_all(NOW)
    assert fields(register["old"]) == ("", "")
    assert fields(register["busy_old"]) == ("", "")
    assert fields(register["closed_90"]) == ("Kim Kandidat", "")  # the e-mail only served the survey
    assert fields(register["recent"]) == ("Kim Kandidat", "kim@example.org")
    # Olle has a recent assignment, Nina an open one: neither is anonymised yet.
    assert Manager.objects.filter(name__in=["Olle Gammal", "Nina Ny"]).count() == 2
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [new_job.pk]
    assert done["kandidater anonymiserade"] == 2
    assert done["kandidaters e-post raderade"] == 1
    assert done["importjobb raderade"] == 1
    # The history holds no older copy of what was removed.
    for assignment in (register["old"], register["busy_old"]):
        assert set(Assignment.history.filter(id=assignment.pk).values_list("candidate_name", flat=True)) == {
            ""
        }
    assert set(
        Assignment.history.filter(id=register["closed_90"].pk).values_list("candidate_email", flat=True)
    ) == {""}


def test_managers_are_anonymised_when_all_their_assignments_are_old(register):
    register["recent"].delete()
    with freeze_time(NOW):
        purge_all(NOW)
    olle = register["old"].manager
    olle.refresh_from_db()
    assert olle.name == privacy.ANONYMOUS_MANAGER and olle.email.endswith("@anonymiserad.invalid")
    assert Manager.objects.filter(name="Nina Ny").exists()
    # Running again changes nothing more.
    with freeze_time(NOW):
        again = purge_all(NOW)
    assert again["beställare anonymiserade"] == 0 and again["kandidater anonymiserade"] == 0


def test_survey_contact_data_past_its_need(register):
    candidate = questionnaire_for("kandidatenkat", 2026)
    customer = questionnaire_for("kundenkat", 2023)

    def invitation(questionnaire, status, send_at, on):
        return Invitation.objects.create(
            questionnaire=questionnaire,
            assignment=register[on],
            recipient_name="Någon",
            email="nagon@example.org",
            status=status,
            send_at=send_at,
        )

    failed_long_ago = invitation(candidate, "failed", NOW - timedelta(days=61), "old")
    failed_lately = invitation(candidate, "failed", NOW - timedelta(days=10), "busy_old")
    scheduled = invitation(candidate, "scheduled", NOW - timedelta(days=61), "busy_open")
    old_customer = invitation(customer, "answered", NOW - timedelta(days=3 * 366), "recent")
    new_customer = invitation(customer, "answered", NOW - timedelta(days=300), "closed_90")
    with freeze_time(NOW):
        purge_all(NOW)
    contact = lambda i: Invitation.objects.values_list("recipient_name", "email").get(pk=i.pk)  # noqa: E731
    assert contact(failed_long_ago) == ("", "")
    assert contact(failed_lately) == ("Någon", "nagon@example.org")
    assert contact(scheduled) == ("Någon", "nagon@example.org")  # still to be sent
    assert contact(old_customer) == ("", "")
    assert contact(new_customer) == ("Någon", "nagon@example.org")


def test_overview_counts_and_ages(register, client, admin_user, konsult):
    with freeze_time(NOW):
        kinds = {h.kind: h for h in all_holdings()}
    candidates = kinds["Tillsatta kandidater på uppdrag (namn, e-post)"]
    assert candidates.count == 4
    assert candidates.oldest == date(2022, 5, 1)
    managers = kinds["Beställare (namn, e-post)"]
    assert managers.count == 3
    client.force_login(admin_user)
    page = client.get(reverse("personal-data"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tillsatta kandidater på uppdrag" in html and "Kandidaters namn och e-post på enkätutskick" in html
    assert "Kim Kandidat" not in html  # counts, never the data itself
    client.force_login(konsult)
    assert client.get(reverse("personal-data")).status_code == 403


def test_admin_can_run_the_purge_now(register, client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("personal-data"))
    assert response.status_code == 302
    assert fields(register["old"]) == ("", "")


def test_nightly_task_is_scheduled_and_runs(register, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-personal-data"]
    assert schedule["task"] == purge_personal_data.name
    result = purge_personal_data.delay()
    assert result.get()["kandidater anonymiserade"] == 2


def test_exports_of_personal_data_are_logged(register, client, konsult, caplog):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    client.force_login(konsult)
    response = client.get(reverse("assignment-list-xlsx"))
    assert response.status_code == 200
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("export")]
    assert line == "export user=konsult what=uppdrag.xlsx rows=5 ip=127.0.0.1"


def test_staff_data_goes_with_its_history_once_the_user_is_deactivated(db, konsult, konsult2, admin_user):
    """The competence map (with wishes), the capacity and the saved filters of someone who has left."""
    from decimal import Decimal

    from django.apps import apps

    from assignments import services
    from assignments.models import ConsultantCapacity, ConsultantCompetence, SavedFilter
    from tests.factories import OrganisationFactory

    district = OrganisationFactory(kind="sdf")
    for person in (konsult, konsult2):
        services.save_competence(
            person,
            package_codes=[],
            manager_certified=True,
            test_certified=False,
            known_sectors=[],
            known_organisations=[],
            areas=[district],
            wishes="Fler chefsrekryteringar",
            by=admin_user,
        )
        services.save_capacity(
            person, weekly_hours=Decimal("30"), assignment_share=Decimal("60"), by=admin_user
        )
        services.save_filter(user=person, name="Mina", query="q=Berit")
    kinds = {h.kind: h for h in all_holdings()}
    assert kinds["Kompetenskarta (personalens certifieringar, områden och önskemål)"].count == 2
    assert kinds["Sparade filter i uppdragslistan (personalens egna sökningar)"].count == 2
    konsult2.is_active = False
    konsult2.last_login = NOW - timedelta(days=privacy.STAFF_GRACE_DAYS - 1)  # may come back: kept
    konsult2.save()
    assert purge_all(NOW)["kompetenskartor för inaktiverade användare raderade"] == 0
    konsult2.last_login = NOW - timedelta(days=privacy.STAFF_GRACE_DAYS + 1)
    konsult2.save()
    done = purge_all(NOW)
    assert done["kompetenskartor för inaktiverade användare raderade"] == 1
    assert done["kapaciteter för inaktiverade användare raderade"] == 1
    assert done["sparade filter för inaktiverade användare raderade"] == 1
    for model in (ConsultantCompetence, ConsultantCapacity):
        assert list(model.objects.values_list("user_id", flat=True)) == [konsult.pk]
        assert set(model.history.values_list("user_id", flat=True)) == {konsult.pk}
    assert list(SavedFilter.objects.values_list("user_id", flat=True)) == [konsult.pk]
    areas = apps.get_model("assignments", "HistoricalConsultantCompetence_areas")
    assert set(areas.objects.values_list("history__user_id", flat=True)) == {konsult.pk}
    # Nothing is left to do the next night.
    assert purge_all(NOW)["kompetenskartor för inaktiverade användare raderade"] == 0
