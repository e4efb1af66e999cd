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


def _masked(value):
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, int | float) or value is None:
        return value
    text = str(value)
    masked = mask(text)
    return masked if masked != text else value  # keep the object (and %d, %r) when nothing is hidden


class MaskPersonalData(logging.Filter):
    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        elif isinstance(record.msg, Exception):
            record.msg = mask(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _masked(v) for k, v in record.args.items()}
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
