"""Password reset: rate-limited per address and per e-mail address, and audited without the token."""

import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assignments.models import User
from tests.factories import UserFactory

RESET = "/accounts/password_reset/"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", email="anna.andersson@example.org", role=User.Role.KONSULT)


def ask(email, ip="10.0.0.1"):
    return Client().post(RESET, {"email": email}, REMOTE_ADDR=ip)


def audit_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "rekrytering.audit"]


def test_one_address_gets_only_a_few_mails(anna, settings):
    settings.PASSWORD_RESET_EMAIL_RATE_LIMIT = "3/h"
    statuses = [ask("anna.andersson@example.org", ip=f"10.0.1.{n}").status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3
    # The same address written otherwise is the same address.
    assert ask(" Anna.Andersson@EXAMPLE.org ", ip="10.0.1.9").status_code == 429
    assert len(mail.outbox) == 3


def test_one_client_asks_only_a_few_times(anna, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "4/h"
    statuses = [ask(f"person{n}@example.org", ip="10.0.2.1").status_code for n in range(4)]
    assert statuses == [302] * 4
    refused = ask("anna.andersson@example.org", ip="10.0.2.1")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    page = refused.content.decode()
    assert "För många förfrågningar om nytt lösenord" in page and '<html lang="sv">' in page
    assert mail.outbox == []
    assert ask("anna.andersson@example.org", ip="10.0.2.2").status_code == 302  # others are not held up
    assert len(mail.outbox) == 1


def test_the_form_itself_is_not_limited(anna, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "1/h"
    client = Client()
    assert all(client.get(RESET, REMOTE_ADDR="10.0.3.1").status_code == 200 for _ in range(3))
    assert ask("anna.andersson@example.org", ip="10.0.3.1").status_code == 302


def _link(message):
    return re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", message.body).group(1)


def test_requests_refusals_and_the_reset_are_audited_never_the_token(anna, settings, caplog):
    settings.PASSWORD_RESET_EMAIL_RATE_LIMIT = "1/h"
    caplog.set_level(logging.INFO)
    ask("anna.andersson@example.org", ip="10.0.4.1")
    ask("ingen.alls@example.org", ip="10.0.4.1")
    ask("anna.andersson@example.org", ip="10.0.4.2")
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    client = Client()
    client.get("/accounts/reset/MTIzNDU/fel-token/", REMOTE_ADDR="10.0.4.3")
    form = client.get(link, REMOTE_ADDR="10.0.4.1", follow=True)
    assert form.status_code == 200
    new = {"new_password1": "Korrekt-häst-batteri-9", "new_password2": "Korrekt-häst-batteri-9"}
    done = client.post(form.redirect_chain[-1][0], new, REMOTE_ADDR="10.0.4.1")
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    client.get(link, REMOTE_ADDR="10.0.4.1")  # a used link is refused
    lines = audit_lines(caplog)
    assert lines == [
        "password_reset_requested email=a***@example.org user=anna ip=10.0.4.1",
        "password_reset_requested email=i***@example.org user=- ip=10.0.4.1",
        "password_reset_refused reason=rate_limit email=a***@example.org ip=10.0.4.2",
        "access_refused user=- status=429 method=POST path=/accounts/password_reset/ ip=10.0.4.2",
        "password_reset_refused reason=invalid_link email=- ip=10.0.4.3",
        "password_reset_done user=anna ip=10.0.4.1",
        "password_reset_refused reason=invalid_link email=- ip=10.0.4.1",
    ]
    every_line = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in every_line and "anna.andersson" not in every_line
    anna.refresh_from_db()
    assert anna.check_password("Korrekt-häst-batteri-9")
