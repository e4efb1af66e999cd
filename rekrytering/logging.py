"""Logging: times in UTC, and no log line holds a survey token, an e-mail address or a query string.

Query strings are dropped because searches (?q=...) may hold a candidate's or manager's name.
A survey token is hidden wherever it appears: after `/enkat/`, and anywhere in its own shape (43
URL-safe base64 characters, surveys.services.token_for), even percent-encoded as in the request
line runserver logs for `/%65nkat/...`. So is a password-reset link's token
(`/accounts/reset/<uid>/<token>/`).
"""

import logging
import re
import time
from urllib.parse import unquote

TOKEN_IN_PATH = re.compile(r"(/enkat/)(?!tack/)[^/\s?\"']+")
RESET_TOKEN_IN_PATH = re.compile(r"(/reset/[^/\s?\"']+/)(?!set-password/)[^/\s?\"']+")
TOKEN_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
# A run of URL-safe characters and percent-escapes, e.g. `%65nkat%2FAbC...`: decoded before the test.
URL_RUN = re.compile(r"(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2})+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
QUERY_IN_PATH = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
SECRET_FIELD = re.compile(r"(?i)(password|passwd|token|secret)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}&]+")


def _hide_token_shaped(match) -> str:
    run = match.group()
    return "[dold]" if TOKEN_SHAPE.search(unquote(run) if "%" in run else run) else run


def mask(text: str) -> str:
    text = TOKEN_IN_PATH.sub(r"\1[dold]", text)
    text = RESET_TOKEN_IN_PATH.sub(r"\1[dold]", text)
    text = URL_RUN.sub(_hide_token_shaped, text)
    text = QUERY_IN_PATH.sub(r"\1?[dold]", text)
    text = SECRET_FIELD.sub(r"\1\2[dold]", text)
    return EMAIL.sub("[e-post]", text)


class MaskPersonalData(logging.Filter):
    """Formats the message first and masks the result, so arguments of any shape are covered."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error report
            return True
        record.msg, record.args = mask(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            # A traceback's last line repeats the exception text (e.g. a refused recipient's address).
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class UTCFormatter(logging.Formatter):
    """ISO 8601 times in UTC, so log lines from every process compare without a time zone."""

    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return (
            time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created)) + f".{int(record.msecs):03d}Z"
        )
