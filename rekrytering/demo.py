"""The demo data of every app: each app that has one brings `<app>/demo.py` with `load_demo(stdout, today)`.

They are found by name in INSTALLED_APPS order (the register first, then the apps built on it), so
the kernel imports no app. Fictional people only; never in production.
"""

from collections.abc import Callable, Iterable
from datetime import date
from importlib import import_module
from importlib.util import find_spec
from itertools import islice

from django.apps import apps
from django.conf import settings


def demo_modules(skip: Iterable[str] = ()):
    """(app name, demo module) of every installed app with one, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if config.name not in skip and config.name != __package__ and find_spec(f"{config.name}.demo"):
            yield config.name, import_module(f"{config.name}.demo")


def load_all(stdout: Callable[[str], None] = print, today: date | None = None) -> None:
    """Load every app's demo data; idempotent. Refuses in production."""
    if settings.PRODUCTION:
        raise RuntimeError("Demodata skapas aldrig i produktion (DJANGO_ENV=production).")
    for _name, module in demo_modules():
        module.load_demo(stdout=stdout, today=today)


def bulk_insert(model, rows: Iterable, *, chunk: int = 20_000) -> int:
    """Insert unsaved rows a chunk at a time, so that a generator of many stays small in memory;
    returns how many were inserted."""
    rows, inserted = iter(rows), 0
    while batch := list(islice(rows, chunk)):
        inserted += len(model.objects.bulk_create(batch, batch_size=5000))
    return inserted
