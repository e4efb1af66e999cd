"""Sending an invitation is idempotent from the customer's view: one link, fixed and committed before
the mail server is contacted, working from then on, and the same in every retry and re-send."""

import re
import smtplib
import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from rekrytering.celery import app
from surveys import services, tasks
from surveys.models import Invitation
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory

LINK = re.compile(r"/enkat/([A-Za-z0-9_-]+)/")


class FlakyBackend(LocmemBackend):
    """The local outbox, but the first `failures` conversations fail; `deliver_first` says whether
    the message had already been accepted when it failed (the connection dropped after DATA)."""

    failures = 0
    deliver_first = False

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            if FlakyBackend.deliver_first:
                super().send_messages(messages)
            raise smtplib.SMTPServerDisconnected("Förbindelsen bröts")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _modules_imported_before_time_is_frozen():
    """Running a task first imports every task module (openpyxl with them); a module imported under
    freeze_time keeps freezegun's date class and breaks later tests (openpyxl's date formats)."""
    app.loader.import_default_modules()


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.deliver_first = 0, False
    yield FlakyBackend
    FlakyBackend.failures, FlakyBackend.deliver_first = 0, False


@pytest.fixture
def invitation(db):
    return Invitation.objects.create(
        questionnaire=services.questionnaire_for("kundenkat", 2026),
        recipient_name="Beställare",
        email="bestallare@example.org",
        send_at=timezone.now() - timedelta(minutes=1),
    )


def sweep() -> int:
    """What beat's sweep does (`tasks.send_due_invitations`), each task run eagerly: a failed try's
    `Retry` (its next run is left to the backoff) stays inside the task, as on a worker."""
    ids = services.due_invitation_ids()
    for pk in ids:
        tasks.send_invitation.apply(args=[pk], throw=False)
    return len(ids)


def links():
    return [LINK.search(message.body).group(1) for message in mail.outbox]


def opens(token) -> bool:
    return Client().get(reverse("survey-answer", args=[token])).status_code == 200


def test_a_retry_after_an_smtp_error_mails_the_same_link(invitation, flaky):
    flaky.failures = 1
    with freeze_time(timezone.now()) as clock:
        tasks.send_invitation.apply(args=[invitation.pk], throw=False)
        invitation.refresh_from_db()
        armed = invitation.token_hash
        assert (invitation.status, invitation.attempts, bool(armed)) == ("scheduled", 1, True)
        assert "SMTPServerDisconnected" in invitation.last_error
        assert services.due_invitation_ids() == []  # the backoff holds the sweep back too
        clock.tick((invitation.send_at - timezone.now()).total_seconds())
        assert services.due_invitation_ids() == [invitation.pk]
        assert sweep() == 1
    invitation.refresh_from_db()
    assert invitation.status == "sent" and invitation.token_hash == armed
    assert [Invitation.hash_token(token) for token in links()] == [armed]


def test_a_message_accepted_before_the_failure_has_a_working_link_and_the_retry_the_same(invitation, flaky):
    flaky.failures, flaky.deliver_first = 1, True
    # The conversation breaks after the server took the message: a failure, to be retried.
    tasks.send_invitation.apply(args=[invitation.pk], throw=False)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("scheduled", 1)
    [first] = links()
    assert opens(first)  # the customer's link works before anything is sent again
    with freeze_time(timezone.now() + timedelta(hours=1)):
        assert sweep() == 1
    assert links() == [first, first]
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    assert opens(first)


def test_a_crash_between_committing_the_link_and_smtp_keeps_the_link(invitation, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.prepare_invitation(invitation.pk) is True
    # The worker dies here: nothing was mailed, the link is committed and already opens the survey.
    invitation.refresh_from_db()
    token = services.token_for(invitation)
    assert invitation.status == "scheduled" and invitation.token_hash == Invitation.hash_token(token)
    assert services.find_open_invitation(token) == invitation
    assert services.due_invitation_ids() == [invitation.pk]
    assert sweep() == 1
    assert links() == [token]
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    # A reminder carries the same link.
    with freeze_time(invitation.sent_at + timedelta(days=settings.SURVEY_REMINDER_DAYS[0], hours=1)):
        assert services.send_reminder(invitation.pk) is True
    assert links() == [token, token]


def test_the_sweep_never_makes_a_second_link(invitation, flaky, settings):
    settings.SURVEY_SEND_MAX_TRIES = 10
    flaky.failures, flaky.deliver_first = 3, True
    hashes = set()
    with freeze_time(timezone.now()) as clock:
        services.prepare_invitation(invitation.pk)
        for _ in range(8):
            sweep()
            invitation.refresh_from_db()
            hashes.add(invitation.token_hash)
            clock.tick(3600)
    assert invitation.status == "sent" and invitation.attempts == 3
    assert len(hashes) == 1 and "" not in hashes
    assert len(links()) == 4 and set(links()) == {services.token_for(invitation)}


def test_a_final_failure_ends_failed(invitation, flaky, settings):
    settings.SURVEY_SEND_MAX_TRIES = 2
    flaky.failures = 5
    with freeze_time(timezone.now()) as clock:
        for _ in range(4):
            sweep()
            clock.tick(3600)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts, invitation.sent_at) == ("failed", 2, None)
    assert mail.outbox == []


def test_resending_to_a_corrected_address_makes_a_new_link(
    db, konsult, samordnare, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    assignment = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 2))
    invitation = Invitation.objects.create(
        questionnaire=services.questionnaire_for("kundenkat", 2026),
        assignment=assignment,
        email="fel@example.org",
        send_at=timezone.now() - timedelta(minutes=1),
    )
    assert services.send_invitation(invitation.pk)
    [old] = links()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(invitation, by=samordnare, email="ratt@example.org", reason="Fel adress")
    [_, new] = links()
    assert new != old and mail.outbox[-1].to == ["ratt@example.org"]
    assert not opens(old) and opens(new)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_invitation_at_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("Radlås mellan trådar prövas på PostgreSQL (SQLite-testdatabasen ligger i minnet)")
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    invitation = Invitation.objects.create(
        questionnaire=services.questionnaire_for("kundenkat", 2026),
        email="bestallare@example.org",
        send_at=timezone.now() - timedelta(minutes=1),
    )
    SlowBackend.talking.clear()
    SlowBackend.release.clear()
    results = {}

    def send(name):
        try:
            results[name] = services.send_invitation(invitation.pk)
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=["first"])
    first.start()
    assert SlowBackend.talking.wait(10)  # the first worker is in its SMTP conversation
    send("second")  # a second worker (a redelivered message, a sweep) meanwhile
    assert results == {"second": False}
    SlowBackend.release.set()
    first.join(10)
    assert results == {"first": True, "second": False}
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).status == "sent"


class SlowBackend(LocmemBackend):
    """Holds the conversation open until the test releases it."""

    talking = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        SlowBackend.talking.set()
        assert SlowBackend.release.wait(10)
        return super().send_messages(messages)
