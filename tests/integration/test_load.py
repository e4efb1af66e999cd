"""scripts/load-test.sh, shortened: gunicorn and PostgreSQL on loopback, 50 locust users for 20 s.

Every request must succeed (the locustfile checks each page: the login really logs in, a survey
answer redirects to the thank-you page), both kinds of users must have done their work many times,
and every answer locust saw accepted must be in the database. Runs when DATABASE_URL names
PostgreSQL; the database of its own (rekrytering_ops_load_test_<pid>) is dropped afterwards.
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.postgres import POSTGRES, psql, url_for

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "load-test.sh"
VENV = ROOT / ".venv" / "bin"


pytestmark = pytest.mark.skipif(
    POSTGRES is None
    or not all(shutil.which(tool) for tool in ("psql", "curl"))
    or not all((VENV / tool).exists() for tool in ("gunicorn", "locust")),
    reason="databasen är inte PostgreSQL (DATABASE_URL), eller psql, curl, gunicorn eller locust saknas",
)


@pytest.fixture
def load_db():
    name = f"rekrytering_ops_load_test_{os.getpid()}"
    yield name
    psql(url_for("postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_fifty_users_for_twenty_seconds_without_a_failure(load_db, tmp_path):
    env = {
        **os.environ,
        "LOAD_SECONDS": "20",
        "LOAD_TOKENS": "1500",
        "LOAD_DATABASE_URL": url_for(load_db),
        "LOAD_OUT": str(tmp_path),
    }
    env.pop("LOAD_DROP_DB", None)  # kept until the answers are counted; the fixture drops it

    result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    with (tmp_path / "summary.csv").open(encoding="utf-8") as file:
        rows = {(row["Type"], row["Name"]): row for row in csv.DictReader(file)}

    def count(method, name):
        return int(rows[(method, name)]["Request Count"])

    assert int(rows[("", "Aggregated")]["Failure Count"]) == 0
    assert all(int(row["Failure Count"]) == 0 for row in rows.values())
    assert count("POST", "/accounts/login/ POST") == 25
    posted = count("POST", "/enkat/[token]/ POST")
    assert posted >= 20
    assert count("GET", "/enkat/[token]/ GET") >= posted
    browsed = sum(count("GET", name) for name in ("/uppdrag/", "/uppdrag/?page=N", "/uppdrag/?filter"))
    assert browsed >= 20
    assert "p95" in (tmp_path / "p95.md").read_text(encoding="utf-8")

    # Every answer locust saw accepted is stored: a customer's invitation is answered, a candidate's
    # used link is marked in SpentLink (its invitation is left as it was). A POST cut off by the end
    # of the run may be stored without locust counting it, hence at least.
    tokens = json.loads((tmp_path / "data.json").read_text())["tokens"]
    hashes = ",".join(f"'{hashlib.sha256(token.encode()).hexdigest()}'" for token in tokens)
    answered = int(
        psql(
            url_for(load_db),
            f"SELECT count(*) FROM surveys_invitation WHERE status = 'answered' AND token_hash IN ({hashes})",
        )
    ) + int(psql(url_for(load_db), "SELECT count(*) FROM surveys_spentlink"))
    assert posted <= answered <= posted + 25
