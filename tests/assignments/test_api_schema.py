"""Schemathesis against /api/schema/ with all its checks, valid and invalid data, as admin and konsult.

The schema is the one /api/schema/ serves (built at import, as that view builds it, because the
view needs a login; test_served_schema_is_the_one_tested compares the two). Requests go to the
app in-process (WSGI, the application gunicorn serves), the database holds a small register made
with the factories, and every operation is called with a token: thoroughly as an admin (who may
do everything) and more briefly as a konsult (the 403 paths); then chains of calls that follow the
links schemathesis infers (create, read, change, delete) run as the admin. Every example, and every
scenario of those chains, starts from the same register: its writes, and the ids it took, are undone
when it ends (same_register), so a replay by Hypothesis meets the data the first run met.

Every check schemathesis has runs (no 5xx; status codes, content types, headers and bodies as
documented; invalid data refused, valid data accepted; 405 with Allow for other methods; 401
without a token), on data made in every mode (valid, invalid) and phase (coverage: each value's
boundaries and each invalid variant; fuzzing; stateful). The rules the checks judge by are in
schemathesis.toml, which the CLI reads too. Generation is deterministic (fixed seed, derandomized,
no example database), so CI sees the same requests on every run; raise MAX_EXAMPLES locally to
search harder.
"""

import copy
import json
import tomllib
from contextlib import ExitStack, contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management.color import no_style
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assignments.api.fields import MAX_ID
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
from rekrytering import gunicorn
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

MAX_EXAMPLES = 15
SEED = 20260523
RULES = tomllib.loads((Path(django_settings.BASE_DIR) / "schemathesis.toml").read_text(encoding="utf-8"))


def served_schema() -> dict:
    """The JSON that GET /api/schema/?format=json answers (SpectacularAPIView, SERVE_PUBLIC)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


SCHEMA = served_schema()


def load_schema(*, max_examples, coverage=False, stateful=False):
    """The schema with schemathesis.toml's rules and this test's generation: fixed seed, no database."""
    config = copy.deepcopy(RULES)
    config["seed"] = SEED
    config["generation"].update({"max-examples": max_examples, "deterministic": True, "database": "none"})
    config["phases"] = {
        "coverage": {"enabled": coverage},
        "stateful": {"enabled": stateful, "max-steps": 6},
    }
    loaded = schemathesis.openapi.from_dict(
        copy.deepcopy(SCHEMA), config=schemathesis.Config.from_dict(config)
    )
    loaded.app = application  # as from_wsgi() does: requests go to the WSGI app in-process
    return loaded


admin_schema = load_schema(max_examples=MAX_EXAMPLES, coverage=True)
konsult_schema = load_schema(max_examples=max(MAX_EXAMPLES // 3, 5))
workflow_schema = load_schema(max_examples=MAX_EXAMPLES, stateful=True)


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
    """The id of a row for most generated ids (also as text, as in a query); anything else as is.

    Only values the schema allows for an id (1 to MAX_ID) are moved: one outside is the invalid
    data of a negative case, and must reach the API as generated.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return str(existing(model, int(value)))
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID or value % 5 == 4:
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


def auth(user) -> dict:
    token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def managed_models():
    """The models with a table of our own: an unmanaged one (django-tomselect's EmptyModel) has none,
    and resetting its sequence aborted the transaction (every later call in the test then failed)."""
    return [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]


@contextmanager
def same_register():
    """Everything written inside is undone on the way out: the rows and the next ids.

    Each example, and each scenario of the state machine, runs inside one. Hypothesis replays an
    example (to shrink it, or to explore around it) expecting the same calls to get the same
    answers. In a scenario the rules it may choose next depend on those answers (links are
    followed from 2xx responses): a package, manager or organisation left behind by one scenario
    made the next scenario's same POST a 422 ("finns redan") instead of a 201, so the replay had
    other rules to choose from, and Hypothesis stopped with FlakyStrategyDefinition instead of
    reporting the failure it was replaying (or passed, depending on which examples came first).
    """
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        # PostgreSQL's sequences are not rolled back with the rows (SQLite's are): each scenario
        # hands out the same ids, as a generated id must find the same row (or none) on replay.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), managed_models()):
                cursor.execute(statement)


def call(case, user):
    headers = auth(user)
    with same_register():  # each example starts from the register, as Hypothesis's replays expect
        point_at_rows(case)
        case.call_and_validate(headers=headers)  # every check the configuration enables


# The register fixture is made once per operation; each example starts from it. Hypothesis's
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


def test_api_workflows_as_admin(register):
    """Chains of calls along the inferred links: what one call creates, the next reads or changes.

    Each scenario starts from the register as the fixture made it (same_register).
    """
    headers = auth(register["admin"])

    class Workflow(workflow_schema.as_state_machine()):
        def setup(self):
            self.register_state = ExitStack()
            self.register_state.enter_context(same_register())

        def teardown(self):
            self.register_state.close()

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # The token is the caller's, not generated: ignored_auth then probes without it. The
            # recorder lets the checks that look back along the chain run (a deleted row that still
            # answers 200: use_after_free; a created one that answers 404: ensure_resource_availability).
            case.validate_response(response, headers=headers, transport_kwargs=kwargs, recorder=self.recorder)

    Workflow.run(
        settings=settings(
            SETTINGS,
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
            derandomize=True,
            database=None,
        )
    )


def test_each_workflow_scenario_starts_from_the_same_register(register):
    """What one scenario creates is gone for the next, its id included: the same call gets the
    same answer (here a new package: 201 with the same id both times, not 201 and then 422).

    The workflow test failed on this: a scenario replayed after an earlier one had left its package
    behind got a 422 where it had got a 201, and so had other rules to choose from (Hypothesis's
    FlakyStrategyDefinition, which hid whatever the replay was for).
    """
    price_list = PriceList.objects.get(year=2026)
    packages_before = Package.objects.count()
    body = {"price_list": price_list.pk, "code": "nytt", "name": "Nytt paket", "price": "100.00"}
    answers = []
    for _scenario in range(2):
        with same_register():
            case = workflow_schema["/api/v1/packages/"]["POST"].Case(body=body)
            response = case.call_and_validate(headers=auth(register["admin"]))
            answers.append((response.status_code, response.json().get("id")))
    assert answers[0][0] == 201
    assert answers[1] == answers[0]
    assert Package.objects.count() == packages_before
    assert not Package.objects.filter(code="nytt").exists()


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
    headers = auth(UserFactory(username="admin", role=User.Role.ADMIN))
    for path in ("/api/v1/organisations/", "/api/v1/packages/"):
        page = 1
        while page:
            case = admin_schema[path]["GET"].Case(query={"page": page})
            response = case.call_and_validate(headers=headers)
            page = page + 1 if response.json()["next"] else None


def longest_value(schema: dict) -> str:
    """The longest text a query parameter's schema allows, before percent-encoding."""
    if "maxLength" in schema:
        return "\U0001f600" * schema["maxLength"]  # four bytes in UTF-8
    if "enum" in schema:
        return max((str(value) for value in schema["enum"]), key=len)
    if schema["type"] == "integer":
        return max(str(schema["minimum"]), str(schema["maximum"]), key=len)
    if schema["type"] == "boolean":
        return "false"
    assert schema == {"type": "string", "format": "date"}, schema
    return "9999-12-31"


def test_longest_valid_address_fits_gunicorn():
    """No request the schema allows is refused by gunicorn's 414 before the API answers it.

    Every text parameter has a maxLength (the filters enforce it with a 400), and every parameter
    at its longest, percent-encoded, fits gunicorn's request line.
    """
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            query = "&".join(
                f"{parameter['name']}={quote(longest_value(parameter['schema']))}"
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query"
            )
            url = path.replace("{id}", str(2**63 - 1)) + "?" + query
            request_line = f"{method.upper()} {url} HTTP/1.1"
            assert len(request_line.encode()) <= gunicorn.limit_request_line, (method, path)
