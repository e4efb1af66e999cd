"""The PostgreSQL server of the test run, for tests that drive it from outside Django (scripts,
worker processes, psql): its settings, a libpq URL for any database on it, and psql."""

import subprocess
from urllib.parse import quote, urlencode


def _postgres() -> dict | None:
    """The test run's database settings (DATABASE_URL, also from .env) if they are PostgreSQL."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return database if database["ENGINE"] == "django.db.backends.postgresql" else None


POSTGRES = _postgres()


def url_for(name: str) -> str:
    """A libpq URL for database `name` on the test run's server, with its user and password."""
    user = quote(POSTGRES.get("USER") or "", safe="")
    password = quote(str(POSTGRES.get("PASSWORD") or ""), safe="")
    host, port = POSTGRES.get("HOST") or "", POSTGRES.get("PORT") or ""
    query = {}
    if host.startswith("/"):
        host, query["host"] = "", host
    if (POSTGRES.get("OPTIONS") or {}).get("sslmode"):
        query["sslmode"] = POSTGRES["OPTIONS"]["sslmode"]
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    address = f"{host}:{port}" if port else host
    return f"postgresql://{credentials}{address}/{name}" + (f"?{urlencode(query)}" if query else "")


def psql(url: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", "-XqAt", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
        input=sql,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
