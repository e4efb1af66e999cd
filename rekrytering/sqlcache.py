"""Compiled SQL kept per database connection for the pages' heaviest read queries.

Django builds and compiles a queryset anew on every request. For the dashboard's aggregates —
conditional counts per period, a CASE over the periods, sums of a price with a subquery — building
and compiling take longer than PostgreSQL takes to run them. SQLAlchemy keeps compiled statements
in a cache for the same reason; this is the small version of that for the few queries that need it:

    rows = sqlcache.rows(("survey_responses", where, periods), lambda: Response.objects.filter(...)
                         .values_list("p", "kind").annotate(n=Count("id")))

The key must name everything the SQL depends on (the conditions as Q objects, the periods, the
kinds: whatever the builder reads); the builder is called only when the key is new on this
connection. The query still runs on every call: only its text is kept, never its rows, so a figure
is as fresh as without the cache. Rows come back as tuples in the queryset's column order with
Django's own converters applied (SQLite returns dates and decimals as text).
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.dispatch import receiver

# Per connection: the dashboard, the report and the survey pages for a few scopes and periods.
SIZE = 512
_ATTRIBUTE = "_rekrytering_compiled_reads"


@dataclass(frozen=True)
class Compiled:
    sql: str | None  # None: the queryset can match nothing (e.g. `__in=[]`)
    params: tuple
    compiler: object
    converters: dict


def _compile(queryset: QuerySet, using: str) -> Compiled:
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return Compiled(None, (), compiler, {})
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    return Compiled(sql, tuple(params), compiler, compiler.get_converters(fields))


def rows(key: Hashable, build: Callable[[], QuerySet], *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """The rows of the values_list() (or values()) queryset that `build()` returns, as tuples."""
    connection = connections[using]
    cache = connection.__dict__.get(_ATTRIBUTE)
    if cache is None:
        cache = connection.__dict__[_ATTRIBUTE] = OrderedDict()
    compiled = cache.get(key)
    if compiled is None:
        compiled = cache[key] = _compile(build(), using)
        if len(cache) > SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    if compiled.sql is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        result = cursor.fetchall()
    if compiled.converters:
        return [tuple(row) for row in compiled.compiler.apply_converters(result, compiled.converters)]
    return [tuple(row) for row in result]


def clear(using: str | None = None) -> None:
    """Forget the compiled queries (of one connection, or of every connection of this thread)."""
    for alias in [using] if using else connections:
        connections[alias].__dict__.pop(_ATTRIBUTE, None)


@receiver(setting_changed)
def _settings_changed(**kwargs):
    # A test that changes a setting the SQL reads (a time zone, a threshold) gets new SQL.
    clear()
