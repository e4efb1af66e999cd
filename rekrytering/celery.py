"""The Celery application. Tasks run eagerly in-process unless REDIS_URL names a broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekrytering.settings")

app = Celery("rekrytering")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
