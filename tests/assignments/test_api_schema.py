"""Schemathesis against /api/schema/: no server errors, and every response as the schema says.

The schema is the one /api/schema/ serves (built at import, as that view builds it, because the
view needs a login; test_served_schema_is_the_one_tested compares the two). Requests go to the
app in-process (WSGI, the application gunicorn serves), the database holds a small register made
with the factories, and every operation is called with a token: thoroughly as an admin (who may
do everything) and briefly as a konsult (the 403 paths). Writes roll back with the test.

Checks: no 5xx, the status code and the Content-Type are documented, the body matches the
schema. Generation is deterministic (derandomized, no example database), so CI sees the same
requests on every run; raise MAX_EXAMPLES locally to search harder.
"""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assignments.demo import load_registers
from assignments.models import (
    Assignment,
    Manager,
    Organisation,
    Package,
    PriceList,
    Sector,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
)
from rekrytering.wsgi import application
from tests.factories import (
    AssignmentFactory,
    BudgetFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UnitFactory,
    UserFactory,
)

MAX_EXAMPLES = 25

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def served_schema() -> dict:
    """The JSON that GET /api/schema/?format=json answers (SpectacularAPIView, SERVE_PUBLIC)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


SCHEMA = served_schema()


def load_schema(*, max_examples, coverage):
    """The schema with generation settings: valid and invalid data, fixed seed, no database.

    The coverage phase adds each property's boundary values (positive only: its invalid
    variants are many and slow, and fuzzing already sends invalid data).
    """
    config = schemathesis.Config.from_dict(
        {
            "seed": 20260523,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "coverage": {"enabled": coverage, "generation": {"mode": "positive"}},
                "stateful": {"enabled": False},
            },
            # PUT takes the body POST takes: its boundary values are covered there.
            "operations": [{"include-method": "PUT", "phases": {"coverage": {"enabled": False}}}],
        }
    )
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(SCHEMA), config=config)
    loaded.app = application  # as from_wsgi() does: requests go to the WSGI app in-process
    return loaded


admin_schema = load_schema(max_examples=MAX_EXAMPLES, coverage=True)
konsult_schema = load_schema(max_examples=max(MAX_EXAMPLES // 3, 5), coverage=False)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler's request signals would close the test's connection, and its transaction.

    Django's test client does the same (django.test.client.ClientHandler).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def register(db, settings):
    """Two years of price lists, organisations of each kind, open and closed assignments, hours."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = UnitFactory(name="Enhet 1")
    admin = UserFactory(username="admin", role=User.Role.ADMIN, initials="ADM")
    konsult = UserFactory(username="konsult", role=User.Role.KONSULT, unit=unit, initials="KON")
    other = UserFactory(username="konsult2", role=User.Role.KONSULT, unit=UnitFactory(name="Enhet 2"))
    UserFactory(username="chef", role=User.Role.CHEF, unit=unit)
    UserFactory(username="slutat", is_active=False)
    for year in (2025, 2026):
        price_list = PriceListFactory(year=year)
        PackageFactory(price_list=price_list)
        PackageFactory(price_list=price_list, code="chef", name="Chefspaket", price=35000)
        PackageFactory(price_list=price_list, code="gammal", name="Gammalt paket", active=False)
    organisations = [OrganisationFactory(kind=kind) for kind in Organisation.Kind.values]
    OrganisationFactory(active=False)
    managers = [ManagerFactory(organisation=organisation) for organisation in organisations]
    sector = SectorFactory()
    SectorFactory(name="Nedlagd", active=False)
    category = TimeCategoryFactory()
    stora = Package.objects.get(price_list__year=2026, code="stora")
    open_ones = [
        AssignmentFactory(
            organisation=manager.organisation,
            manager=manager,
            package=stora,
            sector=sector,
            responsible=responsible,
            colleagues=colleagues,
        )
        for manager, responsible, colleagues in (
            (managers[0], konsult, []),
            (managers[1], other, [konsult]),
            (managers[2], admin, []),
        )
    ]
    closed = [
        AssignmentFactory(
            package=stora,
            responsible=konsult,
            status=Assignment.Status.AVSLUTAD,
            outcome=outcome,
            closed_on=date(2026, 5, 4),
            hires=1 if outcome == Assignment.Outcome.TILLSATT else 0,
            candidate_start=date(2026, 8, 1) if outcome == Assignment.Outcome.TILLSATT else None,
        )
        for outcome in (Assignment.Outcome.TILLSATT, Assignment.Outcome.EJ_TILLSATT)
    ]
    for assignment in open_ones + closed:
        TimeEntryFactory(user=assignment.responsible, assignment=assignment)
    TimeEntryFactory(user=konsult, assignment=None, category=category, hours=Decimal("1"))
    BudgetFactory()
    return {"admin": admin, "konsult": konsult}


# Generated integers in these places are moved onto rows that exist (four in five), so that
# detail URLs, filters and references reach real data instead of only 404 and "finns inte".
PATH_MODELS = {
    "assignments": Assignment,
    "managers": Manager,
    "organisations": Organisation,
    "packages": Package,
    "time-entries": TimeEntry,
}
FIELD_MODELS = {
    "organisation": Organisation,
    "manager": Manager,
    "package": Package,
    "price_list": PriceList,
    "responsible": User,
    "colleagues": User,
    "consultant": User,
    "user": User,
    "redo_of": Assignment,
    "assignment": Assignment,
    "sector": Sector,
    "category": TimeCategory,
    "unit": Unit,
}


def existing(model, value):
    """The id of a row for most generated integers (also as text, as in a query); anything else as is."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return str(existing(model, int(value)))
    if not isinstance(value, int) or isinstance(value, bool) or value % 5 == 4:
        return value
    ids = sorted(model.objects.values_list("pk", flat=True))
    return ids[value % len(ids)] if ids else value


def point_at_rows(case):
    if "id" in (case.path_parameters or {}):
        model = PATH_MODELS[case.path.split("/")[3]]
        case.path_parameters["id"] = existing(model, case.path_parameters["id"])
    for container in (case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name, model in FIELD_MODELS.items():
            value = container.get(name)
            if isinstance(value, list):
                container[name] = [existing(model, item) for item in value]
            elif value is not None:
                container[name] = existing(model, value)


def call(case, user):
    token, _created = Token.objects.get_or_create(user=user)
    point_at_rows(case)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)


# The register fixture is made once per operation and kept across its examples. Hypothesis's
# health checks judge the data generation, not the API, and only make a slow CI runner flaky.
SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))


@admin_schema.parametrize()
@SETTINGS
def test_api_as_admin(case, register):
    call(case, register["admin"])


@konsult_schema.parametrize()
@SETTINGS
def test_api_as_konsult(case, register):
    call(case, register["konsult"])


@pytest.mark.django_db
def test_served_schema_is_the_one_tested():
    api = APIClient()
    api.force_authenticate(UserFactory(role=User.Role.KONSULT, password=None))
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == SCHEMA


@pytest.mark.django_db
def test_seeded_registers_match_schema(settings):
    """The registers a new installation starts from (load_registers) read back as the schema says."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_registers(stdout=lambda *args: None)
    token = Token.objects.create(user=UserFactory(username="admin", role=User.Role.ADMIN))
    for path in ("/api/v1/organisations/", "/api/v1/packages/"):
        page = 1
        while page:
            case = admin_schema[path]["GET"].Case(query={"page": page})
            response = case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)
            page = page + 1 if response.json()["next"] else None
