"""The bench's data sets: years of fictional data in a PostgreSQL database of its own (ten for
the main one; 1 and 30 for the growth).

It is the demo's data, only more of it: the demo users, the registers, a price list and a budget
a year, and ~1 050 assignments a year with hours, closings and invoices (assignments.demo.Activity),
their surveys with invitations, responses and answers (surveys.demo.generate_surveys), then every
other app's own demo data. One year is this year from January to today. Ten years take about half a
minute, thirty about a minute and a half; `build_dataset` skips a database that has assignments,
but tops up what the load and suggestion pages read (`top_up`) when it is missing.
"""

import random
from datetime import date
from itertools import chain
from time import perf_counter

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from assignments.demo import (
    Activity,
    load_registers,
    seed_absence,
    seed_budget,
    seed_capacities,
    seed_competence,
    seed_price_list,
    seed_standard_schedules,
    seed_tidplans,
    seed_users,
)
from assignments.models import Assignment, TimeEntry, User
from rekrytering.demo import bulk_insert, demo_modules
from surveys.demo import generate_surveys
from surveys.models import Answer, Invitation, Response
from surveys.questionnaires import seed_all

ASSIGNMENTS_A_YEAR = 1_050  # this year: in proportion to its days up to today
DEFAULT_SEED = 20_260_101


def dataset_size() -> dict:
    return {
        "assignments": Assignment.objects.count(),
        "time_entries": TimeEntry.objects.count(),
        "invitations": Invitation.objects.count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "consultants": User.objects.filter(role__in=[User.Role.KONSULT, User.Role.SAMORDNARE]).count(),
        "first_year": Assignment.objects.order_by("ordered_on")
        .values_list("ordered_on__year", flat=True)
        .first(),
        "last_year": Assignment.objects.order_by("-ordered_on")
        .values_list("ordered_on__year", flat=True)
        .first(),
    }


def build_dataset(
    years: int = 10,
    seed: int = DEFAULT_SEED,
    *,
    today: date | None = None,
    rebuild: bool = False,
    stdout=print,
) -> dict:
    """Fill the (bench) database; skipped when it already holds assignments, unless `rebuild`."""
    today = today or timezone.localdate()
    if rebuild:
        stdout("Tömmer databasen …")
        call_command("flush", interactive=False, verbosity=0)
    elif Assignment.objects.exists():
        stdout("Datamängden finns redan (--rebuild bygger om den).")
        with transaction.atomic():
            top_up(today, stdout=stdout)
        return {"built": False, "seconds": 0.0, **dataset_size()}
    started = perf_counter()
    with transaction.atomic():
        fill(years, seed, today=today, stdout=stdout)
    if connection.vendor == "postgresql":
        stdout("Uppdaterar planerarens statistik (VACUUM ANALYZE) …")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    seconds = perf_counter() - started
    stdout(f"Datamängden byggd på {seconds:.1f} s.")
    return {"built": True, "seconds": round(seconds, 1), **dataset_size()}


def fill(years: int, seed: int, *, today: date, stdout=print, per_year: int = ASSIGNMENTS_A_YEAR) -> None:
    """`per_year` assignments a year for `years` years up to `today`, and all that goes with them."""
    rng = random.Random(seed)
    span = list(range(today.year - years + 1, today.year + 1))
    lap = perf_counter()

    def done(what: str):
        nonlocal lap
        now = perf_counter()
        stdout(f"  {what} ({now - lap:.1f} s)")
        lap = now

    quiet = lambda _line: None  # noqa: E731
    load_registers(stdout=quiet)
    seed_users(stdout=quiet, password=None)
    for year in span:
        seed_budget(year, seed_price_list(year))
    activity = Activity(rng, today)
    done(f"register, {len(activity.consultants)} konsulter och samordnare, prislistor och budgetar")

    assignments = []
    for year in span:
        days = (min(date(year, 12, 31), today) - date(year, 1, 1)).days + 1
        assignments += activity.assignments(year, round(per_year * min(days, 365) / 365))
    done(f"{len(assignments)} uppdrag, {len(activity.managers)} beställare")
    entries = bulk_insert(
        TimeEntry,
        chain(activity.time_entries(assignments), activity.other_time(date(span[0], 1, 1), today)),
    )
    done(f"{entries} tidrapporter")

    for year in span:
        seed_all(year)
    counts = generate_surveys(assignments, today=today, rng=rng)
    done("enkäter: {} utskick, {} svar, {} svarsrader, {} uppföljningar".format(*counts))
    top_up(today, stdout=lambda line: stdout(f"  {line}"))
    done("kapaciteter, kompetenskarta och frånvaro")

    # Every other app's own demo data (the plans, the economy figures, …) as `load_demo` runs it.
    # One that fails is reported and left out.
    for name, module in demo_modules(skip=("assignments", "surveys")):
        try:
            with transaction.atomic():
                module.load_demo(stdout=lambda line: stdout(f"  {line}"), today=today)
        except Exception as error:
            stdout(f"  {name}.demo misslyckades och hoppas över: {type(error).__name__}: {error}")
    done("övriga appars demodata")


def top_up(today: date, *, stdout=print) -> None:
    """What the load and suggestion pages read besides the assignments, as the assignments' demo
    seeds it: the capacities differing from 40 h × 70 %, the competence map, absence from this
    week on, the standard schedules and the open assignments' tidplans. Each step leaves what is
    there as it is, so a data set built before them (or in an earlier week) is topped up in place
    and a second run changes nothing."""
    seed_standard_schedules(stdout=stdout)
    seed_tidplans(today, random.Random(today.toordinal()), stdout=stdout)
    seed_capacities(stdout=stdout)
    seed_competence(stdout=stdout)
    seed_absence(today, stdout=stdout)
