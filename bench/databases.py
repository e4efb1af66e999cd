"""The bench's databases on one PostgreSQL server: the main data set and, beside it, a 1-year and
a 30-year one (`<name>_1y`, `<name>_30y`) for the growth.

Each database keeps a connection of its own, open, and `use` makes one of them Django's default
connection: the growth is timed switching between two data sets round by round, and a switch
must cost no new connection (nor a cold server process) inside a timing.
"""

import copy

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend


def ensure_database(settings_dict) -> bool:
    """Create the database when it is missing; True when it was created."""
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


class Databases:
    """The connections to the bench's databases; `use(name)` switches the default one."""

    def __init__(self):
        self.main = connections[DEFAULT_DB_ALIAS]
        self.name = self.main.settings_dict["NAME"]
        self.wrappers = {self.name: self.main}

    def settings_for(self, name: str) -> dict:
        return copy.deepcopy(self.main.settings_dict) | {"NAME": name}

    def use(self, name: str) -> None:
        wrapper = self.wrappers.get(name)
        if wrapper is None:
            settings_dict = self.settings_for(name)
            wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
            self.wrappers[name] = wrapper
        if connections[DEFAULT_DB_ALIAS] is not wrapper:
            connections[DEFAULT_DB_ALIAS] = wrapper
            ContentType.objects.clear_cache()  # ids are per database

    def user(self, name: str):
        """A function that switches to `name` (for the timed rounds)."""
        return lambda: self.use(name)

    def close(self) -> None:
        for name, wrapper in self.wrappers.items():
            if name != self.name:
                wrapper.close()
        self.use(self.name)
