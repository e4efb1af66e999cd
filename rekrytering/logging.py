"""Logging filters. No log line may hold a survey link's token."""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/enkat/)(?!tack/)[^/\s?\"']+")


def mask(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[dold]", text)


class MaskSurveyTokens(logging.Filter):
    def filter(self, record):
        if isinstance(record.msg, str) and "/enkat/" in record.msg:
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask(v) if isinstance(v, str) else v for k, v in record.args.items()}
        # django.request puts the request on the record; its path is rendered from record.args above.
        return True
