"""The assignment list costs the same on its last page as on its first, at any length of history."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assignments.filters import year_choices
from assignments.models import Assignment
from assignments.selectors import LIST_ORDER
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UserFactory

PAGE_SIZE = 25  # AssignmentListView.paginate_by


def _add_assignments(count, *, first_day=date(2026, 1, 1), **fields):
    """`count` assignments, two a day from first_day on, every third with a colleague.

    Each has its own customer, manager and sector; three consultants take turns (a user is
    slow to make: its password is hashed).
    """
    package = PackageFactory(price_list=PriceListFactory(year=first_day.year))
    consultants = [UserFactory() for _ in range(3)]
    made = []
    for i in range(count):
        made.append(
            AssignmentFactory(
                package=package,
                ordered_on=first_day + timedelta(days=i // 2),
                **{"responsible": consultants[i % 3], **fields},
                colleagues=[consultants[(i + 1) % 3]] if i % 3 == 0 else [],
            )
        )
    return made


def _list(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("assignment-list"), params)
    assert response.status_code == 200
    return response, len(queries)


def _numbers(response):
    return [a.number for a in response.context["assignments"]]


def _in_list_order(**filters):
    return list(Assignment.objects.filter(**filters).order_by(*LIST_ORDER).values_list("number", flat=True))


@pytest.mark.django_db
def test_query_count_is_the_same_on_every_page_and_at_any_length(client, chef, django_assert_max_num_queries):
    client.force_login(chef)
    _add_assignments(30)
    with django_assert_max_num_queries(13):  # 12, and the user's saved filters
        first, first_queries = _list(client)
    last, last_queries = _list(client, page=2)
    assert (len(_numbers(first)), len(_numbers(last))) == (25, 5)
    assert last_queries == first_queries

    _add_assignments(90, first_day=date(2025, 1, 1))
    counts = [_list(client, page=page)[1] for page in (1, 2, 3, 4, 5)]
    assert counts == [first_queries] * 5


@pytest.mark.django_db
def test_pages_cut_from_either_end_follow_one_order(client, chef):
    """Pages in the later half are read from the other end; together the pages are the whole list."""
    client.force_login(chef)
    _add_assignments(120)
    pages = []
    for page in range(1, 6):
        response, _ = _list(client, page=page)
        pages.append(_numbers(response))
    assert [len(numbers) for numbers in pages] == [25, 25, 25, 25, 20]
    assert [number for numbers in pages for number in numbers] == _in_list_order()
    page = response.content.decode()
    assert "Sida 5 av 5" in page and 'rel="prev"' in page and 'rel="next"' not in page
    assert "120 uppdrag" in page
    assert _numbers(_list(client, page="last")[0]) == pages[-1]
    assert client.get(reverse("assignment-list"), {"page": 6}).status_code == 404


@pytest.mark.django_db
def test_filters_page_and_keep_their_links(client, chef):
    client.force_login(chef)
    consultant = UserFactory(username="filterkonsult")
    _add_assignments(30, first_day=date(2025, 1, 1), responsible=consultant)
    assisted = _add_assignments(20, first_day=date(2025, 6, 1))
    for assignment in assisted:
        assignment.colleagues.add(consultant)
    assisted[0].colleagues.add(UserFactory())  # a second colleague does not list it twice
    _add_assignments(40, first_day=date(2026, 1, 1))

    response, _ = _list(client, year="2025", consultant=consultant.pk)
    page = response.content.decode()
    assert "50 uppdrag" in page and "Sida 1 av 2" in page
    assert f'href="?year=2025&amp;consultant={consultant.pk}&amp;page=2"' in page
    second, _ = _list(client, year="2025", consultant=consultant.pk, page=2)
    shown = _numbers(response) + _numbers(second)
    assert shown == _in_list_order(ordered_on__year=2025)
    assert "Sida 2 av 2" in second.content.decode()


@pytest.mark.django_db
def test_a_row_shows_what_it_did(client, chef):
    client.force_login(chef)
    colleague = UserFactory(username="kollega", initials="KOL")
    assignment = AssignmentFactory(
        responsible=UserFactory(username="ansvarig", first_name="Anna", last_name="Ansvarig"),
        role_title="Rektor",
        level=Assignment.Level.CHEF,
        status=Assignment.Status.AVSLUTAD,
        outcome=Assignment.Outcome.TILLSATT,
        closed_on=date(2026, 4, 1),
        colleagues=[colleague],
    )
    page = _list(client)[0].content.decode()
    assert f'<a href="/uppdrag/{assignment.pk}/">{assignment.number}</a>' in page
    assert 'Rektor<br><span class="muted">Chef · ' + assignment.sector.name in page
    assert assignment.organisation.name in page and assignment.manager.name in page
    assert assignment.package.name in page
    assert "Anna Ansvarig, KOL" in page
    assert "Tillsatt</span>" in page


@pytest.mark.django_db
def test_year_choices_span_the_years_with_assignments(django_assert_num_queries):
    assert year_choices() == []
    AssignmentFactory(ordered_on=date(2021, 5, 3))
    AssignmentFactory(ordered_on=date(2024, 12, 31))
    AssignmentFactory(ordered_on=date(2023, 1, 1))
    with django_assert_num_queries(1):
        choices = year_choices()
    assert choices == [("2024", "2024"), ("2023", "2023"), ("2022", "2022"), ("2021", "2021")]


@pytest.mark.django_db
def test_year_filter_offers_and_finds_a_year_with_assignments(client, chef):
    client.force_login(chef)
    old = AssignmentFactory(ordered_on=date(2019, 2, 1))
    AssignmentFactory(ordered_on=date(2026, 2, 1))
    response, _ = _list(client, year="2019")
    page = response.content.decode()
    assert '<option value="2019" selected>2019</option>' in page
    assert _numbers(response) == [old.number]


def _plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


@pytest.mark.django_db
def test_page_ids_are_read_from_the_list_order_index(client, chef):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's")
    client.force_login(chef)
    _add_assignments(60, first_day=date(2025, 1, 1))
    _add_assignments(15, first_day=date(2026, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        # page 1 from the newest end, pages 2 and 3 from the oldest (with and without OFFSET),
        # and a year's page, a range on the index's leading column.
        for params in ({"page": 1}, {"page": 2}, {"page": 3}, {"year": "2025", "page": 1}):
            assert client.get(reverse("assignment-list"), params).status_code == 200
    page_queries = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "assignments_assignment"."id" AS "pk" FROM') and " LIMIT " in q["sql"]
    ]
    assert len(page_queries) == 4
    assert ' ORDER BY "assignments_assignment"."ordered_on" ASC' in page_queries[2]
    with connection.cursor() as cursor:
        # With 75 rows, a sequential scan and a sort in memory is honestly the cheapest plan, and
        # the planner would take it. With sequential scans priced out, what is left shows whether
        # the index can give the pages in the list's order by itself: a plan with no Sort node
        # (nor Incremental Sort) above an index scan of assignment_list_order, which is what
        # PostgreSQL chooses on its own at the bench's ten thousand rows. SET LOCAL ends with the
        # test's transaction.
        cursor.execute("ANALYZE assignments_assignment")
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Bitmap scans too: after another test's rolled-back bulk insert (the heap keeps its dead
        # pages), a bitmap scan and a sort can price below the index's ordered scan.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for sql in page_queries:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            nodes = list(_plan_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
            kinds = [node["Node Type"] for node in nodes]
            assert "Sort" not in kinds and "Incremental Sort" not in kinds, (sql, kinds)
            assert [node.get("Index Name") for node in nodes if "Index" in node["Node Type"]] == [
                "assignment_list_order"
            ], (sql, kinds)
            assert not [
                node
                for node in nodes
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "assignments_assignment"
            ]
