"""Personal data: what the system holds (the admin's overview) and the nightly retention purge.

Each app may have a `privacy` module of its own with `holdings()` and `purge(now)`; they are found
by name, like the demo modules, so the core app does not import the apps built on it. The rules
and their periods come from the RETENTION_* settings.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module
from importlib.util import find_spec

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import CharField, Count, Max, Min, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from .models import Assignment, ImportJob, Manager

ANONYMOUS_MANAGER = "Anonymiserad beställare"
ANONYMOUS_DOMAIN = "anonymiserad.invalid"


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


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def _cutoff_years(now: datetime) -> date:
    return timezone.localdate(now) - relativedelta(years=settings.RETENTION_ASSIGNMENT_YEARS)


def _app_modules():
    for config in apps.get_app_configs():
        if config.name != "assignments" and find_spec(f"{config.name}.privacy"):
            yield import_module(f"{config.name}.privacy")


def all_holdings() -> list[Holding]:
    found = holdings()
    for module in _app_modules():
        found.extend(module.holdings())
    return found


def purge_all(now: datetime | None = None) -> dict[str, int]:
    """Run every app's retention rules; returns what was removed, by rule."""
    now = now or timezone.now()
    done = purge(now)
    for module in _app_modules():
        done.update(module.purge(now))
    return done


# --- The register's own personal data ------------------------------------------------------


def _assignment_day():
    return Coalesce("closed_on", "ordered_on")


def holdings() -> list[Holding]:
    years = settings.RETENTION_ASSIGNMENT_YEARS
    candidates = Assignment.objects.exclude(candidate_name="", candidate_email="").aggregate(
        n=Count("pk"),
        emails=Count("pk", filter=~Q(candidate_email="")),
        oldest=Min(_assignment_day()),
        oldest_email=Min(_assignment_day(), filter=~Q(candidate_email="")),
    )
    managers = (
        Manager.objects.exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
        .annotate(last=Max(Coalesce("assignments__closed_on", "assignments__ordered_on")))
        .aggregate(n=Count("pk"), oldest=Min("last"))
    )
    history = Assignment.history.exclude(candidate_name="", candidate_email="").aggregate(
        n=Count("history_id"), oldest=Min("history_date")
    )
    jobs = ImportJob.objects.aggregate(n=Count("pk"), oldest=Min("created_at"))
    sessions = Session.objects.aggregate(n=Count("pk"), oldest=Min("expire_date"))
    found = [
        Holding(
            "Tillsatta kandidater på uppdrag (namn, e-post)",
            candidates["n"],
            _day(candidates["oldest"]),
            f"Anonymiseras {years} år efter uppdragets avslut.",
        ),
        Holding(
            "Kandidaters e-postadresser på uppdrag",
            candidates["emails"],
            _day(candidates["oldest_email"]),
            f"Raderas {settings.RETENTION_CANDIDATE_DAYS} dagar efter avslut (behövs bara för enkäten).",
        ),
        Holding(
            "Kandidatuppgifter i uppdragens ändringshistorik",
            history["n"],
            _day(history["oldest"]),
            "Rensas tillsammans med uppdraget.",
        ),
        Holding(
            "Beställare (namn, e-post)",
            managers["n"],
            _day(managers["oldest"]),
            f"Anonymiseras när beställarens senaste uppdrag avslutades för mer än {years} år sedan.",
        ),
        Holding(
            "Importjobb (felrader kan citera beställare)",
            jobs["n"],
            _day(jobs["oldest"]),
            f"Raderas efter {settings.RETENTION_IMPORT_JOB_DAYS} dagar; "
            "uppladdade filer direkt efter importen.",
        ),
        Holding(
            "Inloggningssessioner (personal)",
            sessions["n"],
            None,
            f"Upphör efter {settings.SESSION_IDLE_MINUTES} minuters inaktivitet; utgångna rensas varje natt.",
        ),
    ]
    if apps.is_installed("axes"):
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        logs = [
            m.objects.aggregate(n=Count("pk"), oldest=Min("attempt_time"))
            for m in (AccessAttempt, AccessLog, AccessFailureLog)
        ]
        found.append(
            Holding(
                "Inloggningsloggar (användarnamn, IP-adress)",
                sum(item["n"] for item in logs),
                min((_day(item["oldest"]) for item in logs if item["oldest"]), default=None),
                f"Raderas efter {settings.RETENTION_AUDIT_DAYS} dagar.",
            )
        )
    return found


def purge(now: datetime) -> dict[str, int]:
    cutoff = _cutoff_years(now)
    email_cutoff = timezone.localdate(now) - timedelta(days=settings.RETENTION_CANDIDATE_DAYS)
    done = {}
    with transaction.atomic():
        # Subqueries of ids, so the history's copies of the same assignments go too.
        old = Assignment.objects.annotate(day=_assignment_day()).filter(day__lt=cutoff).values("pk")
        closed = Assignment.objects.filter(closed_on__lt=email_cutoff).values("pk")
        done["kandidater anonymiserade"] = (
            Assignment.objects.filter(pk__in=old)
            .exclude(candidate_name="", candidate_email="")
            .update(candidate_name="", candidate_email="")
        )
        done["kandidaters e-post raderade"] = (
            Assignment.objects.filter(pk__in=closed).exclude(candidate_email="").update(candidate_email="")
        )
        Assignment.history.filter(id__in=old).exclude(candidate_name="", candidate_email="").update(
            candidate_name="", candidate_email=""
        )
        Assignment.history.filter(id__in=closed).exclude(candidate_email="").update(candidate_email="")

        done["beställare anonymiserade"] = _anonymise_managers(cutoff)

        job_cutoff = now - timedelta(days=settings.RETENTION_IMPORT_JOB_DAYS)
        done["importjobb raderade"] = _delete_import_jobs(job_cutoff)

        if apps.is_installed("axes"):
            from axes.models import AccessAttempt, AccessFailureLog, AccessLog

            log_cutoff = now - timedelta(days=settings.RETENTION_AUDIT_DAYS)
            done["inloggningsloggar raderade"] = sum(
                m.objects.filter(attempt_time__lt=log_cutoff).delete()[0]
                for m in (AccessAttempt, AccessLog, AccessFailureLog)
            )
    return done


def _anonymise_managers(cutoff: date) -> int:
    """Managers whose every assignment is closed (or ordered) before the cutoff, none still open."""
    stale = (
        Manager.objects.exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
        .annotate(
            last=Max(Coalesce("assignments__closed_on", "assignments__ordered_on")),
            open=Count("assignments", filter=Q(assignments__closed_on__isnull=True)),
        )
        .filter(last__lt=cutoff, open=0)
    )
    # Each keeps a unique address of its own: bestallare-<id>@anonymiserad.invalid.
    return Manager.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(
        name=ANONYMOUS_MANAGER,
        email=Concat(Value("bestallare-"), Cast("pk", CharField()), Value("@" + ANONYMOUS_DOMAIN)),
    )


def _delete_import_jobs(cutoff: datetime) -> int:
    count = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
