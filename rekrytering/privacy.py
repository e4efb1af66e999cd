"""Personal data: what the system holds (the admin's overview) and the nightly retention purge.

Each app may have a `privacy` module of its own with `holdings()` and `purge(now)`; the registry
finds them by name, like the demo modules, so the kernel imports no app. This module holds the
kernel's own: staff sessions and the login logs. The rules and their periods come from the
RETENTION_* settings.
"""

import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Count, Min
from django.utils import timezone


@dataclass(frozen=True)
class Holding:
    """One kind of personal data: how many records, the oldest one's date, and the rule that purges it."""

    kind: str
    count: int
    oldest: date | None
    rule: str

    @property
    def age_days(self) -> int | None:
        return (timezone.localdate() - self.oldest).days if self.oldest else None


def day(value) -> date | None:
    """A holding's date: a moment as its local day, a date as it is."""
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def _modules():
    for config in apps.get_app_configs():
        if config.name == __package__:
            yield sys.modules[__name__]
        elif find_spec(f"{config.name}.privacy"):
            yield import_module(f"{config.name}.privacy")


def all_holdings() -> list[Holding]:
    return [holding for module in _modules() for holding in module.holdings()]


def purge_all(now: datetime | None = None) -> dict[str, int]:
    """Run every app's retention rules; returns what was removed, by rule."""
    now = now or timezone.now()
    done = {}
    for module in _modules():
        done.update(module.purge(now))
    return done


def _axes_models():
    if not apps.is_installed("axes"):
        return []
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return [AccessAttempt, AccessLog, AccessFailureLog]


def holdings() -> list[Holding]:
    sessions = Session.objects.aggregate(n=Count("pk"))
    found = [
        Holding(
            "Inloggningssessioner (personal)",
            sessions["n"],
            None,
            f"Upphör efter {settings.SESSION_IDLE_MINUTES} minuters inaktivitet; utgångna rensas varje natt.",
        )
    ]
    logs = [m.objects.aggregate(n=Count("pk"), oldest=Min("attempt_time")) for m in _axes_models()]
    if logs:
        found.append(
            Holding(
                "Inloggningsloggar (användarnamn, IP-adress)",
                sum(item["n"] for item in logs),
                min((day(item["oldest"]) for item in logs if item["oldest"]), default=None),
                f"Raderas efter {settings.RETENTION_AUDIT_DAYS} dagar.",
            )
        )
    return found


def purge(now: datetime) -> dict[str, int]:
    models = _axes_models()
    if not models:
        return {}
    cutoff = now - timedelta(days=settings.RETENTION_AUDIT_DAYS)
    removed = sum(m.objects.filter(attempt_time__lt=cutoff).delete()[0] for m in models)
    return {"inloggningsloggar raderade": removed}
