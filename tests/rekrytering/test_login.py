"""Login: throttling, a new session at login, timeouts, deactivation, and the audit log."""

import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from assignments.models import User
from tests.factories import UserFactory

LOGIN = "/accounts/login/"


def login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Dozens of failed logins here; the hasher's cost is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", role=User.Role.KONSULT)


def test_login_works_and_starts_a_new_session(anna):
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["probe"] = "before"
    session.save()
    before = session.session_key
    response = login(client, "anna", "demo")
    assert response.status_code == 302 and response["Location"] == reverse("start")
    after = client.session.session_key
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_failed_logins_lock_the_username_from_that_address(anna, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "anna", f"fel{attempt}", ip="10.0.1.1")
        assert response.status_code == 200
        assert "Fel användarnamn eller lösenord" in response.content.decode()
    response = login(client, "anna", "fel-sista", ip="10.0.1.1")
    assert response.status_code == 429
    # Even the right password from that address is refused while the lock lasts.
    response = login(Client(), "anna", "demo", ip="10.0.1.1")
    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_a_colleague_cannot_lock_someone_out_from_their_own_machine(anna, settings):
    """The lock is on the username and address together: anna still logs in from her desk."""
    for attempt in range(settings.AXES_FAILURE_LIMIT + 3):  # tries while locked out do not count
        login(Client(), "anna", f"fel{attempt}", ip="10.0.2.66")
    assert login(Client(), "anna", "demo", ip="10.0.2.66").status_code == 429
    assert login(Client(), "anna", "demo", ip="10.0.1.1").status_code == 302


def test_failures_from_many_addresses_lock_the_username_everywhere(anna, settings):
    """A guess spread over machines: LOGIN_USERNAME_FAILURE_LIMIT failures lock the username."""
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 2 * settings.AXES_FAILURE_LIMIT
    responses = []
    for attempt in range(settings.LOGIN_USERNAME_FAILURE_LIMIT):
        ip = f"10.0.3.{attempt % (settings.AXES_FAILURE_LIMIT - 1)}"  # never a full lock per address
        responses.append(login(Client(), "anna", f"fel{attempt}", ip=ip).status_code)
    assert responses == [200] * (settings.LOGIN_USERNAME_FAILURE_LIMIT - 1) + [429]
    assert login(Client(), "anna", "demo", ip="10.0.4.1").status_code == 429


def test_failed_logins_lock_the_address_for_every_username(anna, settings):
    """One machine trying many names: LOGIN_IP_FAILURE_LIMIT failures lock the address."""
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    UserFactory(username="bo")
    for attempt in range(settings.LOGIN_IP_FAILURE_LIMIT):
        login(Client(), f"gissning{attempt}", "fel", ip="10.9.9.9")
    assert login(Client(), "bo", "demo", ip="10.9.9.9").status_code == 429
    assert login(Client(), "bo", "demo", ip="10.9.9.10").status_code == 302


def test_the_wider_limits_come_from_the_environment():
    from tests.rekrytering.test_security import manage

    code = (
        "from django.conf import settings as s;"
        "print(s.LOGIN_USERNAME_FAILURE_LIMIT, s.LOGIN_IP_FAILURE_LIMIT)"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={"LOGIN_USERNAME_FAILURE_LIMIT": "30", "LOGIN_IP_FAILURE_LIMIT": "0"},
    )
    assert result.stdout.split() == ["30", "0"], result.stderr


def test_lock_ends_after_the_cooloff(anna, settings):
    with freeze_time(timezone.now()) as frozen:
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            login(Client(), "anna", f"fel{attempt}")
        assert login(Client(), "anna", "demo").status_code == 429
        frozen.tick(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert login(Client(), "anna", "demo").status_code == 302


def test_success_resets_the_count(anna, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(Client(), "anna", f"fel{attempt}")
    assert login(Client(), "anna", "demo").status_code == 302
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(Client(), "anna", f"fel{attempt}").status_code == 200
    assert login(Client(), "anna", "demo").status_code == 302


def test_idle_timeout(anna, settings):
    client = Client()
    with freeze_time("2026-11-23 08:00") as frozen:
        assert login(client, "anna", "demo").status_code == 302
        frozen.tick(timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1))
        assert client.get(reverse("start")).status_code == 200
        frozen.tick(timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1))
        assert client.get(reverse("start")).status_code == 200  # each request restarts the idle clock
        frozen.tick(timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
        response = client.get(reverse("start"))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        page = client.get(response["Location"])
        assert "loggats ut efter en tids inaktivitet" in page.content.decode()


def test_absolute_timeout(anna, settings):
    client = Client()
    with freeze_time("2026-11-23 07:00") as frozen:
        assert login(client, "anna", "demo").status_code == 302
        step = timedelta(minutes=settings.SESSION_IDLE_MINUTES - 5)
        elapsed = timedelta()
        while elapsed + step < timedelta(hours=settings.SESSION_MAX_HOURS):
            frozen.tick(step)
            elapsed += step
            assert client.get(reverse("start")).status_code == 200
        frozen.tick(timedelta(hours=settings.SESSION_MAX_HOURS) - elapsed + timedelta(minutes=1))
        response = client.get(reverse("start"))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_deactivating_a_user_ends_their_sessions(anna, admin_user):
    client = Client()
    assert login(client, "anna", "demo").status_code == 302
    other = Client()
    other.force_login(admin_user)
    assert Session.objects.count() == 2
    anna.is_active = False
    anna.save()
    assert Session.objects.count() == 1
    response = client.get(reverse("start"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert other.get(reverse("start")).status_code == 200


def test_expired_sessions_are_cleared_by_the_nightly_task(anna):
    from assignments.tasks import clear_expired_sessions

    client = Client()
    login(client, "anna", "demo")
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == [client.session.session_key]


def test_login_audit_says_who_what_and_never_the_password(anna, caplog):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    login(Client(), "anna", "hemligt-Lösen-123", ip="10.1.2.3")
    client = Client()
    login(client, "anna", "demo", ip="10.1.2.4")
    client.post(reverse("logout"), REMOTE_ADDR="10.1.2.4")
    lines = [r.getMessage() for r in caplog.records if r.name == "rekrytering.audit"]
    assert lines == [
        "login_failed username=anna ip=10.1.2.3",
        "login user=anna ip=10.1.2.4",
        "logout user=anna ip=10.1.2.4",
    ]
    assert all("hemligt" not in r.getMessage() and "demo" not in r.getMessage() for r in caplog.records)


def test_refused_access_is_audited_without_the_query_string(anna, client, caplog):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    client.force_login(anna)
    response = client.get(reverse("user-list") + "?q=Kim+Kandidat")
    assert response.status_code == 403
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("access_refused")]
    assert line == "access_refused user=anna status=403 method=GET path=/register/anvandare/ ip=127.0.0.1"


def test_an_htmx_request_after_the_timeout_sends_the_window_to_the_login(anna, settings):
    client = Client()
    with freeze_time("2026-11-23 08:00") as frozen:
        login(client, "anna", "demo")
        frozen.tick(timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
        response = client.get(
            reverse("manager-options"),
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/uppdrag/ny/"},
        )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fuppdrag%2Fny%2F"


def test_a_forged_forwarded_for_header_does_not_escape_the_ip_lock(anna, settings):
    """Without a proxy (PROXY_COUNT=0) the client's own address counts, whatever it claims."""
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    UserFactory(username="bo")
    for attempt in range(settings.LOGIN_IP_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"username": f"gissning{attempt}", "password": "fel"},
            REMOTE_ADDR="10.7.7.7",
            HTTP_X_FORWARDED_FOR=f"81.2.69.{attempt}",
        )
    response = Client().post(
        LOGIN,
        {"username": "bo", "password": "demo"},
        REMOTE_ADDR="10.7.7.7",
        HTTP_X_FORWARDED_FOR="81.2.69.99",
    )
    assert response.status_code == 429


def test_behind_a_proxy_the_lock_follows_the_address_it_reports(anna, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    UserFactory(username="bo")
    for attempt in range(settings.LOGIN_IP_FAILURE_LIMIT):
        Client().post(
            LOGIN, {"username": f"gissning{attempt}", "password": "fel"}, HTTP_X_REAL_IP="81.2.69.7"
        )
    assert (
        Client().post(LOGIN, {"username": "bo", "password": "demo"}, HTTP_X_REAL_IP="81.2.69.7").status_code
        == 429
    )
    # Another client behind the same proxy (the same REMOTE_ADDR) is not held up.
    assert (
        Client().post(LOGIN, {"username": "bo", "password": "demo"}, HTTP_X_REAL_IP="81.2.69.8").status_code
        == 302
    )
