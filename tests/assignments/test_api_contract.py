"""The API keeps to its schema: one small test for each misfit schemathesis found (issue 11).

test_api_schema.py searches; these pin what it found, so a regression names itself.
"""

import re
from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from assignments.api import fields
from assignments.api.serializers import HOURS_PATTERN, ManagerSerializer, TimeEntrySerializer
from assignments.models import Organisation, User
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    UserFactory,
)

ORGANISATIONS = "/api/v1/organisations/"


@pytest.fixture
def api(db):
    client = APIClient()
    client.force_authenticate(UserFactory(role=User.Role.ADMIN))
    return client


# Query parameters


def test_yes_no_parameter_is_true_or_false(api):
    OrganisationFactory(active=True)
    OrganisationFactory(active=False)
    for text in ("null", "1", "True", "ja"):
        response = api.get(ORGANISATIONS, {"active": text})
        assert response.status_code == 400 and response.data == {"active": ["Ange true eller false."]}, text
    assert api.get(ORGANISATIONS, {"active": "false"}).data["count"] == 1
    assert api.get("/api/v1/packages/", {"active": "null"}).status_code == 400


def test_id_that_names_no_row_finds_nothing(api):
    """Not a 400: the id is a valid one, there is just no such organisation."""
    ManagerFactory()
    response = api.get("/api/v1/managers/", {"organisation": 999999})
    assert response.status_code == 200 and response.data["count"] == 0
    response = api.get("/api/v1/assignments/", {"consultant": 999999, "unit": 999999})
    assert response.status_code == 200 and response.data["count"] == 0
    for outside in ("0", str(2**63), "1.0", " 1", "\u0661"):  # U+0661 ARABIC-INDIC DIGIT ONE
        assert api.get("/api/v1/managers/", {"organisation": outside}).status_code == 400, outside


def test_empty_parameter_is_no_filter(api):
    """The schema says allowEmptyValue: `?ordered_before=` is no date, not an invalid one."""
    AssignmentFactory()
    for name in ("ordered_before", "year", "organisation", "status"):
        response = api.get("/api/v1/assignments/", {name: ""})
        assert response.status_code == 200 and response.data["count"] == 1, name
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/assignments/"]["get"]["parameters"]
    assert all(parameter["allowEmptyValue"] for parameter in parameters)


def test_text_parameters_have_a_length_limit(api):
    assert api.get(ORGANISATIONS, {"search": "x" * 200}).status_code == 200
    response = api.get(ORGANISATIONS, {"search": "x" * 201})
    assert response.status_code == 400 and response.data == {"search": ["Ange högst 200 tecken."]}
    response = api.get(ORGANISATIONS, {"ordering": "name," * 25})
    assert response.status_code == 400 and "ordering" in response.data
    assert api.get("/api/v1/assignments/", {"package": "x" * 41}).status_code == 400


def test_page_is_a_whole_number(api):
    assert api.get(ORGANISATIONS, {"page": "1"}).status_code == 200
    for text in ("last", " 1", "1.0"):
        response = api.get(ORGANISATIONS, {"page": text})
        assert response.status_code == 404 and response.data == {"detail": "Ogiltig sida."}, text


def test_path_id_is_a_whole_number(api):
    organisation = OrganisationFactory()
    assert api.get(f"{ORGANISATIONS}{organisation.pk}/").status_code == 200
    for path in (f"{organisation.pk}.0/", "%0A%5D/", f"{organisation.pk}%0A/"):  # %0A: a newline
        response = api.patch(f"{ORGANISATIONS}{path}", {"active": False})
        assert response.status_code == 404 and response["Content-Type"] == "application/json", path


def test_summary_year_is_a_whole_number(api):
    response = api.get("/api/v1/reports/summary/", {"year": "2026.0", "tertial": 1})
    assert response.status_code == 400 and "heltal" in str(response.data["year"])


# Content types


def test_form_bodies_are_415_in_swedish(api):
    """JSON only: a form cannot say null, an empty list or "left out" (multipart sent "null")."""
    for form in ("multipart", None):
        body = {"name": "Ny", "kind": "sdf"}
        response = (
            api.post(ORGANISATIONS, body, format=form)
            if form
            else api.post(ORGANISATIONS, "name=Ny&kind=sdf", content_type="application/x-www-form-urlencoded")
        )
        assert response.status_code == 415 and "stöds inte" in response.data["detail"]
    assert api.post(ORGANISATIONS, {"name": "Ny", "kind": "sdf"}).status_code == 201


def test_answer_is_json_whatever_accept_says(api):
    """No 406 and no browsable HTML page: the one format the schema documents."""
    for accept in ("text/html", "application/xml", "*/*"):
        response = api.get(ORGANISATIONS, HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"] == "application/json", accept


def test_unreadable_json_is_400_in_swedish(api):
    response = api.post(ORGANISATIONS, "{", content_type="application/json")
    assert response.status_code == 400 and "inte giltig JSON" in response.data["detail"]


# Bodies: each value in its JSON type


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"name": 0, "kind": "sdf"}, "name", "Ange en text."),
        ({"name": "Ny", "kind": "sdf", "active": 0}, "active", "Ange true eller false."),
        ({"name": "Ny", "kind": "sdf", "active": "true"}, "active", "Ange true eller false."),
        ({"name": "   ", "kind": "sdf"}, "name", "Det här fältet får inte vara blankt."),
        (
            {"name": "Ny" + " " * 199, "kind": "sdf"},
            "name",
            "Se till att detta fält inte har fler än 200 tecken.",
        ),
    ],
)
def test_body_values_are_not_coerced(api, body, field, message):
    response = api.post(ORGANISATIONS, body)
    assert response.status_code == 400 and response.data[field] == [message]
    assert not Organisation.objects.exists()


def test_ids_and_amounts_in_their_json_types(api):
    organisation = OrganisationFactory()
    response = api.post(
        "/api/v1/managers/", {"name": "Ny", "email": "ny@example.org", "organisation": str(organisation.pk)}
    )
    assert response.status_code == 400 and response.data["organisation"] == [
        "Ange id:t som ett heltal från 1."
    ]
    price_list = PriceListFactory(year=2026)
    package = {"price_list": price_list.pk, "code": "ny", "name": "Nytt", "price": "100"}
    for price in (100, "-1", "1e3", " 100", "100.", "0100", "", "100.001"):
        response = api.post("/api/v1/packages/", {**package, "price": price})
        assert response.status_code == 400 and "som en text" in str(response.data["price"]), price
    response = api.post("/api/v1/packages/", {**package, "standard_hours": ""})
    assert response.status_code == 400 and "standard_hours" in response.data  # not taken for null
    response = api.post("/api/v1/packages/", {**package, "standard_hours": None})
    assert response.status_code == 201 and response.data["standard_hours"] is None


def test_hours_outside_their_range_are_400(api):
    assignment = AssignmentFactory(package=PackageFactory())
    for hours in ("0.2", "24.01", "", 2):
        response = api.post(
            "/api/v1/time-entries/", {"date": "2026-04-03", "hours": hours, "assignment": assignment.pk}
        )
        assert response.status_code == 400 and 'från "0.25" till "24"' in str(response.data["hours"]), hours


# The patterns the schema publishes are the ones the code applies


def test_decimal_pattern_is_what_the_field_accepts():
    field = fields.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0.01"))
    for text in ("0", "0.00", "0.001", "00.5", ".5", "123456", "+1", "1_0", "\u0661"):
        assert not re.fullmatch(field.pattern, text), text
    for text in ("0.01", "0.1", "1", "12345.67"):
        assert re.fullmatch(field.pattern, text) and field.run_validation(text) > 0, text
    hours = TimeEntrySerializer().fields["hours"]
    assert hours.pattern == HOURS_PATTERN
    for cents in range(0, 2600):
        text = f"{cents // 100}.{cents % 100:02d}"
        assert bool(re.fullmatch(HOURS_PATTERN, text)) == (25 <= cents <= 2400), text


def test_text_pattern_matches_what_drf_trims():
    """A required text matches NON_BLANK_TEXT_PATTERN exactly when DRF does not find it blank."""
    name = ManagerSerializer().fields["name"]
    for code_point in list(range(0x3001)) + [0xFEFF]:
        text = chr(code_point)
        valid = bool(re.fullmatch(fields.NON_BLANK_TEXT_PATTERN, text))
        try:
            name.run_validation(text)
            accepted = True
        except ValidationError:
            accepted = False
        assert valid == accepted, hex(code_point)


def test_components_describe_the_serializer_not_the_mixin(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    descriptions = {
        component.get("description", "") for component in schema["components"]["schemas"].values()
    }
    assert not any("Swedish error messages" in description for description in descriptions)
