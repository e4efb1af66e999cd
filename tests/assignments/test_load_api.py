"""GET /api/v1/load/: values, roles, the 400 for a bad `weeks`, and the schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from freezegun import freeze_time
from rest_framework.test import APIClient

from assignments.models import User
from assignments.selectors import LOAD_WEEKS_MESSAGE
from tests.assignments.load_register import load_register
from tests.factories import AssignmentFactory, UserFactory

URL = "/api/v1/load/"


@pytest.fixture
def register(db):
    return load_register()


def _get(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    with freeze_time("2026-03-04 10:00"):
        return client.get(URL, params)


def week(payload, username):
    row = next(c for c in payload["consultants"] if c["username"] == username)
    return row


@pytest.mark.django_db
def test_a_head_gets_every_consultant_with_the_hand_computed_hours(register):
    head = UserFactory(username="head", role=User.Role.CHEF)
    response = _get(head, weeks=8)
    assert response.status_code == 200
    payload = response.json()
    assert [c["username"] for c in payload["consultants"]] == ["a", "b", "c"]
    b = week(payload, "b")
    assert (b["weekly_hours"], b["assignment_share"]) == ("30.00", "50.00")
    assert b["weeks"][0] == {
        "year": 2026,
        "week": 10,
        "monday": "2026-03-02",
        "capacity": "11.00",
        "planned": "4.00",
        "free": "7.00",
    }
    assert len(b["weeks"]) == 8
    a = week(payload, "a")
    assert [w["planned"] for w in a["weeks"]] == ["7.43"] * 7 + ["4.00"]
    assert payload["totals"][0] == {
        "year": 2026,
        "week": 10,
        "monday": "2026-03-02",
        "capacity": "67.00",
        "planned": "14.99",
        "free": "52.01",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [User.Role.SAMORDNARE, User.Role.ADMIN])
def test_samordnare_and_admin_see_everyone(register, role):
    user = UserFactory(username=f"u-{role}", role=role)
    usernames = {c["username"] for c in _get(user).json()["consultants"]}
    assert {"a", "b", "c"} <= usernames


@pytest.mark.django_db
def test_a_konsult_gets_only_their_own_row_and_the_totals(register):
    payload = _get(register["a"], weeks=2).json()
    assert [c["username"] for c in payload["consultants"]] == ["a"]
    assert [w["planned"] for w in payload["consultants"][0]["weeks"]] == ["7.43", "7.43"]
    assert [t["capacity"] for t in payload["totals"]] == ["67.00", "71.00"]
    text = str(payload)
    assert "Bert" not in text and "Cilla" not in text


@pytest.mark.django_db
def test_weeks_defaults_to_eight(register):
    payload = _get(register["a"]).json()
    assert len(payload["totals"]) == 8


@pytest.mark.django_db
@pytest.mark.parametrize("weeks", ["0", "27", "abc", "8.5", "-1", " 8", ""])
def test_a_bad_weeks_is_a_400_in_swedish(register, weeks):
    response = _get(register["a"], weeks=weeks)
    if weeks == "":
        # An empty optional parameter does not filter (schema: allowEmptyValue): the default.
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json() == {"weeks": [LOAD_WEEKS_MESSAGE]}
    assert "från 1 till 26" in LOAD_WEEKS_MESSAGE


@pytest.mark.django_db
def test_anonymous_gets_401():
    assert APIClient().get(URL).status_code == 401


@pytest.mark.django_db
def test_query_count_is_the_same_for_more_assignments(register):
    head = UserFactory(username="head", role=User.Role.CHEF)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert _get(head).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for _i in range(10):
        AssignmentFactory(responsible=register["a"], colleagues=[register["b"]])
    assert count() == before


def test_the_schema_documents_the_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/load/"]["get"]
    assert set(operation["responses"]) == {"200", "400", "401"}
    (weeks,) = operation["parameters"]
    assert weeks["name"] == "weeks" and weeks["in"] == "query" and not weeks.get("required")
    assert (weeks["schema"]["minimum"], weeks["schema"]["maximum"]) == (1, 26)
    assert "Beläggning" in operation["description"]
    load = schema["components"]["schemas"]["Load"]
    assert set(load["properties"]) == {"consultants", "totals"}
    cell = schema["components"]["schemas"]["LoadWeek"]
    assert set(cell["properties"]) == {"year", "week", "monday", "capacity", "planned", "free"}
    consultant = schema["components"]["schemas"]["ConsultantLoad"]
    expected = {"id", "username", "name", "weekly_hours", "assignment_share", "weeks"}
    assert expected <= set(consultant["properties"])
