"""Responsibility, deadlines and reminders of the tertial follow-up: who answers for what (also from
the plan's initials), each tertial's deadline, and the e-mails beat sends each responsible before
and after it, once per occasion, with freezegun for the days."""

import importlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Retry
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from freezegun import freeze_time

from planning import services, tasks
from planning.models import Activity, Goal, Indicator, Plan, PlanEvent, PlanReminder, TertialDeadline
from tests.factories import UserFactory
from tests.planning.factories import ActivityFactory, GoalFactory, PlanFactory
from tests.planning.test_plan import plan  # noqa: F401  (fixture)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM)


@pytest.fixture
def responsible(plan, konsult):  # noqa: F811
    """The konsult answers for the unit goal of the 2026 plan (T1's deadline: 10 May)."""
    goal = Goal.objects.get(title="Rekrytering har nöjda kunder")
    goal.responsible = konsult
    goal.save()
    return goal


@pytest.fixture
def reminder_days(settings):
    settings.PLAN_REMINDER_DAYS_BEFORE = [5]
    settings.PLAN_REMINDER_DAYS_AFTER = [3]
    settings.PLAN_REMINDER_HOUR = 7
    settings.SITE_URL = "https://rekrytering.example.org"


def sweep(day: date, hour: int = 8) -> list[int]:
    """What beat does at that time: the due reminders made and every unsent one enqueued (eager)."""
    with freeze_time(at(day, hour)):
        return tasks.send_due_plan_reminders.delay().get()


# --- Deadlines ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deadlines_follow_the_plans_rule_unless_a_tertial_has_its_own(plan, chef, konsult):  # noqa: F811
    due = services.deadlines(plan)
    assert [due[t].due_on for t in (1, 2, 3)] == [date(2026, 5, 10), date(2026, 9, 10), date(2027, 1, 10)]
    services.set_deadlines(plan, report_days_after=14, own={1: None, 2: None, 3: date(2027, 1, 25)}, by=chef)
    due = services.deadlines(Plan.objects.get(pk=plan.pk))
    assert [due[t].due_on for t in (1, 2, 3)] == [date(2026, 5, 14), date(2026, 9, 14), date(2027, 1, 25)]
    assert due[3].own and due[3].default_on == date(2027, 1, 14)
    event = PlanEvent.objects.get(action="deadlines")
    assert (
        event.detail
        == "T1: 2026-05-10 → 2026-05-14; T2: 2026-09-10 → 2026-09-14; T3: 2027-01-10 → 2027-01-25"
    )
    with pytest.raises(ValidationError) as refused:
        services.set_deadlines(
            plan, report_days_after=200, own={1: date(2026, 4, 1), 2: date(2028, 1, 1)}, by=chef
        )
    assert refused.value.message_dict == {
        "report_days_after": ["Antalet dagar efter tertialets slut ska vara 0–120."],
        "t1": ["T1: sista dagen kan inte vara före tertialets slut (2026-04-30)."],
        "t2": ["T2: sista dagen kan vara högst ett år efter tertialets slut (2026-08-31)."],
    }
    with pytest.raises(PermissionDenied):
        services.set_deadlines(plan, report_days_after=5, own={}, by=konsult)
    services.set_deadlines(plan, report_days_after=14, own={3: None}, by=chef)
    assert not TertialDeadline.objects.exists()


@pytest.mark.django_db
def test_the_plan_page_sets_the_deadlines(client, plan, chef):  # noqa: F811
    client.force_login(chef)
    url = reverse("plan-deadlines", args=[plan.pk])
    response = client.post(url, {"report_days_after": "7", "t1": "2026-05-20", "t2": "", "t3": ""})
    assert response.url == reverse("plan-detail", args=[plan.pk]) + "#tidsfrister"
    page = client.get(response.url).content.decode()
    assert "Tidsfristerna är sparade." in page and "2026-05-20" in page and "2026-09-07" in page
    response = client.post(url, {"report_days_after": "sju", "t1": "20 maj"})
    page = response.content.decode()
    assert response.status_code == 200 and "Tidsfristerna sparades inte" in page
    assert "Ange ett heltal" in page and "T1: ange ett datum som 2026-05-11." in page
    assert 'value="20 maj"' in page  # what was typed stays
    response = client.post(url, {"report_days_after": "7", "t2": "2026-08-01"})
    assert "T2: sista dagen kan inte vara före tertialets slut (2026-08-31)." in response.content.decode()
    assert Plan.objects.get(pk=plan.pk).report_days_after == 7


def test_reminder_occasions_before_and_after_the_deadline(settings):
    settings.PLAN_REMINDER_DAYS_BEFORE = [7, 2]
    settings.PLAN_REMINDER_DAYS_AFTER = [3]
    due = date(2026, 5, 10)
    assert services.reminder_occasions(due) == [
        ("fore-7", date(2026, 5, 3)),
        ("fore-2", date(2026, 5, 8)),
        ("efter-3", date(2026, 5, 13)),
    ]
    assert services.due_occasion(due, date(2026, 5, 2)) is None
    assert services.due_occasion(due, date(2026, 5, 3)) == ("fore-7", date(2026, 5, 3))
    assert services.due_occasion(due, date(2026, 5, 9)) == ("fore-2", date(2026, 5, 8))
    assert services.due_occasion(due, date(2026, 5, 19)) == ("efter-3", date(2026, 5, 13))
    assert services.due_occasion(due, date(2026, 5, 20)) is None  # a week on: an old tertial is left


# --- Reminders -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_responsible_is_reminded_once_before_and_once_after_the_deadline(
    responsible, konsult, reminder_days
):
    assert sweep(date(2026, 5, 4)) == 0 and mail.outbox == []
    assert sweep(date(2026, 5, 5), hour=6) == 0  # not before PLAN_REMINDER_HOUR
    assert sweep(date(2026, 5, 5)) == 1
    (message,) = mail.outbox
    assert message.to == [konsult.email]
    assert message.subject == "Påminnelse: uppföljning T1 av Verksamhetsplan 2026 – 3 saker saknas"
    assert "ska vara klar senast 2026-05-10, om 5 dagar." in message.body
    assert (
        "Rekrytering har nöjda kunder\n  - Bedömning och analys av målet\n  - Utfall: Sjukfrånvaro\n"
        "  - Status: Ta fram en kommunikationsplan\n"
    ) in message.body
    assert (
        f"https://rekrytering.example.org/plan/{responsible.plan_id}/t1/#mal-{responsible.pk}" in message.body
    )
    reminder = PlanReminder.objects.get()
    assert (reminder.occasion, reminder.status, reminder.items, reminder.due_on) == (
        "fore-5",
        "sent",
        3,
        date(2026, 5, 10),
    )
    # A second tick the same day, the next days, and a redelivered task: nothing more.
    assert sweep(date(2026, 5, 5), hour=9) == 0
    assert sweep(date(2026, 5, 8)) == 0
    assert services.send_plan_reminder(reminder.pk) is False
    assert len(mail.outbox) == 1
    # After the deadline, what is still missing.
    services.assess_goal(responsible, tertial=1, assessment="delvis", analysis="", by=konsult)
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    services.record_outcome(sick, tertial=1, by=konsult, value=Decimal("3"))
    assert sweep(date(2026, 5, 13)) == 1
    late = mail.outbox[-1]
    assert late.subject == "Försenad: uppföljning T1 av Verksamhetsplan 2026 – 1 sak saknas"
    assert "skulle ha varit klar 2026-05-10, för 3 dagar sedan." in late.body
    assert "Bedömning" not in late.body and "Status: Ta fram en kommunikationsplan" in late.body
    assert sweep(date(2026, 5, 14)) == 0 and len(mail.outbox) == 2


@pytest.mark.django_db
def test_each_person_gets_what_is_theirs_and_nobody_what_is_done(
    plan,  # noqa: F811
    responsible,
    konsult,
    konsult2,
    chef,
    reminder_days,  # noqa: F811
):
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    sick.responsible = konsult2
    sick.save()  # a tertial indicator entered by hand, with a responsible of its own
    board = Goal.objects.get(title="Nämndens ekonomi är i balans")
    board.responsible = chef
    board.save()
    Activity.objects.filter(goal=board).update(responsible_user=konsult)
    assert sweep(date(2026, 5, 5)) == 3
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Utfall: Sjukfrånvaro" in bodies[konsult2.email] and "Bedömning" not in bodies[konsult2.email]
    assert "Status: Följ upp ekonomin varje månad" in bodies[konsult.email]
    assert "Utfall: Sjukfrånvaro" not in bodies[konsult.email]
    # Budget i balans is yearly: asked for at T3, not in T1.
    assert "Utfall: Utan mål" in bodies[chef.email] and "Budget i balans" not in bodies[chef.email]


@pytest.mark.django_db
def test_no_reminder_for_what_was_reported_meanwhile_a_ready_goal_or_a_locked_tertial(
    plan,  # noqa: F811
    responsible,
    konsult,
    chef,
    reminder_days,  # noqa: F811
):
    with freeze_time(at(date(2026, 5, 5))):
        assert services.schedule_plan_reminders() == 1  # made, not sent yet
    reminder = PlanReminder.objects.get()
    activity = responsible.activities.get()
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    services.save_goal_follow_up(
        responsible,
        tertial=1,
        by=konsult,
        version=None,
        outcomes={sick: (Decimal("3"), None)},
        activities={activity: ("pagar", "")},
        assessment=("uppfyllt", ""),
    )
    with freeze_time(at(date(2026, 5, 5))):
        assert services.send_plan_reminder(reminder.pk) is False
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == ("skipped", "Inget saknas längre.")
    assert mail.outbox == []
    # T2: the goal marked ready asks nothing; locked, nobody is asked anything.
    services.assess_goal(responsible, tertial=2, assessment="delvis", analysis="", by=konsult)
    services.mark_ready(responsible, tertial=2, by=konsult)
    assert sweep(date(2026, 9, 5)) == 0 and mail.outbox == []  # nobody else is responsible for anything
    services.lock_tertial(plan, tertial=3, by=chef)
    assert sweep(date(2027, 1, 5)) == 0
    assert not PlanReminder.objects.filter(tertial=3).exists()


@pytest.mark.django_db
def test_a_failing_send_is_counted_and_retried_then_given_up(responsible, reminder_days, settings):
    settings.EMAIL_BACKEND = "tests.planning.test_reminders.RefusingBackend"
    with freeze_time(at(date(2026, 5, 5))):
        services.schedule_plan_reminders()
        reminder = PlanReminder.objects.get()
        assert (
            15
            <= services.record_reminder_failure(reminder.pk, OSError("x"), backoff=tasks.retry_countdown)
            <= 30
        )
        for _try in range(services.REMINDER_MAX_TRIES):  # the worker's retries, one by one
            try:
                assert tasks.send_plan_reminder.delay(reminder.pk).get() is False
            except Retry:
                pass
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("failed", services.REMINDER_MAX_TRIES)
    assert reminder.last_error == "ConnectionRefusedError: mail server down"
    assert services.due_plan_reminder_ids(at(date(2026, 5, 5))) == []


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


# --- Responsibility ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_initials_in_the_plan_name_the_responsible(plan, chef):  # noqa: F811
    klara = UserFactory(username="klara", initials="KK")
    alva = UserFactory(username="alva", initials="AB")
    UserFactory(username="gone", initials="XY", is_active=False)
    goal = plan.goals.get(level="enhet")
    both = ActivityFactory(goal=goal, responsible="(kk, AB)")
    second = ActivityFactory(goal=goal, responsible="XY och AB")
    nobody = ActivityFactory(goal=goal, responsible="Enhetschef")
    assert services.initials_in("(KTL, AN) och BD/ CE") == ["KTL", "AN", "BD", "CE"]
    assert services.link_responsibles(plan) == 2
    assert Activity.objects.get(pk=both.pk).responsible_user == klara
    assert Activity.objects.get(pk=second.pk).responsible_user == alva  # XY is no longer active
    assert Activity.objects.get(pk=nobody.pk).responsible_user is None
    draft = PlanFactory(year=2027)
    saved = services.save_plan_item(
        Activity(goal=GoalFactory(plan=draft), text="Ny", responsible="AB"), by=chef
    )
    assert saved.responsible_user == alva


@pytest.mark.django_db
def test_the_migration_links_initials_already_imported(plan):  # noqa: F811
    klara = UserFactory(username="klara", initials="KK")
    activity = ActivityFactory(goal=plan.goals.first(), responsible="KK, AB")
    migration = importlib.import_module("planning.migrations.0006_link_activity_responsibles")
    migration.link(apps, None)
    assert Activity.objects.get(pk=activity.pk).responsible_user == klara


@pytest.mark.django_db
def test_heads_set_responsibles_on_an_adopted_plan(client, plan, chef, konsult, konsult2):  # noqa: F811
    plan.status = Plan.Status.FASTSTALLD
    plan.save()
    goal = plan.goals.get(level="enhet")
    sick = goal.indicators.get(name="Sjukfrånvaro")
    activity = goal.activities.get()
    url = reverse("goal-responsibles", args=[plan.pk, goal.pk])
    client.force_login(konsult)
    assert client.get(url).status_code == 403
    client.force_login(chef)
    page = client.get(url).content.decode()
    assert "Ansvarig för målet" in page and "Enligt planen: Enhetschef" in page
    data = {"goal": konsult.pk, f"ind-{sick.pk}": konsult2.pk, f"act-{activity.pk}": ""}
    response = client.post(url, data)
    assert response.url == reverse("plan-detail", args=[plan.pk]) + f"#mal-{goal.pk}"
    goal.refresh_from_db()
    assert goal.responsible == konsult and Indicator.objects.get(pk=sick.pk).responsible == konsult2
    response = client.post(url, {"goal": "999999"})
    assert "Ansvarig för målet: välj en person i listan." in response.content.decode()
    page = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert f"Ansvarig: {konsult}" in page and f'{konsult} <span class="muted">(målets)</span>' in page


@pytest.mark.django_db
def test_copying_a_plan_keeps_its_responsibles_and_rule(plan, chef, konsult):  # noqa: F811
    goal = plan.goals.get(level="enhet")
    goal.responsible = konsult
    goal.save()
    services.set_deadlines(plan, report_days_after=12, own={3: date(2027, 1, 30)}, by=chef)
    copy = services.copy_plan(plan, to_year=2027, by=chef)
    assert copy.report_days_after == 12 and not copy.deadlines.exists()
    assert copy.goals.get(level="enhet").responsible == konsult
    assert services.record_outcome(
        goal.indicators.get(name="Sjukfrånvaro"), tertial=1, by=konsult, value=Decimal("2")
    ).value == Decimal("2")
