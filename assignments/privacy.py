"""The register's personal data (candidates, managers, import jobs, what it keeps about the staff)
and its retention rules.

Found by the registry in `rekrytering.privacy`, like every app's `privacy` module.
"""

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Max, Min, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from rekrytering.privacy import Holding, day

from .models import (
    Assignment,
    ConsultantCapacity,
    ConsultantCompetence,
    ImportJob,
    Manager,
    SavedFilter,
    User,
)

ANONYMOUS_MANAGER = "Anonymiserad beställare"
ANONYMOUS_DOMAIN = "anonymiserad.invalid"
# An upload kept for a confirmation (a look-alike name, price lists made from the file) is
# deleted when none came within this time; the job then asks for the file again.
UNCONFIRMED_FILE_AGE = timedelta(days=1)


def _cutoff_years(now: datetime) -> date:
    return timezone.localdate(now) - relativedelta(years=settings.RETENTION_ASSIGNMENT_YEARS)


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
    found = [
        Holding(
            "Tillsatta kandidater på uppdrag (namn, e-post)",
            candidates["n"],
            day(candidates["oldest"]),
            f"Anonymiseras {years} år efter uppdragets avslut.",
        ),
        Holding(
            "Kandidaters e-postadresser på uppdrag",
            candidates["emails"],
            day(candidates["oldest_email"]),
            f"Raderas {settings.RETENTION_CANDIDATE_DAYS} dagar efter avslut (behövs bara för enkäten).",
        ),
        Holding(
            "Kandidatuppgifter i uppdragens ändringshistorik",
            history["n"],
            day(history["oldest"]),
            "Rensas tillsammans med uppdraget.",
        ),
        Holding(
            "Beställare (namn, e-post)",
            managers["n"],
            day(managers["oldest"]),
            f"Anonymiseras när beställarens senaste uppdrag avslutades för mer än {years} år sedan.",
        ),
        Holding(
            "Importjobb (felrader kan citera beställare)",
            jobs["n"],
            day(jobs["oldest"]),
            f"Raderas efter {settings.RETENTION_IMPORT_JOB_DAYS} dagar; "
            "uppladdade filer direkt efter importen, eller efter ett dygn om importen väntar på "
            "en bekräftelse som inte kommer.",
        ),
    ]
    staff_rule = (
        "Finns medan medarbetaren är aktiv; raderas, med sin historik, när användaren är inaktiverad "
        f"och inte har loggat in på {STAFF_GRACE_DAYS} dagar."
    )
    for kind, model, dated in STAFF_DATA:
        rows = model.objects.aggregate(n=Count("pk"), **({"oldest": Min(dated)} if dated else {}))
        found.append(Holding(kind, rows["n"], day(rows.get("oldest")), staff_rule))
    return found


# What the system keeps about a member of staff beyond their account: the competence map (with
# their wishes), their capacity (working hours) and their saved filters (search words may name
# people). None of it is needed once they have left.
STAFF_DATA = [
    ("Kompetenskarta (personalens certifieringar, områden och önskemål)", ConsultantCompetence, None),
    ("Kapacitet per konsult (arbetstid per vecka, andel för uppdrag)", ConsultantCapacity, None),
    ("Sparade filter i uppdragslistan (personalens egna sökningar)", SavedFilter, "created_at"),
]


# A deactivated user may come back (leave, a mistake): their data waits this long after their last login.
STAFF_GRACE_DAYS = 90


def _purge_staff_data(now: datetime) -> dict[str, int]:
    """The staff data of users deactivated and away for STAFF_GRACE_DAYS, with the history of the
    map and the capacity."""
    away = Q(last_login__isnull=True) | Q(last_login__lt=now - timedelta(days=STAFF_GRACE_DAYS))
    gone = User.objects.filter(away, is_active=False).values("pk")
    done = {}
    # simple-history's copies of the map's lists (districts, sectors, organisations) first: they
    # point at the history rows without cascading.
    for field in ("known_sectors", "known_organisations", "areas"):
        copies = apps.get_model("assignments", f"HistoricalConsultantCompetence_{field}")
        copies.objects.filter(history__user_id__in=gone).delete()
    for what, model in (("kompetenskartor", ConsultantCompetence), ("kapaciteter", ConsultantCapacity)):
        done[f"{what} för inaktiverade användare raderade"] = (
            model.objects.filter(user__in=gone).delete()[1].get(model._meta.label, 0)
        )
        model.history.filter(user_id__in=gone).delete()
    done["sparade filter för inaktiverade användare raderade"] = (
        SavedFilter.objects.filter(user__in=gone).delete()[1].get(SavedFilter._meta.label, 0)
    )
    return done


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
        done["obekräftade importfiler raderade"] = _delete_unconfirmed_files(now - UNCONFIRMED_FILE_AGE)
        done |= _purge_staff_data(now)

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


def _delete_unconfirmed_files(cutoff: datetime) -> int:
    """The uploads kept for a confirmation (ImportJob.awaits_confirmation) nobody gave."""
    count = 0
    waiting = ImportJob.objects.filter(state=ImportJob.State.FAILED, finished_at__lt=cutoff).exclude(file="")
    for job in waiting:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count


def _delete_import_jobs(cutoff: datetime) -> int:
    count = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
