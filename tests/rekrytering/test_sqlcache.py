"""rekrytering.sqlcache: compiled SQL kept per connection; rows as fresh as the queryset's own."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Count, Max, Sum
from django.test.utils import CaptureQueriesContext

from assignments.models import Assignment
from rekrytering import sqlcache
from tests.factories import AssignmentFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    sqlcache.clear()
    yield
    sqlcache.clear()


def grouped():
    return (
        Assignment.objects.values("package__code")
        .annotate(n=Count("id"), total=Sum("price"), last=Max("ordered_on"))
        .order_by("package__code")
        .values_list("package__code", "n", "total", "last")
    )


@pytest.mark.django_db
def test_rows_are_the_querysets_own_with_its_types_and_fresh_on_every_call(price_list_2026):
    AssignmentFactory(price=Decimal("27000.50"), ordered_on=date(2026, 3, 2))
    AssignmentFactory(price=Decimal("3000"), ordered_on=date(2026, 4, 9))
    built = []

    def build():
        built.append(1)
        return grouped()

    first = sqlcache.rows("grouped", build)
    assert first == [tuple(row) for row in grouped()]
    code, n, total, last = first[0]
    # Django's converters applied: a date and a Decimal on SQLite too, not text or a float.
    assert (n, total, last) == (2, Decimal("30000.50"), date(2026, 4, 9))
    assert isinstance(total, Decimal) and isinstance(last, date)

    AssignmentFactory(price=Decimal("1000"), ordered_on=date(2026, 5, 1))
    with CaptureQueriesContext(connection) as queries:
        again = sqlcache.rows("grouped", build)
    # Built once; the query itself runs on every call and sees the new row.
    assert len(built) == 1 and len(queries) == 1
    assert again[0][1:] == (3, Decimal("31000.50"), date(2026, 5, 1))


@pytest.mark.django_db
def test_a_queryset_that_can_match_nothing_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        found = sqlcache.rows("none", lambda: Assignment.objects.filter(pk__in=[]).values_list("pk"))
    assert found == [] and len(queries) == 0


@pytest.mark.django_db
def test_the_cache_is_bounded_and_forgets_on_a_settings_change(monkeypatch, settings):
    monkeypatch.setattr(sqlcache, "SIZE", 3)
    built = []
    for key in range(5):
        sqlcache.rows(key, lambda key=key: built.append(key) or Assignment.objects.values_list("pk"))
    cache = connections["default"].__dict__[sqlcache._ATTRIBUTE]
    assert list(cache) == [2, 3, 4]
    settings.TIME_ZONE = "UTC"
    assert sqlcache._ATTRIBUTE not in connections["default"].__dict__
