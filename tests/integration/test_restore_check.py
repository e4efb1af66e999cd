"""scripts/backup.sh and scripts/restore-check.sh against a real PostgreSQL database with demo data.

The source is a database of its own (rekrytering_ops_src_<pid>), migrated and filled by
`manage.py load_demo` in a subprocess; the scripts' scratch databases must be gone afterwards.
Runs when DATABASE_URL names PostgreSQL and the PostgreSQL client tools are installed.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.postgres import POSTGRES, psql, url_for

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE_CHECK = ROOT / "scripts" / "restore-check.sh"


pytestmark = pytest.mark.skipif(
    POSTGRES is None or not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
    reason="databasen är inte PostgreSQL (DATABASE_URL) eller pg_dump/pg_restore/psql saknas",
)

ROW = re.compile(r"^(\S+)\s+(\d+|–)\s+(\d+|–)\s+(\S.*)$")


def databases(prefix: str) -> set[str]:
    names = psql(url_for("postgres"), "SELECT datname FROM pg_database")
    return {name for name in names.splitlines() if name.startswith(prefix)}


def script_env(**extra) -> dict:
    env = {**os.environ, "DJANGO_ENV": "development", "REDIS_URL": "", **extra}
    env["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    return env


def run(*command, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=script_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def counts_table(output: str) -> dict[str, tuple]:
    """The script's table: {table: (source count, restored count, verdict)}."""
    rows = {}
    for line in output.splitlines():
        found = ROW.match(line)
        if found and found.group(1) not in ("tabell", "------"):
            source, restored = (int(v) if v.isdigit() else None for v in found.group(2, 3))
            rows[found.group(1)] = (source, restored, found.group(4).strip())
    return rows


@pytest.fixture(scope="module")
def source_db():
    name = f"rekrytering_ops_src_{os.getpid()}"
    url = url_for(name)
    admin = url_for("postgres")
    psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(admin, f'CREATE DATABASE "{name}"')
    try:
        for command in (["migrate", "--noinput"], ["load_demo"]):
            result = run(sys.executable, "manage.py", *command, DATABASE_URL=url)
            assert result.returncode == 0, result.stdout + result.stderr
        yield url
    finally:
        psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def no_scratch_left():
    before = databases("rekrytering_ops_restore_")
    yield
    assert databases("rekrytering_ops_restore_") <= before, "en tillfällig databas blev kvar"


def make_backup(url: str, directory: Path) -> Path:
    result = run(BACKUP, url, BACKUP_DIR=directory)
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip().splitlines()[-1])
    assert dump.parent == directory and dump.suffix == ".dump" and dump.stat().st_size > 0
    checksum = dump.with_name(dump.name + ".sha256")
    assert subprocess.run(["sha256sum", "--check", "--status", checksum.name], cwd=directory).returncode == 0
    return dump


def test_dump_and_restore_have_the_same_rows(source_db, no_scratch_left):
    assignments = int(psql(source_db, "SELECT count(*) FROM assignments_assignment"))
    responses = int(psql(source_db, "SELECT count(*) FROM surveys_response"))
    migrations = int(psql(source_db, "SELECT count(*) FROM django_migrations"))
    assert assignments > 100 and responses > 0

    result = run(RESTORE_CHECK, DATABASE_URL=source_db)

    assert result.returncode == 0, result.stdout + result.stderr
    table = counts_table(result.stdout)
    assert table["assignments_assignment"] == (assignments, assignments, "OK")
    assert table["surveys_response"] == (responses, responses, "OK")
    assert table["django_migrations"] == (migrations, migrations, "OK")
    assert all(verdict == "OK" for *_, verdict in table.values())
    assert f"django_migrations: samma {migrations} migreringar i båda." in result.stdout
    assert "Återläsningen är kontrollerad: OK." in result.stdout


def test_a_row_added_after_the_dump_fails_the_check(source_db, tmp_path, no_scratch_left):
    dump = make_backup(source_db, tmp_path)
    sectors = int(psql(source_db, "SELECT count(*) FROM assignments_sector"))
    psql(source_db, "INSERT INTO assignments_sector (name, active) VALUES ('Tillagd efter dumpen', true)")
    try:
        result = run(RESTORE_CHECK, dump, DATABASE_URL=source_db)
    finally:
        psql(source_db, "DELETE FROM assignments_sector WHERE name = 'Tillagd efter dumpen'")

    assert result.returncode == 1, result.stdout + result.stderr
    table = counts_table(result.stdout)
    assert table["assignments_sector"] == (sectors + 1, sectors, "SKILLNAD")
    assert table["assignments_assignment"][2] == "OK"
    assert "FEL: 1 av" in result.stderr
    assert "MISSLYCKADES" in result.stderr


def test_a_missing_table_and_migration_fail_the_check(source_db, tmp_path, no_scratch_left):
    dump = make_backup(source_db, tmp_path)
    psql(
        source_db,
        "CREATE TABLE ops_after_dump (id int); "
        "INSERT INTO django_migrations (app, name, applied) VALUES ('surveys', '9999_after_dump', now())",
    )
    try:
        result = run(RESTORE_CHECK, dump, DATABASE_URL=source_db)
    finally:
        psql(
            source_db,
            "DROP TABLE ops_after_dump; DELETE FROM django_migrations WHERE name = '9999_after_dump'",
        )

    assert result.returncode == 1, result.stdout + result.stderr
    table = counts_table(result.stdout)
    assert table["ops_after_dump"] == (0, None, "SAKNAS i återläst")
    assert table["django_migrations"][2] == "SKILLNAD"
    assert "migreringarna i django_migrations skiljer sig" in result.stderr
    assert "-surveys.9999_after_dump" in result.stderr


def test_a_dump_with_the_wrong_checksum_is_refused(source_db, tmp_path, no_scratch_left):
    dump = make_backup(source_db, tmp_path)
    with dump.open("ab") as file:
        file.write(b"\0")

    result = run(RESTORE_CHECK, dump, DATABASE_URL=source_db)

    assert result.returncode == 2
    assert "kontrollsumman stämmer inte" in result.stderr


def test_backup_fails_for_a_database_that_does_not_exist(tmp_path):
    result = run(BACKUP, url_for("rekrytering_ops_does_not_exist"), BACKUP_DIR=tmp_path)

    assert result.returncode != 0
    assert "pg_dump misslyckades" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_broken_dump_fails_and_the_scratch_database_is_dropped(source_db, tmp_path, no_scratch_left):
    dump = tmp_path / "trasig.dump"
    dump.write_bytes(b"PGDMP" + os.urandom(2000))

    result = run(RESTORE_CHECK, dump, DATABASE_URL=source_db)

    assert result.returncode == 2
    assert "pg_restore misslyckades" in result.stderr
    assert "Raderade den tillfälliga databasen" in result.stderr
