"""`python -m bench` (`make bench`): build the ten-year bench data set and time the heavy pages.

Runs only against a PostgreSQL database whose name contains "bench" (DATABASE_URL), since
--rebuild empties it; creates that database when it is missing.
"""

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from time import perf_counter

import django


def ensure_database(settings_dict) -> bool:
    """Create the bench database when it is missing; True when it was created."""
    import psycopg

    params = {
        "dbname": "postgres",
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]]
        ).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
        return True


def parser(this_year: int, default_seed: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Bygger en tioårig testdatamängd i en egen databas (DATABASE_URL, namnet ska innehålla "
            "'bench') och mäter instrumentpanelen, tertialrapporten, uppdragslistan och enkätresultaten "
            "mot golvet: SQL-frågorna ensamma."
        ),
    )
    parser.add_argument("--years", type=int, default=10, help="år i datamängden (10)")
    parser.add_argument(
        "--year", type=int, default=this_year - 1, help=f"år som mäts (senaste hela året, {this_year - 1})"
    )
    parser.add_argument("--repeat", type=int, default=15, help="mätningar per sida (15)")
    parser.add_argument("--warmup", type=int, default=2, help="uppvärmningar per sida (2)")
    parser.add_argument("--report-repeat", type=int, default=3, help="rapportbyggen (3)")
    parser.add_argument("--seed", type=int, default=default_seed)
    parser.add_argument("--rebuild", action="store_true", help="töm databasen och bygg om datamängden")
    parser.add_argument("--no-measure", action="store_true", help="bygg bara datamängden")
    parser.add_argument("--json", metavar="PATH", help="skriv resultaten som JSON")
    parser.add_argument("--strict", action="store_true", help="avsluta med fel om ett mål inte nås")
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekrytering.settings")
    django.setup()
    from django.core.management import call_command
    from django.core.management.color import color_style
    from django.db import connection
    from django.utils import timezone

    from bench import dataset, measure

    options = parser(timezone.localdate().year, dataset.DEFAULT_SEED).parse_args(argv)
    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql" or "bench" not in settings_dict["NAME"]:
        raise SystemExit(
            "bench körs bara mot en egen PostgreSQL-databas vars namn innehåller 'bench', t.ex. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/rekrytering_bench (se make bench)."
        )
    if options.years < 2 or not (0 < options.repeat and 0 < options.report_repeat):
        raise SystemExit("--years ska vara minst 2 och --repeat, --report-repeat minst 1.")
    style = color_style()

    def write(line: str) -> None:
        print(line, flush=True)

    if ensure_database(settings_dict):
        write(f"Skapade databasen {settings_dict['NAME']}.")
    write(f"Databas: {settings_dict['NAME']} på {settings_dict.get('HOST') or 'localhost'}")
    started = perf_counter()
    if options.rebuild:
        # From an empty schema, so migrations edited since the last build apply as well.
        write("Tömmer databasen (DROP SCHEMA public) …")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", interactive=False, verbosity=0)
    write(f"Migreringar klara ({perf_counter() - started:.1f} s).")

    build = dataset.build_dataset(years=options.years, seed=options.seed, stdout=write)
    size = dataset.dataset_size()
    write(
        "Datamängd {first_year}–{last_year}: {assignments} uppdrag, {time_entries} tidrapporter, "
        "{invitations} enkätutskick, {responses} enkätsvar, {answers} svarsrader, "
        "{consultants} konsulter och samordnare.".format(**size)
    )
    if build["built"]:
        write(f"Byggtid: {build['seconds']:.1f} s")
    if options.no_measure:
        return 0

    rows = measure.measure(
        options.year,
        repeat=options.repeat,
        warmup=options.warmup,
        report_repeat=options.report_repeat,
        stdout=write,
    )
    write("")
    write(
        f"Median av {options.repeat} anrop efter {options.warmup} uppvärmningar "
        f"(rapporten: {options.report_repeat} byggen); {os.cpu_count()} kärnor."
    )
    write(measure.format_table(rows))
    missed = [m for m in rows if m.ok is False]
    missing = [m for m in rows if m.median_ms is None]
    if missing:
        write(style.WARNING("Ej mätt: " + ", ".join(f"{m.name} ({m.note})" for m in missing)))
    if missed:
        write(style.ERROR("Mål ej nådda: " + ", ".join(m.name for m in missed)))
    elif not missing:
        write(style.SUCCESS("Alla mål nådda."))

    if options.json:
        path = Path(options.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "database": settings_dict["NAME"],
            "cpu_count": os.cpu_count(),
            "year": options.year,
            "repeat": options.repeat,
            "warmup": options.warmup,
            "report_repeat": options.report_repeat,
            "dataset": size,
            "build": {"built": build["built"], "seconds": build["seconds"]},
            "measurements": [m.as_dict() for m in rows],
        }
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        write(f"Resultaten skrivna till {path}.")
    if options.strict and (missed or missing):
        write(style.ERROR("Alla mål nåddes inte."))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
