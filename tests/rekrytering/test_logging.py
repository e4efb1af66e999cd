"""No log line holds a token, a password, an e-mail address or a query string; times are UTC."""

import logging
import smtplib
import time

import pytest

from rekrytering.logging import MaskPersonalData, UTCFormatter


def rendered(msg, *args, exc=None):
    record = logging.LogRecord("x", logging.WARNING, "", 0, msg, args, None)
    if exc is not None:
        try:
            raise exc
        except type(exc):
            import sys

            record.exc_info = sys.exc_info()
    MaskPersonalData().filter(record)
    return logging.Formatter("%(message)s").format(record)


@pytest.mark.parametrize(
    ("msg", "args", "hidden", "shown"),
    [
        ('"%s" %s', ("GET /enkat/abcDEF123_-/ HTTP/1.1", 200), "abcDEF123", "/enkat/[dold]/"),
        ('"%s" %s', ("GET /uppdrag/?q=Kim+Kandidat HTTP/1.1", 200), "Kim", "/uppdrag/?[dold]"),
        ("Retry: %r", ({"kim.kandidat@example.org": (550, b"no")},), "kim.kandidat", "[e-post]"),
        ("sent to %s", ("Kim <kim@example.org>",), "kim@example.org", "Kim <[e-post]>"),
        ("config password=%s", ("hunter2",), "hunter2", "password=[dold]"),
        (
            '"%s" %s',
            ("GET /accounts/reset/Mg/d2k3x1-0f3c9a4b8e7d6c5b4a39281706f5e4d3/ HTTP/1.1", 302),
            "0f3c9a4b8e7d",
            "/accounts/reset/Mg/[dold]/",
        ),
        ('"%s" %s', ("GET /accounts/reset/Mg/set-password/ HTTP/1.1", 200), "", "/reset/Mg/set-password/"),
        ("invitation %d sent", (42,), "", "invitation 42 sent"),
    ],
)
def test_masking(msg, args, hidden, shown):
    text = rendered(msg, *args)
    if hidden:
        assert hidden not in text
    assert shown in text


def test_tracebacks_are_masked_too():
    error = smtplib.SMTPRecipientsRefused({"kim@example.org": (550, b"User unknown")})
    text = rendered("Send failed", exc=error)
    assert "Traceback" in text and "SMTPRecipientsRefused" in text
    assert "kim@example.org" not in text


def test_the_thanks_page_path_is_not_taken_for_a_token():
    assert "/enkat/tack/" in rendered('"%s"', "GET /enkat/tack/ HTTP/1.1")


def test_utc_formatter():
    record = logging.LogRecord("x", logging.INFO, "", 0, "hej", (), None)
    record.created = 1_700_000_000.25
    record.msecs = 250
    line = UTCFormatter("%(asctime)s %(message)s").format(record)
    assert line == time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_700_000_000)) + ".250Z hej"
    assert line.startswith("2023-11-14T22:13:20.250Z")


TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"  # the shape of surveys.services.token_for


@pytest.mark.parametrize(
    "line",
    [
        f'"GET /%65nkat/{TOKEN}/ HTTP/1.1" 404 1334',  # runserver logs the request line as sent
        f'"GET /enkat%2F{TOKEN}/ HTTP/1.1" 404 1334',
        f'"GET /enkat/%41{TOKEN[1:]}/ HTTP/1.1" 404 1334',
        f"Referer: https://rekrytering.example.org/enkat/{TOKEN}",
        f"token {TOKEN} pasted somewhere",
    ],
)
def test_a_survey_token_is_hidden_in_any_form(line):
    assert "[dold]" in rendered("%s", line)
    assert TOKEN not in rendered("%s", line) and TOKEN[1:] not in rendered("%s", line)


def test_other_words_and_numbers_are_left_alone():
    text = "T1: 97 % nöjda, 1 200 000 kr, id 3f2b9c1e8a7d4b6c9e0f1a2b3c4d5e6f7a8b9c0d"
    assert rendered("%s", text) == text


def _output_without_token(text):
    assert TOKEN not in text
    return text


def test_no_request_log_line_holds_a_token_with_debug_on():
    """DEBUG on: Django's own console handler printed django.request's lines unmasked."""
    from tests.rekrytering.test_security import manage

    code = (
        "from django.test import Client;"
        f"print(Client().put('/enkat/{TOKEN}/').status_code);"
        f"print(Client().get('/finns-inte/enkat/{TOKEN}/').status_code)"
    )
    result = manage("shell", "--no-imports", "-c", code, env={"DEBUG": "True", "LOG_LEVEL": "DEBUG"})
    assert result.stdout.split() == ["405", "404"], result.stderr
    text = _output_without_token(result.stdout + result.stderr)
    assert "Method Not Allowed (PUT): /enkat/[dold]/" in text
    assert "Not Found: /finns-inte/enkat/[dold]/" in text


def test_the_runserver_access_log_holds_no_token(tmp_path):
    """`manage.py runserver` with DEBUG on: its access log (django.server) and django.request."""
    import http.client
    import os
    import socket
    import subprocess
    import sys

    from tests.rekrytering.test_security import ROOT

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "True",
        "LOG_LEVEL": "DEBUG",
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "runserver.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.2)
        statuses = []
        for method, path in [
            ("PUT", f"/enkat/{TOKEN}/"),
            ("PUT", f"/%65nkat/{TOKEN}/"),
            ("GET", f"/finns-inte/enkat/{TOKEN}/"),
        ]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(method, path)
            statuses.append(connection.getresponse().status)
            connection.close()
        assert statuses == [405, 405, 404]
        # The access line is written after the response: wait for the third.
        while log.read_text().count('HTTP/1.1" 40') < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    text = _output_without_token(output)
    assert '"PUT /enkat/[dold]/ HTTP/1.1" 405' in text, text
    assert '"PUT /%65nkat/[dold]/ HTTP/1.1" 405' in text
    assert '"GET /finns-inte/enkat/[dold]/ HTTP/1.1" 404' in text
