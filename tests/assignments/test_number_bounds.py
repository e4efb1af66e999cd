"""Every number the register takes in — the pages' forms, the API and the Access import — is
bounded by the column that will hold it: an odd or huge number is a Swedish message and nothing
saved, never a 500 or an exception."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assignments.exporting import EXPORT_COLUMNS
from assignments.importing import import_assignments
from assignments.models import Assignment, Budget, Package, PriceList, TimeEntry
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PriceListFactory,
    SectorFactory,
    TimeCategoryFactory,
)

ODD = [
    "1234567890123",
    "1e20",
    "1E5",
    "-1",
    "−1",
    "0,001",
    "1 234,5",
    "1\u00a0234,5",
    "1\u202f234,5",
    "12\u00a0345\u00a0678\u00a0901",
    "99999999999,999",
    "tjugo",
    "1,2,3",
    "NaN",
    "Infinity",
    "١٢",
    "",
    " ",
    "0x10",
]
# Values no number column of the register holds: these are refused wherever they are sent.
NEVER_STORED = {"1234567890123", "1e20", "-1", "−1", 1234567890123, 10**20, -1, 1e20, 2**31, 2**63}


NUMBERS = st.sampled_from(ODD) | st.text(alphabet="0123456789,. -−e\u00a0\u202fkr", max_size=18)
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ENGLISH = re.compile(r"\b(Enter|Ensure|valid|This field|number|digits|greater|less)\b")
SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(Ange|tal|heltal|Välj|ska|kan|inte|för|Se till)\b")


def assert_swedish(messages):
    assert messages, "an error without a message"
    for message in messages:
        message = str(message)
        assert SWEDISH.search(message) and not ENGLISH.search(message), message


def form_messages(response):
    form = response.context["form"]
    return [m for errors in form.errors.values() for m in errors]


@pytest.fixture
def register(db, admin_user, price_list_2026):
    SectorFactory(name="Skola")
    manager = ManagerFactory()
    return {"manager": manager, "package": price_list_2026.packages.get(code="stora")}


# --- The pages --------------------------------------------------------------------------------


def assignment_data(register, user, **numbers):
    manager = register["manager"]
    data = {
        "responsible": user.pk,
        "ordered_on": "2026-03-02",
        "organisation": manager.organisation.pk,
        "manager": manager.pk,
        "role_title": "Förskollärare",
        "level": "medarbetare",
        "package": register["package"].pk,
        "quantity": "1",
        "price": "",
        "price_reason": "",
        "extra_hours": "0",
        "status": "pagaende",
    }
    data.update(numbers)
    return data


def post_form(client, url, data, model, value):
    before = model.objects.count()
    response = client.post(url, data)
    assert response.status_code in ((200,) if value in NEVER_STORED else (200, 302)), response.status_code
    if response.status_code == 200:
        assert_swedish(form_messages(response))
        assert model.objects.count() == before
    return response


ASSIGNMENT_NUMBERS = [
    "price",
    "quantity",
    "extra_hours",
    "applicants",
    "references_checked",
    "invoiced_amount",
]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ASSIGNMENT_NUMBERS)
@FUZZ
@given(value=NUMBERS)
def test_assignment_form_numbers(client, admin_user, register, field, value):
    client.force_login(admin_user)
    data = assignment_data(register, admin_user, **{field: value}, price_reason="Avtal")
    post_form(client, reverse("assignment-create"), data, Assignment, value)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["hires", "invoiced_amount"])
@FUZZ
@given(value=NUMBERS)
def test_close_form_numbers(client, admin_user, register, field, value):
    client.force_login(admin_user)
    assignment = AssignmentFactory(package=register["package"], responsible=admin_user)
    data = {"outcome": "ej_tillsatt", "closed_on": "2026-03-10", "invoiced_on": "2026-03-10", field: value}
    response = client.post(reverse("assignment-close", args=[assignment.pk]), data)
    assert response.status_code in ((200,) if value in NEVER_STORED else (200, 302))
    assignment.refresh_from_db()
    if response.status_code == 200:
        assert_swedish(form_messages(response))
        assert not assignment.is_closed


@pytest.mark.django_db
@FUZZ
@given(value=NUMBERS)
def test_time_form_hours(client, admin_user, value):
    client.force_login(admin_user)
    data = {"date": "2026-03-03", "category": TimeCategoryFactory().pk, "hours": value, "comment": ""}
    post_form(client, reverse("time-create"), data, TimeEntry, value)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["price", "standard_hours"])
@FUZZ
@given(value=NUMBERS)
def test_package_form_numbers(client, admin_user, price_list_2026, field, value):
    client.force_login(admin_user)
    data = {"code": "ny", "name": "Nytt paket", "price": "1000", "unit": "uppdrag", "active": "on"}
    data[field] = value
    response = post_form(client, reverse("package-create", args=[2026]), data, Package, value)
    if response.status_code == 302:
        Package.objects.filter(code="ny").delete()


@pytest.mark.django_db
@FUZZ
@given(value=NUMBERS)
def test_price_list_copy_year(client, admin_user, price_list_2026, value):
    client.force_login(admin_user)
    before = PriceList.objects.count()
    response = client.post(reverse("pricelist-copy", args=[2026]), {"to_year": value}, follow=True)
    assert response.status_code == 200
    if PriceList.objects.count() == before:
        assert_swedish([str(m) for m in response.context["messages"]])
    else:
        PriceList.objects.exclude(year=2026).delete()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["ftes", "revenue", "costs", "plan"])
@FUZZ
@given(value=NUMBERS)
def test_budget_form_numbers(client, admin_user, price_list_2026, field, value):
    client.force_login(admin_user)
    package = price_list_2026.packages.get(code="stora")
    data = {"ftes": "23", "revenue": "24 000 000", "costs": "23 000 000", f"plan_{package.pk}": "10"}
    data[f"plan_{package.pk}" if field == "plan" else field] = value
    response = post_form(client, reverse("budget-detail", args=[2026]), data, Budget, value)
    if response.status_code == 302:
        Budget.objects.all().delete()


# --- The API ----------------------------------------------------------------------------------

# JSON numbers too: the API takes amounts as text and counts as integers.
API_VALUES = NUMBERS | st.sampled_from([1234567890123, 10**20, -1, 1e20, 0.001, 2**31, 2**63, True])


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_refused_in_swedish(response):
    assert response.status_code in (400, 422), (response.status_code, response.content)
    body = response.json()
    assert_swedish([m for messages in body.values() for m in messages])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["quantity", "price", "extra_hours", "applicants", "references_checked", "invoiced_amount"]
)
@FUZZ
@given(value=API_VALUES)
def test_api_assignment_numbers(admin_user, register, field, value):
    manager = register["manager"]
    data = {
        "organisation": manager.organisation.pk,
        "manager": manager.pk,
        "role_title": "Socialsekreterare",
        "ordered_on": "2026-04-02",
        "package": register["package"].pk,
        "price_reason": "Avtal",
        field: value,
    }
    before = Assignment.objects.count()
    response = api_client(admin_user).post("/api/v1/assignments/", data, format="json")
    if response.status_code == 201 and value not in NEVER_STORED:
        Assignment.objects.filter(pk=response.json()["id"]).delete()
        return
    assert_refused_in_swedish(response)
    assert Assignment.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["hires", "invoiced_amount"])
@FUZZ
@given(value=API_VALUES)
def test_api_close_numbers(admin_user, register, field, value):
    assignment = AssignmentFactory(package=register["package"], responsible=admin_user)
    data = {"outcome": "ej_tillsatt", "closed_on": "2026-03-10", "invoiced_on": "2026-03-10", field: value}
    response = api_client(admin_user).post(f"/api/v1/assignments/{assignment.pk}/close/", data, format="json")
    assignment.refresh_from_db()
    if response.status_code != 200 or value in NEVER_STORED:
        assert_refused_in_swedish(response)
        assert not assignment.is_closed


@pytest.mark.django_db
@FUZZ
@given(value=API_VALUES)
def test_api_time_hours(admin_user, value):
    data = {"date": "2026-03-03", "category": TimeCategoryFactory().pk, "hours": value}
    before = TimeEntry.objects.count()
    response = api_client(admin_user).post("/api/v1/time-entries/", data, format="json")
    if response.status_code != 201 or value in NEVER_STORED:
        assert_refused_in_swedish(response)
        assert TimeEntry.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["price", "standard_hours"])
@FUZZ
@given(value=API_VALUES)
def test_api_package_numbers(admin_user, field, value):
    price_list = PriceListFactory(year=2030)
    data = {"price_list": price_list.pk, "code": "ny", "name": "Nytt", "price": "1000", field: value}
    response = api_client(admin_user).post("/api/v1/packages/", data, format="json")
    if response.status_code != 201 or value in NEVER_STORED:
        assert_refused_in_swedish(response)
    assert Package.objects.filter(price_list=price_list).count() == (response.status_code == 201)
    price_list.packages.all().delete()
    price_list.delete()


# --- The import -------------------------------------------------------------------------------

GOOD_ROW = {
    "Uppdragsnummer": "2026-0101",
    "Beställningsdatum": "2026-03-02",
    "Kund": "Farsta stadsdelsförvaltning",
    "Beställare": "Berit Beställare",
    "Beställarens e-post": "berit@example.org",
    "Tjänst": "Förskollärare",
    "Paket": "stora",
    "Pris": "27 000",
    "Timmar tillägg": "1,5",
    "Konsult": "ADM",
    "Status": "Pågående",
    "Antal sökande": "12",
}


def import_csv(row, by):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerow([row.get(c, "") for c in EXPORT_COLUMNS])
    return import_assignments(file=io.BytesIO(buffer.getvalue().encode("utf-8")), filename="u.csv", by=by)


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["Pris", "Timmar tillägg", "Antal sökande"])
@FUZZ
@given(value=NUMBERS)
def test_import_numbers(admin_user, register, column, value):
    OrganisationFactory(name="Farsta stadsdelsförvaltning")
    result = import_csv({**GOOD_ROW, column: value}, admin_user)
    if result.errors:
        assert_swedish([e.message for e in result.errors])
        assert all(e.column == column for e in result.errors)
        assert not Assignment.objects.exists()
    else:
        assignment = Assignment.objects.get()
        field = {"Pris": "price", "Timmar tillägg": "extra_hours", "Antal sökande": "applicants"}[column]
        assert getattr(assignment, field) is None or getattr(assignment, field) >= 0
        Assignment.objects.all().delete()


@pytest.mark.django_db
def test_import_refuses_a_price_too_large_for_the_column(admin_user, register):
    result = import_csv({**GOOD_ROW, "Pris": "1 234 567 890 123"}, admin_user)
    assert [str(e) for e in result.errors] == [
        "Rad 2, kolumn Pris: ”1 234 567 890 123” är för stort; det största som kan sparas är "
        "9\u00a0999\u00a0999\u00a0999,99."
    ]
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_form_refuses_a_price_too_large_for_the_column(client, admin_user, register):
    client.force_login(admin_user)
    data = assignment_data(register, admin_user, price="1234567890123", price_reason="Avtal")
    response = client.post(reverse("assignment-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["price"] == [
        "”1234567890123” är för stort; det största som kan sparas är 9\u00a0999\u00a0999\u00a0999,99."
    ]
    assert not Assignment.objects.exists()
    assert Decimal("0") == sum(a.price for a in Assignment.objects.all())
