"""Logging: times in UTC, and no log line holds a survey token, an e-mail address or a query string.

Query strings are dropped because searches (?q=...) may hold a candidate's or manager's name.
"""

import logging
import re
import time

TOKEN_IN_PATH = re.compile(r"(/enkat/)(?!tack/)[^/\s?\"']+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
QUERY_IN_PATH = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
SECRET_FIELD = re.compile(r"(?i)(password|passwd|token|secret)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}&]+")


def mask(text: str) -> str:
    text = TOKEN_IN_PATH.sub(r"\1[dold]", text)
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
