"""Changes to survey invitations: only samordnare, chef and admin, always with a reason, audited
and on the assignment's history (issue 11: a consultant could steer their own survey)."""

import logging
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assignments import services as assignment_services
from assignments.selectors import assignment_history
from surveys import services
from surveys.models import Invitation, InvitationChange
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory

LATER = timezone.now() + timedelta(days=30)


@pytest.fixture
def closed(db, konsult):
    """The konsult's closed assignment: a customer survey (sent) and a match survey (scheduled)."""
    package = PackageFactory(price_list=PriceListFactory(year=2026), sends_match_survey=True)
    a = AssignmentFactory(
        responsible=konsult, package=package, ordered_on=date(2026, 3, 2), psychometric_tests=True
    )
    assignment_services.close_assignment(
        a,
        by=konsult,
        outcome="tillsatt",
        closed_on=date(2026, 4, 20),
        candidate_name="Kim",
        candidate_email="kim@example.org",
        candidate_start=date(2026, 6, 1),
    )
    return a


def customer(assignment):
    return Invitation.objects.get(assignment=assignment, questionnaire__kind="kundenkat")


def match(assignment):
    return Invitation.objects.get(assignment=assignment, questionnaire__kind="matchningsenkat")


def audit_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "rekrytering.audit"]


# The three changes, each as (service call, page POST data) of one invitation.
CHANGES = {
    "postpone": (
        lambda inv, by, reason: services.postpone_invitation(inv, by=by, send_at=LATER, reason=reason),
        lambda inv: {"action": "postpone", "send_at": LATER.date().isoformat()},
        match,
    ),
    "cancel": (
        lambda inv, by, reason: services.cancel_invitation(inv, by=by, reason=reason),
        lambda inv: {"action": "cancel"},
        match,
    ),
    "resend": (
        lambda inv, by, reason: services.resend_invitation(
            inv, by=by, email="egen@example.org", reason=reason
        ),
        lambda inv: {"action": "resend", "email": "egen@example.org"},
        customer,
    ),
}


def state(invitation):
    invitation.refresh_from_db()
    return invitation.status, invitation.email, invitation.send_at


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES)
def test_the_konsult_on_the_assignment_may_not_change_its_surveys(client, closed, konsult, change):
    call, post_data, which = CHANGES[change]
    invitation = which(closed)
    before = state(invitation)
    with pytest.raises(PermissionDenied):
        call(invitation, konsult, "Kunden bad om det")
    client.force_login(konsult)
    url = reverse("assignment-invitations", args=[closed.pk])
    data = {"invitation": invitation.pk, "reason": "Kunden bad om det", **post_data(invitation)}
    assert client.post(url, data).status_code == 403
    assert state(invitation) == before
    assert not InvitationChange.objects.exists()
    # The page shows the konsult no controls, and why.
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="reason"' not in html and "Avbryt utskick" not in html
    assert "ändras, och utskick avbryts, av samordnare, chef eller administratör" in html


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES)
def test_a_change_needs_a_reason(client, closed, samordnare, change):
    call, post_data, which = CHANGES[change]
    invitation = which(closed)
    before = state(invitation)
    with pytest.raises(ValidationError) as refused:
        call(invitation, samordnare, "   ")
    assert "Ange ett skäl" in str(refused.value)
    client.force_login(samordnare)
    url = reverse("assignment-invitations", args=[closed.pk])
    response = client.post(url, {"invitation": invitation.pk, **post_data(invitation)}, follow=True)
    assert "Ange ett skäl till ändringen" in response.content.decode()
    assert state(invitation) == before
    assert not InvitationChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["samordnare", "chef", "admin_user"])
@pytest.mark.parametrize("change", CHANGES)
def test_managers_change_with_a_reason_audited_and_on_the_history(
    request, client, closed, role, change, caplog, django_capture_on_commit_callbacks
):
    by = request.getfixturevalue(role)
    call, post_data, which = CHANGES[change]
    invitation = which(closed)
    before = state(invitation)
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    client.force_login(by)
    url = reverse("assignment-invitations", args=[closed.pk])
    # The reason names the customer's own address: the audit line masks it.
    reason = "Beställaren bad om det, skriv till nina.ny@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"invitation": invitation.pk, "reason": reason, **post_data(invitation)})
    assert response.status_code == 302
    assert state(invitation) != before
    logged = InvitationChange.objects.get()
    assert (logged.invitation, logged.action, logged.changed_by, logged.reason) == (
        invitation,
        change,
        by,
        reason,
    )
    assert "@" not in logged.before + logged.after  # the log keeps no address

    [line] = [line for line in audit_lines(caplog) if line.startswith("invitation_")]
    assert line.startswith(f"invitation_{change} user={by.username} invitation={invitation.pk}")
    assert f"assignment={closed.number}" in line and "Beställaren bad om det" in line
    assert "@" not in line and "[e-post]" in line

    # The assignment's history and the invitations part both show it, with the reason.
    [event] = [
        e for e in assignment_history(closed) if e["what"].endswith(logged.get_action_display().lower())
    ]
    assert event["who"] == by and ("Skäl", "", reason) in event["changes"]
    page = client.get(closed.get_absolute_url()).content.decode()
    history = page[page.index('id="h-history"') :]
    assert logged.get_action_display().lower() in history and "Beställaren bad om det" in history
    part = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Ändringar av utskicken" in part and "Beställaren bad om det" in part


@pytest.mark.django_db
def test_managers_see_the_controls_with_a_reason_field(client, closed, samordnare):
    client.force_login(samordnare)
    html = client.get(
        reverse("assignment-invitations", args=[closed.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    # Every change form asks for the reason.
    assert html.count('name="reason"') == html.count('name="action"') > 0
    assert "Skjut upp" in html and "Avbryt utskick" in html and "Rätta adress" in html


@pytest.mark.django_db
def test_a_konsult_cannot_resend_to_themselves_and_answer_for_their_own_score(closed, konsult):
    """The steering the issue describes: resend the customer survey to one's own address."""
    with pytest.raises(PermissionDenied):
        services.resend_invitation(customer(closed), by=konsult, email=konsult.email, reason="Test")
    assert customer(closed).email == closed.manager.email


@pytest.mark.django_db
def test_change_reasons_are_purged_with_the_register(closed, samordnare, settings):
    from rekrytering import privacy

    services.cancel_invitation(match(closed), by=samordnare, reason="Dubblett")
    assert any("Skäl till ändrade enkätutskick" in h.kind and h.count == 1 for h in privacy.all_holdings())
    later = timezone.now() + timedelta(days=366 * settings.RETENTION_ASSIGNMENT_YEARS + 1)
    assert privacy.purge_all(later)["ändringar av utskick raderade"] == 1
    assert not InvitationChange.objects.exists()
