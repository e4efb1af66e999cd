"""gunicorn's settings (`gunicorn -c python:rekrytering.gunicorn rekrytering.wsgi`), from the environment.

The access log leaves out query strings and referrers and masks survey tokens and e-mail addresses,
like the application's own log (rekrytering.logging).
"""

import os

from gunicorn.glogging import Logger

from rekrytering.logging import mask

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# gunicorn's largest request line (its default is 4094): the longest address the API's schema
# allows, every text parameter at its maxLength in four-byte characters, is about 5 KB, and must
# get the API's answer, not gunicorn's 414 (tests/assignments/test_api_schema.py measures it).
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        return atoms


logger_class = MaskingLogger
