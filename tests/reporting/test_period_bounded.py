"""No query of the dashboard or the summary API reads the whole history of a large table: each
one can reach its rows through an index on the period's dates (or a parameterised join from
such rows). Checked with EXPLAIN on PostgreSQL with sequential scans made a last resort: a
Seq Scan that remains, or an index walked without a condition, is a query with nothing to
bound it, whose cost grows with every year of data."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN-planer prövas på PostgreSQL"
)

LARGE = {"assignments_assignment", "assignments_timeentry", "surveys_response", "surveys_answer"}


def add_history(copies: int = 1000):
    """Years of history below the data: each manager, assignment, time entry, survey response
    and answer copied `copies` times, dated 10–29 years back, each copy with its own ids (and
    so its own managers, whose first orders lie in the past), so that the planner sees a
    register where the periods shown are a small part."""
    from assignments.models import Assignment, Manager, TimeEntry
    from surveys.models import Answer, Response

    offset = 10_000_000  # far above the test's ids: copy g's ids are id + g × offset
    remapped = {
        Manager: {"id"},
        Assignment: {"id", "manager_id", "redo_of_id"},
        TimeEntry: {"assignment_id"},
        Response: {"id", "assignment_id"},
        Answer: {"id", "response_id"},
    }
    with connection.cursor() as cursor:
        for model, ids in remapped.items():
            columns, values = [], []
            for f in model._meta.concrete_fields:
                if f.primary_key and f.column not in ids:
                    continue
                column = connection.ops.quote_name(f.column)
                columns.append(column)
                if f.column in ids:
                    values.append(f"{column} + g::bigint * {offset}")
                elif f.get_internal_type() == "DateField":
                    values.append(f"({column} - make_interval(years => 10 + g %% 20))::date")
                elif f.get_internal_type() == "DateTimeField":
                    values.append(f"{column} - make_interval(years => 10 + g %% 20)")
                elif (model, f.name) in ((Assignment, "number"), (Manager, "email")):
                    values.append(f"'h' || g || '-' || {column}")
                else:
                    values.append(column)
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {table}, generate_series(1, %s) AS g",
                [copies],
            )
        cursor.execute("ANALYZE")


def _outline(plan: dict, depth: int = 0) -> str:
    """The plan's nodes, one a line, for the failure message."""
    keys = ("Node Type", "Relation Name", "Index Name", "Index Cond", "Filter")
    line = "  " * depth + " ".join(str(plan[k]) for k in keys if k in plan)
    return "\n".join([line, *(_outline(child, depth + 1) for child in plan.get("Plans", []))])


def unbounded_scans(plan: dict) -> list[str]:
    found = []
    relation = plan.get("Relation Name")
    if relation in LARGE:
        kind = plan["Node Type"]
        if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan):
            found.append(f"{kind} on {relation}")
    for child in plan.get("Plans", []):
        found += unbounded_scans(child)
    return found


def assert_bounded(captured):
    problems = []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in LARGE):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for scan in unbounded_scans(plan[0]["Plan"]):
                problems.append(f"{scan}: {sql[:300]}\n{_outline(plan[0]['Plan'])}")
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def answers(dataset):
    """Customer and candidate responses in the periods shown (and so in the copied history)."""
    from datetime import date

    from surveys.models import Kind
    from tests.surveys.test_results import respond

    for month in (1, 2, 3, 5, 9):
        respond(Kind.KUND, date(2026, month, 3), {"helhet": 8, "nps": 9}, assignment=dataset["a1"])
        respond(Kind.KUND, date(2025, month, 3), {"helhet": 6, "nps": 5}, assignment=dataset["a2"])
        respond(Kind.KANDIDAT, date(2026, month, 3), {"helhetsomdome": 7})


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"ar": 2026, "period": "cum1"}, {"ar": 2025, "period": "year"}, {}])
def test_the_dashboard_reads_only_its_periods(client, chef, dataset, answers, query):
    add_history()
    client.force_login(chef)
    client.get(reverse("reporting-dashboard"), query)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("reporting-dashboard"), query).status_code == 200
    assert_bounded(captured.captured_queries)


@pytest.mark.django_db
def test_the_summary_api_reads_only_its_period(client, chef, dataset, answers):
    add_history()
    client.force_login(chef)
    url = reverse("api-report-summary")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"year": 2026, "tertial": 1}).status_code == 200
    assert_bounded(captured.captured_queries)


@pytest.mark.django_db
def test_the_check_finds_a_query_over_the_whole_history(dataset):
    from assignments.models import Assignment

    add_history()
    with CaptureQueriesContext(connection) as captured:
        list(Assignment.objects.filter(price__gt=0).values_list("id", flat=True))
    with pytest.raises(AssertionError, match="Scan on assignments_assignment"):
        assert_bounded(captured.captured_queries)
