import re
import smtplib
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from assignments import services as assignment_services
from assignments.models import Assignment
from surveys import services, tasks
from surveys.models import Answer, FollowUp, Invitation, Response
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory

LINK = re.compile(r"https?://[^\s]+/enkat/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _april_2026():
    """The assignments close on 2026-04-20, and the clock stands there unless a test moves it: the
    match survey falls due six months after the start (December 2026), not on the day tests run."""
    with freeze_time("2026-04-20 10:00:00", tick=True):
        yield


@pytest.fixture
def closed_hire(db, konsult, chef):
    price_list = PriceListFactory(year=2026)
    package = PackageFactory(price_list=price_list, sends_match_survey=True)
    assignment = AssignmentFactory(
        responsible=konsult,
        package=package,
        ordered_on=date(2026, 3, 2),
        psychometric_tests=True,
        references_checked=2,
    )
    return assignment


def close(assignment, by, **kwargs):
    fields = {
        "outcome": "tillsatt",
        "closed_on": date(2026, 4, 20),
        "candidate_name": "Kim Kandidat",
        "candidate_email": "kim@example.org",
        "candidate_start": date(2026, 6, 1),
    }
    fields.update(kwargs)
    return assignment_services.close_assignment(assignment, by=by, **fields)


def token_of(message):
    return LINK.search(message.body).group(1)


@pytest.mark.django_db(transaction=True)
def test_closing_sends_customer_and_candidate_and_schedules_match(closed_hire, konsult):
    with freeze_time("2026-04-20 10:00:00"):
        close(closed_hire, konsult)
    kinds = dict(Invitation.objects.values_list("questionnaire__kind", "status"))
    assert kinds == {"kundenkat": "sent", "kandidatenkat": "sent", "matchningsenkat": "scheduled"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([closed_hire.manager.email, "kim@example.org"])
    assert all(m.subject and "enkat" not in m.subject for m in mail.outbox)
    match = Invitation.objects.get(questionnaire__kind="matchningsenkat")
    assert timezone.localtime(match.send_at).date() == date(2026, 12, 1)
    # The token is not stored, only its hash.
    for message in mail.outbox:
        token = token_of(message)
        assert not Invitation.objects.filter(token_hash=token).exists()
        assert Invitation.objects.filter(token_hash=Invitation.hash_token(token)).exists()
        assert len(token) >= 22  # at least 128 bits in base64


@pytest.mark.django_db
def test_rollback_schedules_and_sends_nothing(closed_hire, konsult, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                close(closed_hire, konsult)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_send_task_twice_sends_once(closed_hire, konsult, django_capture_on_commit_callbacks):
    close(closed_hire, konsult)  # on_commit not run: nothing sent yet
    customer = Invitation.objects.get(questionnaire__kind="kundenkat")
    assert customer.status == "scheduled"
    assert tasks.send_invitation.apply(args=[customer.pk]).get() is True
    assert tasks.send_invitation.apply(args=[customer.pk]).get() is False
    assert len(mail.outbox) == 1
    assert tasks.send_due_invitations.apply().get() == 1  # the candidate one
    assert tasks.send_due_invitations.apply().get() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_smtp_failure_retries_then_fails_visibly(closed_hire, konsult, settings, monkeypatch):
    settings.SURVEY_SEND_MAX_TRIES = 3
    close(closed_hire, konsult)
    customer = Invitation.objects.get(questionnaire__kind="kundenkat")

    def broken(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("nere")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    monkeypatch.setattr(
        tasks.send_invitation, "retry", lambda **kw: (_ for _ in ()).throw(RuntimeError("retry"))
    )
    hashes, waits = set(), []
    for attempt in range(1, 3):
        with pytest.raises(RuntimeError, match="retry"):
            tasks.send_invitation.apply(args=[customer.pk], throw=True).get()
        customer.refresh_from_db()
        assert customer.status == "scheduled" and customer.attempts == attempt
        hashes.add(customer.token_hash)
        # The next try is due after the backoff, for the sweep too.
        waits.append((customer.send_at - timezone.now()).total_seconds())
        assert customer.pk not in services.due_invitation_ids()
        Invitation.objects.filter(pk=customer.pk).update(send_at=timezone.now())  # the wait is over
    assert tasks.send_invitation.apply(args=[customer.pk]).get() is False
    assert 0 < waits[0] < waits[1]
    customer.refresh_from_db()
    assert customer.status == "failed"
    assert "SMTPServerDisconnected" in customer.last_error
    assert hashes == {customer.token_hash} and customer.token_hash  # every try the same link
    assert customer.sent_at is None  # shown as failed, not as sent
    assert services.find_open_invitation(services.token_for(customer)) is None


@pytest.mark.django_db
def test_get_never_uses_link_and_post_answers_once(client, closed_hire, konsult):
    with freeze_time("2026-04-20 10:00:00"):
        close(closed_hire, konsult)
        # on_commit callbacks do not run in a test transaction: send directly.
        for pk in services.due_invitation_ids():
            services.send_invitation(pk)
    token = token_of(next(m for m in mail.outbox if m.to == [closed_hire.manager.email]))
    url = reverse("survey-answer", args=[token])
    with freeze_time("2026-04-21 08:00:00"):
        for _ in range(3):
            page = client.get(url)
            assert page.status_code == 200
            assert client.head(url).status_code == 200
        assert page["Referrer-Policy"] == "no-referrer"
        assert "no-store" in page["Cache-Control"]
        assert Invitation.objects.get(questionnaire__kind="kundenkat").status == "sent"
        html = page.content.decode()
        assert '<html lang="sv">' in html
        assert "0 = inte alls troligt, 10 = mycket troligt" in html
        data = {
            key: "9"
            for key in [
                "planering",
                "annons",
                "urval",
                "intervjuer",
                "referenser",
                "aterkoppling_tester",
                "kompetensbaserat",
                "samarbete",
                "helhet",
            ]
        }
        data.update({"nps": "10", "kommentar": "Mycket bra stöd!", "vill_bli_kontaktad": "nej"})
        response = client.post(url, data)
        assert response.status_code == 302
        # The browser that answered is told its second post was not saved; anyone else holding
        # the link learns nothing from it.
        again = client.post(url, data)
        assert again.status_code == 409
        assert "Svaren sparades inte – enkäten är redan besvarad" in again.content.decode()
        stranger = Client().post(url, data)
        assert stranger.status_code == 404
        assert "Länken går inte att använda" in stranger.content.decode()
    stored = Response.objects.get(kind="kundenkat")
    assert stored.answered_on == date(2026, 4, 21)
    assert stored.assignment == closed_hire
    assert Answer.objects.filter(response=stored).count() == 12
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_errors_are_named_and_nothing_saved(client, closed_hire, konsult):
    close(closed_hire, konsult)
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    token = token_of(next(m for m in mail.outbox if m.to == [closed_hire.manager.email]))
    response = client.post(reverse("survey-answer", args=[token]), {"helhet": "11", "nps": "x"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert "Välj ett värde från 1 till 10." in html and "Välj ett värde från 0 till 10." in html
    assert "aria-invalid" in html or 'aria-describedby="err-helhet"' in html
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_candidate_response_is_anonymous_and_contact_data_purged(client, closed_hire, konsult):
    close(closed_hire, konsult)
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    invitation = Invitation.objects.get(questionnaire__kind="kandidatenkat")
    before = Invitation.objects.filter(pk=invitation.pk).values().get()
    token = token_of(next(m for m in mail.outbox if m.to == ["kim@example.org"]))
    data = {key: "ja" for key in CANDIDATE_YES_NO}
    data["helhetsomdome"] = "10"
    with freeze_time("2026-04-23 15:12:00"):
        assert client.post(reverse("survey-answer", args=[token]), data).status_code == 302
        # The link is used up, and to anyone but the browser that answered says so no differently
        # from a wrong one.
        again = Client().post(reverse("survey-answer", args=[token]), data)
        assert again.status_code == 404
        assert client.post(reverse("survey-answer", args=[token]), data).status_code == 409
    response = Response.objects.get(kind="kandidatenkat")
    assert response.assignment_id is None
    assert (response.consultant_id, response.organisation_id, response.sector_id, response.package_code) == (
        None,
        None,
        None,
        "",
    )
    assert response.answered_on == date(2026, 4, 1)  # the month only
    field_names = {f.name for f in Response._meta.get_fields()}
    assert not field_names & {"invitation", "email", "candidate", "recipient_name"}
    # The invitation is exactly as it was: answered or not, it looks the same.
    assert Invitation.objects.filter(pk=invitation.pk).values().get() == before
    assert before["status"] == "sent" and before["email"] == "kim@example.org"
    # The address goes after the last reminder, as every candidate's does.
    with freeze_time("2026-05-04 11:00:00"):
        for pk in services.due_reminder_ids():
            services.send_reminder(pk)
        for pk in services.due_reminder_ids():
            services.send_reminder(pk)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.email, invitation.recipient_name, invitation.answered_on) == (
        "sent",
        "",
        "",
        None,
    )
    closed_hire.refresh_from_db()
    assert (closed_hire.candidate_name, closed_hire.candidate_email) == ("", "")
    assert not Assignment.history.filter(id=closed_hire.pk, candidate_email="kim@example.org").exists()
    reminders = [m for m in mail.outbox if m.to == ["kim@example.org"] and m.subject.startswith("Påminnelse")]
    assert len(reminders) == 2 and "Har du svarat: tack!" in reminders[0].body


CANDIDATE_YES_NO = [
    "info_intervju",
    "info_kbr",
    "annons_sprak",
    "info_motsvarade",
    "rattvisande_bild",
    "tidseffektiv",
    "tillracklig_info",
    "icke_diskriminerande",
    "kontakt_konsult",
    "tester_genomforda",
    "tester_info",
]


@pytest.mark.django_db
def test_reminders_after_7_and_14_days_then_expiry(closed_hire, konsult):
    with freeze_time("2026-04-20 10:00:00"):
        close(closed_hire, konsult)
        for pk in services.due_invitation_ids():
            services.send_invitation(pk)
    sent = len(mail.outbox)
    with freeze_time("2026-04-26 10:00:00"):
        assert services.due_reminder_ids() == []
    with freeze_time("2026-04-27 11:00:00"):
        ids = services.due_reminder_ids()
        assert len(ids) == 2
        assert all(services.send_reminder(pk) for pk in ids)
        assert not any(services.send_reminder(pk) for pk in ids)
    with freeze_time("2026-05-04 11:00:00"):
        assert all(services.send_reminder(pk) for pk in services.due_reminder_ids())
    with freeze_time("2026-05-25 11:00:00"):
        assert services.due_reminder_ids() == []
        assert services.expire_invitations() == 2
    assert len(mail.outbox) == sent + 4
    assert mail.outbox[-1].subject.startswith("Påminnelse")
    closed_hire.refresh_from_db()
    assert closed_hire.candidate_email == ""


@pytest.mark.django_db
def test_dissatisfied_customer_creates_follow_up_for_unit_head(client, closed_hire, konsult, chef):
    close(closed_hire, konsult)
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    token = token_of(next(m for m in mail.outbox if m.to == [closed_hire.manager.email]))
    data = {
        key: "5"
        for key in [
            "planering",
            "annons",
            "urval",
            "intervjuer",
            "referenser",
            "aterkoppling_tester",
            "kompetensbaserat",
            "samarbete",
            "helhet",
        ]
    }
    data.update({"nps": "3", "vill_bli_kontaktad": "ja"})
    with freeze_time("2026-05-02 12:00:00"):
        assert client.post(reverse("survey-answer", args=[token]), data).status_code == 302
    follow_up = FollowUp.objects.get()
    assert follow_up.assigned_to == chef
    assert follow_up.due_on == date(2026, 5, 16)
    assert set(follow_up.reasons.split(",")) == {"contact", "low_score", "detractor"}


@pytest.mark.django_db
def test_unknown_token_same_page(client, db):
    response = client.get(reverse("survey-answer", args=["nonsense"]))
    assert response.status_code == 404
    assert "Länken går inte att använda" in response.content.decode()


@pytest.mark.django_db
def test_no_survey_for_cancelled_assignment(db, konsult):
    price_list = PriceListFactory(year=2026)
    a = AssignmentFactory(responsible=konsult, package=PackageFactory(price_list=price_list))
    assignment_services.close_assignment(a, by=konsult, outcome="avbruten", closed_on=date(2026, 4, 1))
    assert Invitation.objects.count() == 0


@pytest.mark.django_db
def test_post_with_null_origin_is_accepted(closed_hire, konsult):
    """With Referrer-Policy: no-referrer, browsers post `Origin: null`; the link must still work."""
    from django.test import Client

    close(closed_hire, konsult)
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    token = token_of(next(m for m in mail.outbox if m.to == ["kim@example.org"]))
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        reverse("survey-answer", args=[token]), {"helhetsomdome": "8"}, HTTP_ORIGIN="null"
    )
    assert response.status_code == 400  # answered too little, but not refused as forged
    assert "Svaren kunde inte skickas" in response.content.decode()


def test_survey_tokens_are_masked_in_logs():
    import logging

    from rekrytering.logging import MaskPersonalData

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        ("GET /enkat/abcDEF123_-/ HTTP/1.1", "200", "10"),
        None,
    )
    MaskPersonalData().filter(record)
    assert "abcDEF123" not in record.getMessage()
    assert "/enkat/[dold]/" in record.getMessage()


@pytest.mark.django_db
def test_no_candidate_identity_in_api_or_export(closed_hire, konsult):
    import io

    from openpyxl import load_workbook
    from rest_framework.test import APIClient

    from assignments.exporting import write_xlsx

    close(closed_hire, konsult)
    api = APIClient()
    api.force_authenticate(konsult)
    body = str(api.get(f"/api/v1/assignments/{closed_hire.pk}/").data) + str(
        api.get("/api/v1/assignments/").data
    )
    assert "kim@example.org" not in body and "Kim Kandidat" not in body
    buffer = io.BytesIO()
    write_xlsx(Assignment.objects.all(), buffer)
    cells = [str(c) for row in load_workbook(buffer).active.iter_rows(values_only=True) for c in row]
    assert not any("kim@example.org" in c or "Kim Kandidat" in c for c in cells)
