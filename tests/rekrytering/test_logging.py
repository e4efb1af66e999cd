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
