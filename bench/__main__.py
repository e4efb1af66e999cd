"""`python -m bench` (`make bench`): build the bench's data sets and time the heavy pages.

Runs only against a PostgreSQL database whose name contains "bench" (DATABASE_URL, or
BENCH_DATABASE_URL through make), since --rebuild empties it; creates it when it is missing, and
beside it `<name>_1y` and `<name>_30y` for the growth (skipped with --no-growth). Writes the
figures as JSON (--json, tmp/bench/latest.json) and the tables with the machine they ran on as
Markdown beside it (latest.md), the table the README shows.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from time import perf_counter

import django

# The small set holds one year of history: last year and this year to today, since every page
# compares the period with the same period last year; growth is then the cost of history alone.
GROWTH_SETS = (("_1y", 2), ("_30y", 30))
DEFAULT_JSON = "tmp/bench/latest.json"
GROWTH_NOTE = (
    "Tillväxt = sidans median i 30 års data / med ett års historik (förra året och i år, som sidorna "
    "jämför) (<namn>_30y, <namn>_1y), omväxlande mätt för innevarande års standardperiod (beläggningen "
    "och förslagen: de kommande veckorna från i dag); samma tal för varje rad av samma slags sida."
)


def parser(this_year: int, default_seed: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Bygger en tioårig testdatamängd i en egen databas (DATABASE_URL, namnet ska innehålla "
            "'bench') och mäter de tunga sidorna som avdelningschefen ser dem mot deras golv – sidans "
            "egna siffror med enkel SQL, kontrollerade lika med sidans och mätta omväxlande med sidan – "
            "och hur de växer från 1 till 30 års data (databaserna <namn>_1y och <namn>_30y)."
        ),
    )
    parser.add_argument("--years", type=int, default=10, help="år i huvuddatamängden (10)")
    parser.add_argument(
        "--year", type=int, default=this_year - 1, help=f"år som mäts (senaste hela året, {this_year - 1})"
    )
    parser.add_argument("--pairs", type=int, default=15, help="mätpar sida–golv per sida (15, minst 10)")
    parser.add_argument("--warmup", type=int, default=2, help="uppvärmningar per sida (2)")
    parser.add_argument("--seed", type=int, default=default_seed)
    parser.add_argument(
        "--rebuild", action="store_true", help="töm databaserna (även 1- och 30-årsdatabaserna) och bygg om"
    )
    parser.add_argument("--no-measure", action="store_true", help="bygg bara datamängderna")
    parser.add_argument("--no-growth", action="store_true", help="hoppa över 1 år mot 30 år (snabbare)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="SIDA",
        help="bara dessa sidor (t.ex. dashboard-year api load suggestions)",
    )
    parser.add_argument(
        "--json", metavar="PATH", default=DEFAULT_JSON, help=f"resultaten som JSON ({DEFAULT_JSON})"
    )
    parser.add_argument("--strict", action="store_true", help="avsluta med fel om ett mål inte nås")
    return parser


def _git(*args) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine(connection) -> dict:
    """What the figures were measured on."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    uname = platform.uname()
    commit = _git("rev-parse", "--short", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (med ändringar)"
    return {
        "cpu_count": os.cpu_count(),
        "uname": f"{uname.system} {uname.release} {uname.machine}",
        "postgresql": version.split()[0],
        "python": platform.python_version(),
        "django": django.get_version(),
        "commit": commit,
        "load_start": [round(x, 2) for x in os.getloadavg()],
    }


def machine_line(info: dict) -> str:
    load = lambda values: "/".join(f"{x:.2f}" for x in values)  # noqa: E731
    return (
        f"Mätt {info['measured_at']} på commit {info['commit'] or '?'}: {info['uname']}, "
        f"{info['cpu_count']} kärnor, PostgreSQL {info['postgresql']}, Python {info['python']}, "
        f"Django {info['django']}; belastning (1/5/15 min) {load(info['load_start'])} vid start, "
        f"{load(info['load_end'])} vid slut."
    )


def prepare(databases, name: str, years: int, options, write) -> dict:
    """Create, migrate and fill one of the bench's databases (reused when it has data)."""
    from django.core.management import call_command
    from django.db import connection

    from bench import dataset
    from bench.databases import ensure_database

    if ensure_database(databases.settings_for(name)):
        write(f"Skapade databasen {name}.")
    databases.use(name)
    started = perf_counter()
    if options.rebuild:
        # From an empty schema, so migrations edited since the last build apply as well.
        write(f"Tömmer {name} (DROP SCHEMA public) …")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", interactive=False, verbosity=0)
    write(f"{name}: migreringar klara ({perf_counter() - started:.1f} s).")
    build = dataset.build_dataset(years=years, seed=options.seed, stdout=write)
    size = dataset.dataset_size()
    write(
        f"{name}: {{first_year}}–{{last_year}}: {{assignments}} uppdrag, {{time_entries}} tidrapporter, "
        "{invitations} enkätutskick, {responses} enkätsvar, {answers} svarsrader.".format(**size)
    )
    return {"name": name, "years": years, **size, "built": build["built"], "build_seconds": build["seconds"]}


def main(argv=None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekrytering.settings")
    django.setup()
    from django.core.management.color import color_style
    from django.db import connection
    from django.utils import timezone

    from bench import dataset, measure, pages
    from bench.databases import Databases

    today = timezone.localdate()
    options = parser(today.year, dataset.DEFAULT_SEED).parse_args(argv)
    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit(
            "bench körs bara mot en egen PostgreSQL-databas vars namn innehåller 'bench', t.ex. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/rekrytering_bench (se make bench)."
        )
    if options.years < 1 or options.pairs < 10 or options.warmup < 0:
        raise SystemExit("--years ska vara minst 1, --pairs minst 10 och --warmup minst 0.")
    style = color_style()

    def write(line: str) -> None:
        print(line, flush=True)

    databases = Databases()
    main_name = databases.name
    write(f"Databas: {main_name} på {connection.settings_dict.get('HOST') or 'localhost'}")
    sets = [prepare(databases, main_name, options.years, options, write)]
    if not options.no_growth:
        for suffix, years in GROWTH_SETS:
            sets.append(prepare(databases, main_name + suffix, years, options, write))
    databases.use(main_name)
    if options.no_measure:
        databases.close()
        return 0

    info = machine(connection)
    with measure.quiet_pages():
        head = pages.head_pages(measure.head_client(), options.year, today, only=options.only)
        rows = measure.measure_pages(head, pairs=options.pairs, warmup=options.warmup, stdout=write)
        growth = []
        if not options.no_growth:
            write("Mäter tillväxten: samma sidor i 1 års och 30 års data, omväxlande …")
            small, large = (main_name + suffix for suffix, _years in GROWTH_SETS)
            databases.use(small)
            small_pages = pages.growth_pages(measure.head_client(), today, only=options.only)
            databases.use(large)
            large_pages = pages.growth_pages(measure.head_client(), today, only=options.only)
            growth = measure.measure_growth(
                small_pages,
                large_pages,
                databases.user(small),
                databases.user(large),
                pairs=options.pairs,
                warmup=options.warmup,
            )
            databases.use(main_name)
            measure.attach_growth(rows, growth)
    info["load_end"] = [round(x, 2) for x in os.getloadavg()]
    info["measured_at"] = datetime.now().astimezone().isoformat(timespec="minutes")
    databases.close()

    notes = measure.format_notes(rows, growth)
    write("")
    write(
        f"Median och p95 av {options.pairs} omväxlande mätningar sida–golv efter {options.warmup} "
        f"uppvärmningar; kvot = sidans median / golvets median; kall = sidan som första visning på "
        f"en anslutning, utan kompilerad SQL sparad (rekrytering.sqlcache)."
    )
    write(measure.format_table(rows))
    if growth:
        write(GROWTH_NOTE)
        write("")
        write(measure.format_growth(growth))
    for note in notes:
        write(f"- {note}")
    write(machine_line(info))
    missed = [m for m in rows if m.ok is not True] + [g for g in growth if g.ok is False]
    if missed:
        write(style.ERROR("Mål ej nådda: " + ", ".join(m.name for m in missed)))
    else:
        write(style.SUCCESS("Alla mål nådda."))

    path = Path(options.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": info,
        "year": options.year,
        "today": today.isoformat(),
        "pairs": options.pairs,
        "warmup": options.warmup,
        "datasets": sets,
        "measurements": [m.as_dict() for m in rows],
        "growth": [g.as_dict() for g in growth],
        "notes": notes,
    }
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    markdown = path.with_suffix(".md")
    markdown.write_text(report_markdown(rows, growth, notes, info, options), encoding="utf-8")
    write(f"Resultaten skrivna till {path} och {markdown}.")
    if options.strict and missed:
        write(style.ERROR("Alla mål nåddes inte."))
        return 1
    return 0


def report_markdown(rows, growth, notes, info, options) -> str:
    from bench import measure

    parts = [
        machine_line(info),
        "",
        f"Median och p95 av {options.pairs} omväxlande mätningar sida–golv (ms, serverns tid i processen, "
        "som avdelningschefen `chef`, DEBUG=False); golv = sidans egna siffror med enkel SQL, "
        "kontrollerade lika med sidans; kvot = sidans median / golvets; kall = sidans median som första "
        "visning på en anslutning, utan sparad kompilerad SQL (`rekrytering.sqlcache`).",
        "",
        measure.format_table(rows, markdown=True),
    ]
    if growth:
        parts += ["", GROWTH_NOTE, "", measure.format_growth(growth, markdown=True)]
    if notes:
        parts += [""] + [f"- {note}" for note in notes]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.exit(main())
