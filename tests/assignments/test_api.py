"""The register API (/api/v1/): permissions per role, authentication, validation, filters, queries, schema."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q
from django.http import HttpRequest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assignments.models import Assignment, Manager, Package, TimeEntry
from tests.factories import (
    AssignmentFactory,
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

ASSIGNMENTS = "/api/v1/assignments/"
TIME = "/api/v1/time-entries/"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def new_assignment(price_list, **extra):
    manager = ManagerFactory()
    data = {
        "organisation": manager.organisation.pk,
        "manager": manager.pk,
        "role_title": "Socialsekreterare",
        "level": "medarbetare",
        "ordered_on": "2026-04-02",
        "package": price_list.packages.get(code="stora").pk,
    }
    data.update(extra)
    return data


def close_url(assignment_id):
    return f"{ASSIGNMENTS}{assignment_id}/close/"


@pytest.fixture
def stora(price_list_2026):
    return price_list_2026.packages.get(code="stora")


# Authentication


@pytest.mark.django_db
def test_anonymous_refused(api, stora):
    a = AssignmentFactory(package=stora)
    for url in (
        ASSIGNMENTS,
        f"{ASSIGNMENTS}{a.pk}/",
        "/api/v1/organisations/",
        "/api/v1/managers/",
        "/api/v1/packages/",
        TIME,
    ):
        assert api.get(url).status_code == 401, url
    assert api.post(ASSIGNMENTS, new_assignment(stora.price_list), format="json").status_code == 401
    assert api.post(close_url(a.pk), {"outcome": "avbruten", "closed_on": "2026-05-01"}).status_code == 401
    assert Assignment.objects.get().status == "pagaende"


@pytest.mark.django_db
def test_token_authentication(api, konsult, price_list_2026):
    token = Token.objects.create(user=konsult)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(ASSIGNMENTS).status_code == 200
    # Token clients write without a CSRF token.
    response = api.post(ASSIGNMENTS, new_assignment(price_list_2026), format="json")
    assert response.status_code == 201 and response.data["responsible"] == konsult.pk
    api.credentials(HTTP_AUTHORIZATION="Token fel")
    assert api.get(ASSIGNMENTS).status_code == 401


@pytest.mark.django_db
def test_session_authentication_needs_csrf_for_writes(konsult, price_list_2026):
    api = APIClient(enforce_csrf_checks=True)
    # django-axes checks every authentication against its request, so the test login gives one.
    assert api.login(request=HttpRequest(), username="konsult", password="demo")
    assert api.get(ASSIGNMENTS).status_code == 200
    assert api.post(ASSIGNMENTS, new_assignment(price_list_2026), format="json").status_code == 403
    assert not Assignment.objects.exists()


# Assignments per role


@pytest.mark.django_db
def test_konsult_creates_with_list_price_and_edits_own_only(api, konsult, konsult2, price_list_2026):
    as_user(api, konsult)
    response = api.post(ASSIGNMENTS, new_assignment(price_list_2026), format="json")
    assert response.status_code == 201, response.data
    body = response.data
    assert body["number"] == "2026-0001" and body["price"] == "27000.00"
    assert body["responsible"] == konsult.pk and body["responsible_username"] == "konsult"
    assert body["package_code"] == "stora" and body["status"] == "forfragan"
    assert "candidate_email" not in body and "candidate_name" not in body
    pk = body["id"]
    response = api.patch(
        f"{ASSIGNMENTS}{pk}/", {"role_title": "Ny titel", "status": "pagaende"}, format="json"
    )
    assert response.status_code == 200 and response.data["status"] == "pagaende"

    as_user(api, konsult2)
    assert api.get(f"{ASSIGNMENTS}{pk}/").status_code == 200
    assert api.patch(f"{ASSIGNMENTS}{pk}/", {"role_title": "Kapad"}, format="json").status_code == 403
    full = api.get(f"{ASSIGNMENTS}{pk}/").data
    assert api.put(f"{ASSIGNMENTS}{pk}/", full, format="json").status_code == 403
    closing = {"outcome": "avbruten", "closed_on": "2026-05-01"}
    assert api.post(close_url(pk), closing, format="json").status_code == 403
    assert api.delete(f"{ASSIGNMENTS}{pk}/").status_code == 405
    # A konsult cannot register an assignment for someone else alone ...
    response = api.post(ASSIGNMENTS, new_assignment(price_list_2026, responsible=konsult.pk), format="json")
    assert response.status_code == 403 and "själv" in str(response.data["detail"])
    # ... but may when they work in it as a colleague.
    response = api.post(
        ASSIGNMENTS,
        new_assignment(price_list_2026, responsible=konsult.pk, colleagues=[konsult2.pk]),
        format="json",
    )
    assert response.status_code == 201 and response.data["colleagues"] == [konsult2.pk]
    assert Assignment.objects.get(pk=pk).role_title == "Ny titel"

    # A colleague edits and closes.
    as_user(api, konsult2)
    other = response.data["id"]
    assert api.patch(f"{ASSIGNMENTS}{other}/", {"applicants": 40}, format="json").status_code == 200
    as_user(api, konsult)
    response = api.post(close_url(pk), closing, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "avslutad" and response.data["outcome"] == "avbruten"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["samordnare", "chef", "admin_user"])
def test_heads_and_coordinators_edit_and_close_all(api, role, request, konsult, konsult2, stora):
    a = AssignmentFactory(responsible=konsult, package=stora)
    as_user(api, request.getfixturevalue(role))
    response = api.patch(
        f"{ASSIGNMENTS}{a.pk}/", {"applicants": 12, "colleagues": [konsult2.pk]}, format="json"
    )
    assert response.status_code == 200 and response.data["colleagues"] == [konsult2.pk]
    response = api.post(
        close_url(a.pk),
        {
            "outcome": "tillsatt",
            "closed_on": "2026-05-01",
            "candidate_start": "2026-08-01",
            "candidate_email": "kandidat@example.org",
        },
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "avslutad" and response.data["outcome"] == "tillsatt"
    assert response.data["hires"] == 1 and "kandidat@example.org" not in str(response.data)
    a.refresh_from_db()
    assert a.candidate_email == "kandidat@example.org" and a.applicants == 12
    # They register for anyone.
    response = api.post(ASSIGNMENTS, new_assignment(stora.price_list, responsible=konsult.pk), format="json")
    assert response.status_code == 201


@pytest.mark.django_db
def test_closed_assignment_round_trip(api, konsult, stora):
    """A client may PUT back what it read; closing twice or reopening is refused."""
    a = AssignmentFactory(responsible=konsult, package=stora)
    as_user(api, konsult)
    assert api.post(close_url(a.pk), {"outcome": "ej_tillsatt", "closed_on": "2026-06-01"}).status_code == 200
    body = api.get(f"{ASSIGNMENTS}{a.pk}/").data
    body["notes"] = "Ingen lämplig sökande."
    response = api.put(f"{ASSIGNMENTS}{a.pk}/", body, format="json")
    assert response.status_code == 200 and response.data["outcome"] == "ej_tillsatt"
    response = api.patch(f"{ASSIGNMENTS}{a.pk}/", {"status": "pagaende"}, format="json")
    assert response.status_code == 422 and "öppnas" in str(response.data["status"])
    response = api.post(close_url(a.pk), {"outcome": "avbruten", "closed_on": "2026-06-02"})
    assert response.status_code == 422 and "redan avslutat" in str(response.data["non_field_errors"])
    # An omtag of it may now be registered.
    response = api.post(ASSIGNMENTS, new_assignment(stora.price_list, redo_of=a.pk), format="json")
    assert response.status_code == 201 and response.data["redo_of"] == a.pk


@pytest.mark.django_db
def test_price_follows_package_unless_agreed_apart(api, konsult, price_list_2026, stora):
    chefspaket = price_list_2026.packages.get(code="chef")
    as_user(api, konsult)
    pk = api.post(ASSIGNMENTS, new_assignment(price_list_2026), format="json").data["id"]
    response = api.patch(f"{ASSIGNMENTS}{pk}/", {"package": chefspaket.pk}, format="json")
    assert response.status_code == 200 and response.data["price"] == "35000.00"
    response = api.patch(f"{ASSIGNMENTS}{pk}/", {"price": "30000", "price_reason": "Ramavtal"}, format="json")
    assert response.status_code == 200
    response = api.patch(f"{ASSIGNMENTS}{pk}/", {"package": stora.pk}, format="json")
    assert response.status_code == 200 and response.data["price"] == "30000.00"
    hourly = price_list_2026.packages.get(code="ovrig")
    response = api.post(
        ASSIGNMENTS, new_assignment(price_list_2026, package=hourly.pk, quantity="12.5"), format="json"
    )
    assert response.status_code == 201 and Decimal(response.data["price"]) == Decimal("11875")


# Validation, never 500: 400 for a request the schema does not allow, 422 for one it allows that a
# rule of the register refuses; both with the field and a Swedish message.


@pytest.mark.django_db
def test_invalid_requests_are_400_in_swedish(api, konsult, price_list_2026):
    as_user(api, konsult)

    def post(**extra):
        return api.post(ASSIGNMENTS, new_assignment(price_list_2026, **extra), format="json")

    response = post(ordered_on="igår")
    assert response.status_code == 400 and "Datumet har fel format" in str(response.data["ordered_on"])
    response = post(ordered_on="2026-02-30")
    assert response.status_code == 400 and "ordered_on" in response.data
    response = post(extra_hours="-3")
    assert response.status_code == 400 and "inte vara negativt" in str(response.data["extra_hours"])
    response = post(quantity="abc")
    assert response.status_code == 400 and "som en text" in str(response.data["quantity"])
    response = post(personal_letter="kanske")
    assert response.status_code == 400 and "true eller false" in str(response.data["personal_letter"])
    a = AssignmentFactory(responsible=konsult, package=price_list_2026.packages.get(code="stora"))
    response = api.post(close_url(a.pk), {"outcome": "kanske", "closed_on": "2026-05-01"}, format="json")
    assert response.status_code == 400 and "giltigt val" in str(response.data["outcome"])
    assert Assignment.objects.count() == 1


@pytest.mark.django_db
def test_rule_violations_are_422_in_swedish(api, konsult, konsult2, price_list_2026, stora):
    as_user(api, konsult)

    def post(**extra):
        return api.post(ASSIGNMENTS, new_assignment(price_list_2026, **extra), format="json")

    wrong_year = PackageFactory(price_list=PriceListFactory(year=2025))
    response = post(package=wrong_year.pk)
    assert response.status_code == 422 and "beställningsåret 2026" in str(response.data["package"])
    response = post(price="100")
    assert response.status_code == 422 and "Ange skäl" in str(response.data["price_reason"])
    response = post(organisation=99999)
    assert response.status_code == 422 and "finns inte" in str(response.data["organisation"])
    for far_off in ("0001-01-01", "9999-12-31"):  # valid dates, and no price list for their year
        response = post(ordered_on=far_off)
        assert response.status_code == 422 and "beställningsåret" in str(response.data["package"])
    response = post(started_on="2026-01-01")
    assert response.status_code == 422 and "före beställningsdatum" in str(response.data["started_on"])
    response = post(status="avslutad")
    assert response.status_code == 422 and "close" in str(response.data["status"])
    response = post(manager=ManagerFactory().pk)
    assert response.status_code == 422 and "annan organisation" in str(response.data["manager"])
    response = post(colleagues=[konsult.pk])
    assert response.status_code == 422 and "ansvariga" in str(response.data["colleagues"])
    hired = AssignmentFactory(
        package=stora, status="avslutad", outcome="tillsatt", closed_on=date(2026, 4, 1)
    )
    response = post(redo_of=hired.pk)
    assert response.status_code == 422 and "Omtag" in str(response.data["redo_of"])
    retired = OrganisationFactory(active=False)
    response = post(organisation=retired.pk, manager=ManagerFactory(organisation=retired).pk)
    assert response.status_code == 422 and "inte aktiv" in str(response.data["organisation"])
    konsult2.is_active = False
    konsult2.save()
    response = post(colleagues=[konsult2.pk])
    assert response.status_code == 422 and "inte aktiv" in str(response.data["colleagues"])

    a = AssignmentFactory(responsible=konsult, package=stora)
    response = api.post(close_url(a.pk), {"outcome": "tillsatt", "closed_on": "2026-05-01"}, format="json")
    assert response.status_code == 422 and "tillträdesdatum" in str(response.data["candidate_start"])
    response = api.post(close_url(a.pk), {"outcome": "avbruten", "closed_on": "2026-01-01"}, format="json")
    assert response.status_code == 422 and "före beställningsdatum" in str(response.data["closed_on"])
    assert Assignment.objects.count() == 2
    assert Assignment.objects.get(pk=a.pk).status == "pagaende"


@pytest.mark.django_db
def test_schema_error_and_rule_together_are_400(api, konsult, price_list_2026):
    """A request the schema refuses is a 400 even when it also names a row that does not exist."""
    as_user(api, konsult)
    response = api.post(ASSIGNMENTS, new_assignment(price_list_2026, organisation=99999, quantity="x"))
    assert response.status_code == 400 and {"organisation", "quantity"} <= set(response.data)


GARBAGE_QUERIES = [
    f"{ASSIGNMENTS}?year=99999",
    f"{ASSIGNMENTS}?year=-1",
    f"{ASSIGNMENTS}?year=2026.5",
    f"{ASSIGNMENTS}?consultant=99999999999999999999999",
    f"{ASSIGNMENTS}?consultant=x",
    f"{ASSIGNMENTS}?unit=x",
    f"{ASSIGNMENTS}?organisation=99999999999999999999",
    f"{ASSIGNMENTS}?ordered_after=2026-13-01",
    f"{ASSIGNMENTS}?status=x",
    f"{ASSIGNMENTS}?search=%00",
    "/api/v1/packages/?year=99999999999999999999999",
    f"{TIME}?date_from=x",
    f"{TIME}?user=99999999999999999999999",
]

GARBAGE_BODIES = [
    "inte json",
    [1, 2],
    {"package": 99999999999999999999999},
    {"quantity": "NaN"},
    {"quantity": "1e400"},
    {"price": "Infinity"},
    {"applicants": 10**20},
    {"colleagues": "x"},
    {"colleagues": [None]},
    {"manager": {"id": 1}},
    {"role_title": {"x": 1}},
    {"role_title": "x" * 500},
    {"invoiced_amount": "1e20"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", GARBAGE_QUERIES)
def test_bad_query_parameters_are_400(api, konsult, url):
    as_user(api, konsult)
    response = api.get(url)
    assert response.status_code == 400
    name = re.search(r"\?(\w+)=", url).group(1)
    assert name in response.data


@pytest.mark.django_db
@pytest.mark.parametrize("garbage", GARBAGE_BODIES, ids=range(len(GARBAGE_BODIES)))
def test_bad_bodies_are_400(api, konsult, price_list_2026, garbage):
    as_user(api, konsult)
    body = {**new_assignment(price_list_2026), **garbage} if isinstance(garbage, dict) else garbage
    response = api.post(ASSIGNMENTS, body, format="json")
    assert response.status_code == 400
    assert not re.search(r"\b(Must|Invalid|Not a|Ensure|Enter)\b", str(response.data)), response.data
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_lone_surrogate_is_400_in_swedish(api, konsult, price_list_2026):
    as_user(api, konsult)
    body = json.dumps(new_assignment(price_list_2026)).replace('"Socialsekreterare"', '"\\ud800"')
    response = api.post(ASSIGNMENTS, body, content_type="application/json")
    assert response.status_code == 400 and "otillåtet tecken" in str(response.data["role_title"])


@pytest.mark.django_db
def test_unknown_ids_are_404_in_swedish(api, konsult):
    as_user(api, konsult)
    for url in (f"{ASSIGNMENTS}99999/", f"{ASSIGNMENTS}abc/", close_url(99999), f"{TIME}99999/"):
        response = api.get(url) if "close" not in url else api.post(url, {})
        assert response.status_code == 404 and response.data["detail"] == "Hittades inte.", url


# Filters, search, pagination, queries


@pytest.mark.django_db
def test_filters_and_search(api, konsult, konsult2, samordnare, price_list_2026, stora):
    chefspaket = price_list_2026.packages.get(code="chef")
    other_unit = UnitFactory(name="Enhet 2")
    konsult2.unit = other_unit
    konsult2.save()
    manager = ManagerFactory(name="Berit Beställarsson")
    mine = AssignmentFactory(
        responsible=konsult, package=stora, role_title="Rektor", ordered_on=date(2026, 2, 1)
    )
    theirs = AssignmentFactory(
        responsible=konsult2,
        package=chefspaket,
        colleagues=[konsult],
        manager=manager,
        organisation=manager.organisation,
        level="chef",
        sector=SectorFactory(name="Äldreomsorg"),
        ordered_on=date(2026, 5, 4),
    )
    closed = AssignmentFactory(
        responsible=samordnare,
        package=PackageFactory(price_list=PriceListFactory(year=2025)),
        ordered_on=date(2025, 3, 1),
        status="avslutad",
        outcome="tillsatt",
        closed_on=date(2025, 6, 1),
    )
    as_user(api, konsult)

    def numbers(**params):
        response = api.get(ASSIGNMENTS, params)
        assert response.status_code == 200, response.data
        return sorted(a["number"] for a in response.data["results"])

    assert numbers() == sorted([mine.number, theirs.number, closed.number])
    assert numbers(year=2026) == sorted([mine.number, theirs.number])
    assert numbers(year=2025) == [closed.number]
    assert numbers(status="avslutad") == [closed.number]
    assert numbers(status="pagaende", outcome="") == sorted([mine.number, theirs.number])
    assert numbers(outcome="tillsatt") == [closed.number]
    assert numbers(consultant=konsult.pk) == sorted([mine.number, theirs.number])
    assert numbers(consultant=konsult2.pk) == [theirs.number]
    assert numbers(responsible=konsult.pk) == [mine.number]
    assert numbers(unit=other_unit.pk) == [theirs.number]
    assert numbers(package="chef") == [theirs.number]
    assert numbers(level="chef") == [theirs.number]
    assert numbers(sector=theirs.sector_id) == [theirs.number]
    assert numbers(organisation=manager.organisation_id) == [theirs.number]
    assert numbers(ordered_after="2026-01-01", ordered_before="2026-03-01") == [mine.number]
    assert numbers(search="rektor") == [mine.number]
    assert numbers(search="beställarsson") == [theirs.number]
    assert numbers(search=mine.organisation.name) == [mine.number]
    assert numbers(search=closed.number) == [closed.number]
    assert numbers(search="rektor beställarsson") == []
    ordered = [a["number"] for a in api.get(ASSIGNMENTS, {"ordering": "ordered_on"}).data["results"]]
    assert ordered == [closed.number, mine.number, theirs.number]


@pytest.mark.django_db
def test_pagination_and_bounded_queries(api, konsult, konsult2, stora, django_assert_max_num_queries):
    # Few users: each one hashes a password, which is slow.
    people = [konsult, konsult2, UserFactory()]
    for i in range(5):
        AssignmentFactory(package=stora, responsible=people[i % 3], colleagues=people[:2])
    as_user(api, konsult)
    with django_assert_max_num_queries(10) as few:
        assert len(api.get(ASSIGNMENTS).data["results"]) == 5
    bound = len(few.captured_queries)
    for i in range(50):
        AssignmentFactory(package=stora, responsible=people[i % 3], colleagues=people[(i + 1) % 3 :])
    with django_assert_max_num_queries(bound):
        first = api.get(ASSIGNMENTS).data
    assert first["count"] == 55 and len(first["results"]) == 50
    assert first["previous"] is None and "page=2" in first["next"]
    with django_assert_max_num_queries(bound):
        second = api.get(first["next"]).data
    assert len(second["results"]) == 5 and second["next"] is None
    seen = {a["id"] for a in first["results"]} | {a["id"] for a in second["results"]}
    assert len(seen) == 55
    # Filtering by consultant joins the colleagues; it must not repeat rows. One more query
    # checks that the consultant exists.
    with django_assert_max_num_queries(bound + 1):
        body = api.get(ASSIGNMENTS, {"consultant": people[2].pk}).data
    assert (
        body["count"]
        == Assignment.objects.filter(Q(responsible=people[2]) | Q(colleagues=people[2])).distinct().count()
    )
    assert len({a["id"] for a in body["results"]}) == len(body["results"])


@pytest.mark.django_db
def test_time_entry_list_queries_bounded(api, konsult, django_assert_max_num_queries):
    TimeEntryFactory(user=konsult)
    as_user(api, konsult)
    with django_assert_max_num_queries(10) as few:
        api.get(TIME)
    for _ in range(20):
        TimeEntryFactory(user=konsult)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(TIME).data["count"] == 21


# Registers


@pytest.mark.django_db
def test_packages_filter_by_year_and_only_admin_writes(api, konsult, samordnare, admin_user, price_list_2026):
    package = price_list_2026.packages.get(code="stora")
    old = PackageFactory(price_list=PriceListFactory(year=2025))
    as_user(api, konsult)
    body = api.get("/api/v1/packages/", {"year": 2026}).data
    assert body["count"] == 4 and {p["year"] for p in body["results"]} == {2026}
    assert [p["id"] for p in api.get("/api/v1/packages/", {"year": 2025}).data["results"]] == [old.pk]
    new = {"price_list": price_list_2026.pk, "code": "search", "name": "Searchpaket", "price": "9000"}
    for user in (konsult, samordnare):
        as_user(api, user)
        assert api.patch(f"/api/v1/packages/{package.pk}/", {"price": "1"}, format="json").status_code == 403
        assert api.post("/api/v1/packages/", new, format="json").status_code == 403
    as_user(api, admin_user)
    assert api.patch(f"/api/v1/packages/{package.pk}/", {"price": "28000"}, format="json").status_code == 200
    response = api.patch(f"/api/v1/packages/{package.pk}/", {"is_hourly_rate": True}, format="json")
    assert response.status_code == 422 and "timarvode" in str(response.data["is_hourly_rate"])
    response = api.post("/api/v1/packages/", new, format="json")
    assert response.status_code == 201 and response.data["year"] == 2026
    created = response.data["id"]
    response = api.post("/api/v1/packages/", {**new, "name": "Annat"}, format="json")
    assert response.status_code == 422 and "koden" in str(response.data["code"])
    assert api.delete(f"/api/v1/packages/{created}/").status_code == 204
    assert Package.objects.get(pk=package.pk).price == Decimal("28000")


@pytest.mark.django_db
def test_organisations_and_managers(api, konsult, samordnare, chef, admin_user):
    """As on the register pages: everyone reads and may add a manager; only the admin changes."""
    org = OrganisationFactory()
    as_user(api, konsult)
    assert api.get("/api/v1/organisations/").data["count"] == 1
    assert api.post("/api/v1/organisations/", {"name": "X", "kind": "fack"}, format="json").status_code == 403
    assert api.patch(f"/api/v1/organisations/{org.pk}/", {"active": False}, format="json").status_code == 403
    response = api.post(
        "/api/v1/managers/", {"name": "Ny", "email": "NY@example.org", "organisation": org.pk}, format="json"
    )
    assert response.status_code == 201 and Manager.objects.get().email == "ny@example.org"
    manager = response.data["id"]
    assert api.patch(f"/api/v1/managers/{manager}/", {"name": "B"}, format="json").status_code == 403
    response = api.post(
        "/api/v1/managers/", {"name": "Dubblett", "email": "ny@EXAMPLE.org", "organisation": org.pk}
    )
    assert response.status_code == 422 and "redan" in str(response.data["email"])
    for head in (chef, samordnare):
        as_user(api, head)
        assert api.patch(f"/api/v1/managers/{manager}/", {"name": "B"}, format="json").status_code == 403
        assert (
            api.post("/api/v1/organisations/", {"name": "X", "kind": "fack"}, format="json").status_code
            == 403
        )
    as_user(api, admin_user)
    assert api.patch(f"/api/v1/managers/{manager}/", {"name": "B"}, format="json").status_code == 200
    response = api.post("/api/v1/organisations/", {"name": "X", "kind": "fack"}, format="json")
    assert response.status_code == 201
    assert api.post("/api/v1/organisations/", {"name": "X", "kind": "sdf"}).status_code == 422
    response = api.delete(f"/api/v1/organisations/{org.pk}/")
    assert response.status_code == 409 and "används" in response.data["detail"]  # it has a manager
    assert api.get("/api/v1/managers/", {"organisation": org.pk}).data["count"] == 1


# Time entries


@pytest.mark.django_db
def test_time_entries(api, konsult, konsult2, admin_user, stora):
    a = AssignmentFactory(responsible=konsult, package=stora)
    as_user(api, konsult)
    response = api.post(TIME, {"date": "2026-04-03", "hours": "2.5", "assignment": a.pk}, format="json")
    assert response.status_code == 201 and response.data["user"] == konsult.pk
    entry = response.data["id"]
    # The user is always the one logged in.
    response = api.post(
        TIME, {"date": "2026-04-04", "hours": "1", "assignment": a.pk, "user": konsult2.pk}, format="json"
    )
    assert response.status_code == 201 and response.data["user"] == konsult.pk
    both = {"date": "2026-04-03", "hours": "1", "assignment": a.pk, "category": TimeCategoryFactory().pk}
    response = api.post(TIME, both, format="json")
    assert response.status_code == 422
    assert response.data == {"category": ["Välj ett uppdrag eller en kategori, inte båda."]}
    response = api.post(TIME, {"date": "2026-04-03", "hours": "30", "assignment": a.pk}, format="json")
    assert response.status_code == 400 and "hours" in response.data
    response = api.post(TIME, {"date": "3 april", "hours": "1", "assignment": a.pk}, format="json")
    assert response.status_code == 400 and "date" in response.data
    response = api.patch(f"{TIME}{entry}/", {"hours": "3"}, format="json")
    assert response.status_code == 200 and response.data["hours"] == "3.00"

    as_user(api, konsult2)
    assert api.get(f"{TIME}{entry}/").status_code == 404  # a colleague's time is not theirs to read
    response = api.post(TIME, {"date": "2026-04-03", "hours": "1", "assignment": a.pk}, format="json")
    assert response.status_code == 403 and "arbetar i" in str(response.data["detail"])
    assert api.patch(f"{TIME}{entry}/", {"hours": "1"}, format="json").status_code == 404
    assert api.delete(f"{TIME}{entry}/").status_code == 404
    response = api.post(
        TIME, {"date": "2026-04-03", "hours": "1", "category": TimeCategoryFactory().pk}, format="json"
    )
    assert response.status_code == 201

    as_user(api, admin_user)
    assert api.patch(f"{TIME}{entry}/", {"comment": "Rättat"}, format="json").status_code == 200
    as_user(api, konsult)
    assert api.delete(f"{TIME}{entry}/").status_code == 204
    assert not TimeEntry.objects.filter(pk=entry).exists()
    assert TimeEntry.objects.get(date=date(2026, 4, 4)).history.first().history_user == konsult


@pytest.mark.django_db
def test_time_entry_filters(api, konsult, konsult2, chef, samordnare, stora):
    a = AssignmentFactory(responsible=konsult, package=stora)
    mine = TimeEntryFactory(user=konsult, assignment=a, date=date(2026, 4, 1))
    later = TimeEntryFactory(user=konsult, assignment=a, date=date(2026, 4, 20))
    theirs = TimeEntryFactory(user=konsult2, date=date(2026, 4, 2))
    as_user(api, konsult)

    def ids(**params):
        return sorted(e["id"] for e in api.get(TIME, params).data["results"])

    # As on the pages, a konsult (and a samordnare) reads only their own time ...
    assert ids() == sorted([mine.pk, later.pk])
    assert ids(user=konsult2.pk) == []
    as_user(api, samordnare)
    assert ids() == []
    # ... and the heads read everyone's.
    as_user(api, chef)
    assert ids() == sorted([mine.pk, later.pk, theirs.pk])
    assert ids(user=konsult.pk) == sorted([mine.pk, later.pk])
    assert ids(assignment=a.pk) == sorted([mine.pk, later.pk])
    assert ids(date_from="2026-04-02", date_to="2026-04-10") == [theirs.pk]


# Schema and docs


@pytest.mark.django_db
def test_schema_lists_the_paths(api, konsult):
    assert api.get("/api/schema/", {"format": "json"}).status_code == 401  # not for the public
    as_user(api, konsult)
    schema = api.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/",
        "/api/v1/assignments/{id}/close/",
        "/api/v1/time-entries/",
        "/api/v1/time-entries/{id}/",
        "/api/v1/packages/",
        "/api/v1/managers/",
        "/api/v1/organisations/",
    ):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/v1/assignments/"]["get"]["parameters"]}
    assert {"year", "status", "consultant", "search", "page", "ordered_after"} <= parameters
    assert "delete" not in paths["/api/v1/assignments/{id}/"]


@pytest.mark.django_db
def test_docs_without_cdn(api, konsult):
    assert api.get("/api/docs/").status_code == 302  # to the login page
    api.force_login(konsult)
    response = api.get("/api/docs/")
    assert response.status_code == 200
    docs = response.content.decode()
    assert "swagger-ui" in docs
    external = re.findall(r".{0,60}(?:cdn|https?://).{0,60}", docs, flags=re.IGNORECASE)
    assert external == []
