import re
from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assignments.models import Assignment, Manager, TimeEntry
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    TimeCategoryFactory,
    UserFactory,
)


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


@pytest.mark.django_db
def test_anonymous_refused(api):
    for url in ("/api/v1/assignments/", "/api/v1/organisations/", "/api/v1/time-entries/"):
        assert api.get(url).status_code in (401, 403)


@pytest.mark.django_db
def test_token_authentication(api, konsult):
    token = Token.objects.create(user=konsult)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/assignments/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token fel")
    assert api.get("/api/v1/assignments/").status_code == 401


@pytest.mark.django_db
def test_konsult_creates_with_list_price_and_edits_own_only(api, konsult, konsult2, price_list_2026):
    as_user(api, konsult)
    response = api.post("/api/v1/assignments/", new_assignment(price_list_2026), format="json")
    assert response.status_code == 201, response.data
    body = response.data
    assert body["number"] == "2026-0001" and body["price"] == "27000.00"
    assert body["responsible"] == konsult.pk and "candidate_email" not in body
    pk = body["id"]
    assert (
        api.patch(f"/api/v1/assignments/{pk}/", {"role_title": "Ny titel"}, format="json").status_code == 200
    )
    as_user(api, konsult2)
    assert api.get(f"/api/v1/assignments/{pk}/").status_code == 200
    assert api.patch(f"/api/v1/assignments/{pk}/", {"role_title": "Kapad"}, format="json").status_code == 403
    assert (
        api.post(
            f"/api/v1/assignments/{pk}/close/",
            {"outcome": "avbruten", "closed_on": "2026-05-01"},
            format="json",
        ).status_code
        == 403
    )
    assert api.delete(f"/api/v1/assignments/{pk}/").status_code == 405
    # A konsult cannot register an assignment for someone else alone.
    response = api.post(
        "/api/v1/assignments/", new_assignment(price_list_2026, responsible=konsult.pk), format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["samordnare", "chef", "admin_user"])
def test_heads_and_coordinators_edit_and_close_all(api, role, request, konsult, price_list_2026):
    a = AssignmentFactory(responsible=konsult, package=price_list_2026.packages.get(code="stora"))
    as_user(api, request.getfixturevalue(role))
    assert api.patch(f"/api/v1/assignments/{a.pk}/", {"applicants": 12}, format="json").status_code == 200
    response = api.post(
        f"/api/v1/assignments/{a.pk}/close/",
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


@pytest.mark.django_db
def test_validation_errors_are_400_in_swedish(api, konsult, price_list_2026):
    as_user(api, konsult)
    wrong_year = PackageFactory(price_list=PriceListFactory(year=2025))
    response = api.post(
        "/api/v1/assignments/", new_assignment(price_list_2026, package=wrong_year.pk), format="json"
    )
    assert response.status_code == 400 and "beställningsåret 2026" in str(response.data["package"])
    response = api.post("/api/v1/assignments/", new_assignment(price_list_2026, price="100"), format="json")
    assert response.status_code == 400 and "Ange skäl" in str(response.data["price_reason"])
    response = api.post(
        "/api/v1/assignments/", new_assignment(price_list_2026, ordered_on="igår"), format="json"
    )
    assert response.status_code == 400 and "ordered_on" in response.data
    response = api.post(
        "/api/v1/assignments/", new_assignment(price_list_2026, organisation=99999), format="json"
    )
    assert response.status_code == 400
    response = api.post(
        "/api/v1/assignments/", new_assignment(price_list_2026, extra_hours="-3"), format="json"
    )
    assert response.status_code == 400
    a = AssignmentFactory(responsible=konsult, package=price_list_2026.packages.get(code="stora"))
    response = api.post(
        f"/api/v1/assignments/{a.pk}/close/",
        {"outcome": "tillsatt", "closed_on": "2026-05-01"},
        format="json",
    )
    assert response.status_code == 400 and "tillträdesdatum" in str(response.data)
    assert Assignment.objects.count() == 1


@pytest.mark.django_db
def test_filters_search_and_pagination(api, konsult, konsult2, price_list_2026):
    stora = price_list_2026.packages.get(code="stora")
    chef = price_list_2026.packages.get(code="chef")
    mine = AssignmentFactory(responsible=konsult, package=stora, role_title="Rektor")
    theirs = AssignmentFactory(responsible=konsult2, package=chef, colleagues=[konsult])
    old = AssignmentFactory(
        responsible=konsult2,
        package=PackageFactory(price_list=PriceListFactory(year=2025)),
        ordered_on=date(2025, 3, 1),
    )
    as_user(api, konsult)

    def numbers(**params):
        return sorted(a["number"] for a in api.get("/api/v1/assignments/", params).data["results"])

    assert numbers(year=2026) == sorted([mine.number, theirs.number])
    assert numbers(consultant=konsult.pk) == sorted([mine.number, theirs.number])
    assert numbers(package="chef") == [theirs.number]
    assert numbers(search="rektor") == [mine.number]
    assert numbers(status="avslutad") == []
    assert numbers(year=2025) == [old.number]
    body = api.get("/api/v1/assignments/", {"page_size": 1}).data
    assert body["count"] == 3 and "next" in body


@pytest.mark.django_db
def test_list_query_count_bounded(api, konsult, price_list_2026, django_assert_max_num_queries):
    stora = price_list_2026.packages.get(code="stora")
    colleague = UserFactory()
    for _ in range(5):
        AssignmentFactory(package=stora, colleagues=[colleague])
    as_user(api, konsult)
    with django_assert_max_num_queries(10) as few:
        api.get("/api/v1/assignments/")
    for _ in range(30):
        AssignmentFactory(package=stora, colleagues=[colleague])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/assignments/").data["results"]) == 35


@pytest.mark.django_db
def test_packages_only_admin_writes(api, konsult, admin_user, price_list_2026):
    package = price_list_2026.packages.get(code="stora")
    as_user(api, konsult)
    assert api.get("/api/v1/packages/", {"year": 2026}).data["count"] == 4
    assert api.patch(f"/api/v1/packages/{package.pk}/", {"price": "1"}, format="json").status_code == 403
    as_user(api, admin_user)
    assert api.patch(f"/api/v1/packages/{package.pk}/", {"price": "28000"}, format="json").status_code == 200
    response = api.patch(f"/api/v1/packages/{package.pk}/", {"is_hourly_rate": True}, format="json")
    assert response.status_code == 400 and "timarvode" in str(response.data)


@pytest.mark.django_db
def test_organisations_and_managers(api, konsult, samordnare):
    org = OrganisationFactory()
    as_user(api, konsult)
    assert api.post("/api/v1/organisations/", {"name": "X", "kind": "fack"}, format="json").status_code == 403
    response = api.post(
        "/api/v1/managers/", {"name": "Ny", "email": "NY@example.org", "organisation": org.pk}, format="json"
    )
    assert response.status_code == 201 and Manager.objects.get().email == "ny@example.org"
    assert (
        api.patch(f"/api/v1/managers/{response.data['id']}/", {"name": "B"}, format="json").status_code == 403
    )
    as_user(api, samordnare)
    assert api.post("/api/v1/organisations/", {"name": "X", "kind": "fack"}, format="json").status_code == 201
    assert api.delete(f"/api/v1/organisations/{org.pk}/").status_code == 409  # has a manager


@pytest.mark.django_db
def test_time_entries(api, konsult, konsult2, price_list_2026):
    a = AssignmentFactory(responsible=konsult, package=price_list_2026.packages.get(code="stora"))
    as_user(api, konsult)
    response = api.post(
        "/api/v1/time-entries/", {"date": "2026-04-03", "hours": "2.5", "assignment": a.pk}, format="json"
    )
    assert response.status_code == 201 and response.data["user"] == konsult.pk
    entry = response.data["id"]
    both = api.post(
        "/api/v1/time-entries/",
        {"date": "2026-04-03", "hours": "1", "assignment": a.pk, "category": TimeCategoryFactory().pk},
        format="json",
    )
    assert both.status_code == 400
    assert (
        api.post(
            "/api/v1/time-entries/", {"date": "2026-04-03", "hours": "30", "assignment": a.pk}, format="json"
        ).status_code
        == 400
    )
    as_user(api, konsult2)
    assert (
        api.post(
            "/api/v1/time-entries/", {"date": "2026-04-03", "hours": "1", "assignment": a.pk}, format="json"
        ).status_code
        == 403
    )
    assert api.delete(f"/api/v1/time-entries/{entry}/").status_code == 403
    as_user(api, konsult)
    assert api.delete(f"/api/v1/time-entries/{entry}/").status_code == 204
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_schema_and_docs_without_cdn(api, konsult):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in (
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/close/",
        "/api/v1/time-entries/",
        "/api/v1/packages/",
        "/api/v1/managers/",
        "/api/v1/organisations/",
    ):
        assert path in text
    docs = api.get("/api/docs/").content.decode()
    external = re.findall(r".{0,60}(?:cdn|https?://).{0,60}", docs, flags=re.IGNORECASE)
    assert external == []
