"""Suggestions when an assignment is registered: the ranking, its reasons, the API and its 400s."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from freezegun import freeze_time
from rest_framework.test import APIClient

from assignments.models import Assignment, Organisation, User
from assignments.suggestions import suggest_consultants
from surveys.models import Kind
from tests.factories import (
    AssignmentFactory,
    ConsultantCompetenceFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    UserFactory,
)
from tests.surveys.test_results import respond

D = Decimal
TODAY = date(2026, 3, 4)  # Wednesday, ISO week 10
NEEDED_BY = date(2026, 3, 31)  # week 14: five weeks, this one included
URL = "/api/v1/assignments/suggestions/"
CLOSED = {
    "status": Assignment.Status.AVSLUTAD,
    "outcome": Assignment.Outcome.TILLSATT,
    "closed_on": date(2026, 2, 20),
}


class World:
    """anna, bert: certified for manager recruitments; cilla: not certified; dan: no line in the map.
    All may run "stora". Capacity 40 h × 70 % = 28 h a week → 140 h over weeks 10..14.
    bert has an open stora (32 h) ordered 2 Mar: planned end 27 Apr (w18), 32/9 h a week →
    3.56 a week (the load rounds each week to öre) × 5 = 17.80 planned → 122.20 free (122 whole hours)."""

    def __init__(self):
        price_list = PriceListFactory(year=2026)
        self.stora = PackageFactory(price_list=price_list, code="stora", name="Stora paketet")
        self.org = OrganisationFactory(name="Skarpnäcks stadsdelsförvaltning", kind=Organisation.Kind.SDF)
        self.other_org = OrganisationFactory(name="Utbildningsförvaltningen")
        names = ("anna", "bert", "cilla", "dan")
        self.users = {n: UserFactory(username=n, first_name=n.title(), last_name="Test") for n in names}
        for name, certified in (("anna", True), ("bert", True), ("cilla", False)):
            ConsultantCompetenceFactory(
                user=self.users[name], package_codes=["stora"], manager_certified=certified
            )
        AssignmentFactory(
            responsible=self.users["bert"],
            package=self.stora,
            organisation=self.other_org,
            ordered_on=date(2026, 3, 2),
        )

    def __getitem__(self, name):
        return self.users[name]


@pytest.fixture
def world(db):
    return World()


def suggest(world, level="chef", **kwargs):
    kwargs.setdefault("organisation", world.org)
    return suggest_consultants(package=world.stora, level=level, needed_by=NEEDED_BY, today=TODAY, **kwargs)


def names(ranked):
    return [s.user.username for s in ranked]


def test_only_the_certified_for_a_manager_level_ranked_by_free_hours(world):
    ranked = suggest(world)
    assert names(ranked) == ["anna", "bert"]
    assert [s.free_hours.quantize(D("0.01")) for s in ranked] == [D("140.00"), D("122.20")]
    assert ranked[0].sentence == "Certifierad för chefsrekrytering · 140 lediga timmar före 2026-03-31"
    assert ranked[1].sentence == "Certifierad för chefsrekrytering · 122 lediga timmar före 2026-03-31"
    assert [s.rank for s in ranked] == [1, 2]


def test_a_staff_level_lets_in_the_uncertified_and_ties_go_by_name(world):
    ranked = suggest(world, level=Assignment.Level.MEDARBETARE)
    assert names(ranked) == ["anna", "cilla", "bert"]
    assert ranked[1].sentence == "Får driva Stora paketet · 140 lediga timmar före 2026-03-31"


def test_the_wished_consultant_comes_first_also_when_not_allowed(world):
    ranked = suggest(world, wished=world["dan"])
    assert names(ranked) == ["dan", "anna", "bert"]
    dan = ranked[0]
    assert (dan.wished, dan.allowed) == (True, False)
    assert dan.sentence == (
        "Kundens önskemål · får enligt kompetenskartan inte driva Stora paketet på nivån chef"
        " · 140 lediga timmar före 2026-03-31"
    )
    ranked = suggest(world, wished=world["bert"])
    assert names(ranked) == ["bert", "anna"]
    assert ranked[0].sentence.startswith("Kundens önskemål · Certifierad för chefsrekrytering · 122 lediga")


def test_experience_with_the_organisation_then_district_break_ties_of_free_hours(world):
    cilla = world["cilla"]
    AssignmentFactory(responsible=cilla, organisation=world.org, **CLOSED)
    AssignmentFactory(responsible=cilla, organisation=world.org, **CLOSED)
    ranked = suggest(world, level=Assignment.Level.MEDARBETARE)
    assert names(ranked) == ["cilla", "anna", "bert"]
    assert ranked[0].organisation_assignments == 2
    assert "2 uppdrag hos Skarpnäcks stadsdelsförvaltning" in ranked[0].sentence
    # Geography: anna works in Skarpnäck; equal otherwise to a colleague with the same free hours.
    world["anna"].competence.areas.set([world.org])
    AssignmentFactory(responsible=world["anna"], organisation=world.org, **CLOSED)
    AssignmentFactory(responsible=world["anna"], organisation=world.org, **CLOSED)
    ranked = suggest(world, level=Assignment.Level.MEDARBETARE)
    assert names(ranked) == ["anna", "cilla", "bert"]
    assert ranked[0].sentence.endswith("2 uppdrag hos Skarpnäcks stadsdelsförvaltning · arbetar i Skarpnäck")
    # Not a city district: no geography.
    assert suggest(world, organisation=world.other_org)[0].works_in_district == ""


def test_satisfaction_counts_only_from_five_customer_answers(world):
    # cilla: four customer answers of 10, below the rule: neither shown nor used.
    for day in range(1, 5):
        respond(Kind.KUND, date(2026, 2, day), {"helhet": 10}, consultant=world["cilla"])
    # anna: five answers of 6: shown and used.
    for day in range(1, 6):
        respond(Kind.KUND, date(2026, 2, day), {"helhet": 6}, consultant=world["anna"])
    ranked = suggest(world, level=Assignment.Level.MEDARBETARE)
    assert names(ranked) == ["anna", "cilla", "bert"]
    anna, cilla = ranked[0], ranked[1]
    assert (anna.satisfaction_mean, anna.satisfaction_responses) == (6.0, 5)
    assert (cilla.satisfaction_mean, cilla.satisfaction_responses) == (None, None)
    assert anna.sentence.endswith("kundnöjdhet 6,0 (5 svar)")
    assert "kundnöjdhet" not in cilla.sentence
    # A fifth answer for cilla (10s) puts her first among equals.
    respond(Kind.KUND, date(2026, 2, 9), {"helhet": 10}, consultant=world["cilla"])
    assert names(suggest(world, level=Assignment.Level.MEDARBETARE)) == ["cilla", "anna", "bert"]


def test_candidate_answers_are_never_used(world):
    for day in range(1, 8):
        respond(Kind.KANDIDAT, date(2026, 2, day), {}, consultant=world["cilla"])
    ranked = suggest(world, level=Assignment.Level.MEDARBETARE)
    assert all(s.satisfaction_mean is None for s in ranked)


def test_the_queries_do_not_grow_with_consultants_or_assignments(world):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            suggest(world, level=Assignment.Level.MEDARBETARE, wished=world["dan"])
        return len(ctx.captured_queries)

    before = count()
    for k in range(6):
        user = UserFactory(username=f"extra{k}")
        ConsultantCompetenceFactory(user=user, package_codes=["stora"], manager_certified=True)
        user.competence.areas.set([world.org])
        AssignmentFactory(responsible=user, organisation=world.org, **CLOSED)
        AssignmentFactory(responsible=user, package=world.stora)
    assert count() == before <= 12


# --- API -------------------------------------------------------------------------------------------


def _get(user, params):
    resolve(URL)  # the URLconf (and pandas, through it) imported outside the frozen clock
    client = APIClient()
    client.force_authenticate(user)
    with freeze_time("2026-03-04 10:00"):
        return client.get(URL, params)


def _params(world, **extra):
    return {
        "package": "stora",
        "level": "chef",
        "organisation": world.org.pk,
        "needed_by": "2026-03-31",
        **extra,
    }


def test_the_api_ranks_with_reasons_as_a_sentence_and_as_fields(world):
    head = UserFactory(username="head", role=User.Role.SAMORDNARE)
    response = _get(head, _params(world, wished=world["dan"].pk))
    assert response.status_code == 200
    payload = response.json()
    assert (payload["price_list_year"], payload["package"]) == (2026, "Stora paketet")
    assert [c["username"] for c in payload["consultants"]] == ["dan", "anna", "bert"]
    assert payload["consultants"][1] == {
        "rank": 2,
        "id": world["anna"].pk,
        "username": "anna",
        "name": "Anna Test",
        "reasons": "Certifierad för chefsrekrytering · 140 lediga timmar före 2026-03-31",
        "wished": False,
        "allowed": True,
        "manager_certified": True,
        "free_hours": "140.00",
        "organisation_assignments": 0,
        "knows_organisation": False,
        "satisfaction_mean": None,
        "satisfaction_responses": None,
        "works_in_district": "",
    }
    assert payload["consultants"][0]["allowed"] is False


def test_a_konsult_sees_the_ranking_but_not_a_colleagues_free_hours(world):
    """A konsult sees their own load and the department's totals, never a colleague's: in the
    suggestions a colleague's free hours are left out of the reasons and the fields."""
    cilla = world["cilla"]
    AssignmentFactory(responsible=cilla, organisation=world.org, **CLOSED)
    payload = _get(cilla, _params(world, level="medarbetare")).json()
    shown = {c["username"]: (c["free_hours"], c["reasons"]) for c in payload["consultants"]}
    assert [c["username"] for c in payload["consultants"]] == ["cilla", "anna", "bert"]  # the same order
    assert shown["cilla"] == (
        "140.00",
        "Får driva Stora paketet · 140 lediga timmar före 2026-03-31"
        " · 1 uppdrag hos Skarpnäcks stadsdelsförvaltning",
    )
    assert shown["anna"] == (None, "Får driva Stora paketet")
    assert shown["bert"][0] is None and "lediga timmar" not in shown["bert"][1]
    page = Client()
    page.force_login(cilla)
    query = {"package": world.stora.pk, "organisation": world.org.pk, "level": "medarbetare"}
    with freeze_time("2026-03-04 10:00"):
        fragment = page.get("/uppdrag/forslag/", query | {"ordered_on": "2026-03-02"}).content.decode()
    assert fragment.count("lediga timmar") == 1  # her own


def test_the_route_is_not_taken_for_an_assignment_id(world):
    head = UserFactory(username="head", role=User.Role.CHEF)
    assert _get(head, {}).status_code == 400  # the suggestions' 400, not the detail's 404


def test_missing_and_malformed_parameters_are_400_unknown_rows_422_with_swedish_messages(world):
    head = UserFactory(username="head", role=User.Role.CHEF)
    errors = _get(head, {}).json()
    assert errors == {
        "package": ["Ange paketets kod i årets prislista, t.ex. chefspaket."],
        "level": ["Ange nivån: medarbetare, chef eller hogre_chef."],
        "organisation": ["Ange organisationens id som ett heltal."],
        "needed_by": ["Ange datumet uppdraget ska vara klart som ÅÅÅÅ-MM-DD, i dag eller senare."],
    }
    bad = _get(
        head, _params(world, package="finns", organisation=999999, needed_by="2026-03-03", wished=999999)
    )
    assert bad.status_code == 422
    assert bad.json() == {
        "needed_by": ["Ange datumet uppdraget ska vara klart som ÅÅÅÅ-MM-DD, i dag eller senare."],
        "package": ["Paketet finns finns inte i prislistan för 2026 eller tidigare år."],
        "organisation": ["Organisationen med id 999999 finns inte."],
        "wished": ["Det finns ingen aktiv användare med id 999999."],
    }
    assert _get(head, _params(world, level="vd")).json() == {
        "level": ["Ange nivån: medarbetare, chef eller hogre_chef."]
    }
    assert _get(head, _params(world, needed_by="31/3")).status_code == 400
    assert _get(head, _params(world, package="stora paketet")).json() == {
        "package": ["Ange paketets kod i årets prislista, t.ex. chefspaket."]
    }


def test_anonymous_callers_get_401(world):
    assert APIClient().get(URL, _params(world)).status_code == 401


# --- The registration page's panel -----------------------------------------------------------------


def test_the_panel_is_on_the_registration_page_hidden_without_scripts(world, client):
    client.force_login(world["cilla"])
    page = client.get("/uppdrag/ny/").content.decode()
    assert (
        '<section class="card suggestions" id="suggestions" aria-labelledby="suggestions-title" hidden'
        in page
    )
    assert 'hx-get="/uppdrag/forslag/"' in page
    assert "Förslag på konsult" in page


def test_the_fragment_lists_the_top_five_with_reasons_and_a_choose_button(
    world, client, django_assert_max_num_queries
):
    for k in range(5):
        user = UserFactory(username=f"extra{k}", first_name="Extra", last_name=str(k))
        ConsultantCompetenceFactory(user=user, package_codes=["stora"], manager_certified=True)
    client.force_login(UserFactory(username="samordnare", role=User.Role.SAMORDNARE))  # sees all hours
    params = {
        "package": world.stora.pk,
        "level": "chef",
        "organisation": world.org.pk,
        "ordered_on": "2026-03-02",
    }
    with freeze_time("2026-03-04 10:00"), django_assert_max_num_queries(16):
        response = client.get("/uppdrag/forslag/", params)
    page = response.content.decode()
    assert "<html" not in page
    assert page.count("data-suggest-user=") == 5
    # Needed by the planned end: 2 Mar + 8 weeks = 27 Apr, weeks 10..18: 9 × 28 h = 252 h for the free.
    assert "Certifierad för chefsrekrytering · 252 lediga timmar före 2026-04-27" in page
    assert f'data-suggest-user="{world["bert"].pk}"' not in page  # bert (less free) is sixth
    assert f'data-suggest-user="{world["cilla"].pk}"' not in page  # not certified


def test_the_fragment_hints_when_the_choices_are_incomplete_or_none_is_allowed(world, client):
    client.force_login(world["cilla"])
    assert (
        "Välj organisation, nivå och paket"
        in client.get("/uppdrag/forslag/", {"package": "x"}).content.decode()
    )
    params = {"package": world.stora.pk, "level": "chef", "organisation": world.org.pk}
    for user in ("anna", "bert"):
        world[user].competence.delete()
    page = client.get("/uppdrag/forslag/", params).content.decode()
    assert "Ingen konsult får driva paketet på den nivån" in page


# --- What was suggested vs chosen ------------------------------------------------------------------


def test_the_shown_ranking_is_kept_with_the_new_assignment_and_shown_to_heads(world, client):
    from assignments.models import AssignmentSuggestion
    from tests.assignments.test_views import _create_data

    anna, bert, cilla = world["anna"], world["bert"], world["cilla"]
    head = UserFactory(username="head", role=User.Role.CHEF)
    coordinator = UserFactory(username="samordnare", role=User.Role.SAMORDNARE)
    data = _create_data(world.stora.price_list, bert)
    # A repeat, a head (no consultant), garbage and an unknown id are dropped; the order is kept.
    data["suggested"] = f"{anna.pk},{bert.pk},{anna.pk},{head.pk},x,999999"
    client.force_login(coordinator)
    response = client.post("/uppdrag/ny/", data)
    assert response.status_code == 302, response.context["form"].errors
    assignment = Assignment.objects.latest("pk")
    assert AssignmentSuggestion.objects.get(assignment=assignment).suggested == [anna.pk, bert.pk]

    line = "Förslag vid registrering</dt><dd>Anna Test, Bert Test · vald: Bert Test (förslag 2)</dd>"
    client.force_login(head)
    assert line in client.get(assignment.get_absolute_url()).content.decode()
    client.force_login(cilla)  # a konsult does not see it
    assert "Förslag vid registrering" not in client.get(assignment.get_absolute_url()).content.decode()


def test_without_a_shown_ranking_nothing_is_kept_and_nothing_is_required(world, client):
    from assignments.models import AssignmentSuggestion
    from tests.assignments.test_views import _create_data

    client.force_login(world["anna"])
    for suggested in (None, "", "abc"):
        data = _create_data(world.stora.price_list, world["anna"])
        if suggested is not None:
            data["suggested"] = suggested
        response = client.post("/uppdrag/ny/", data)
        assert response.status_code == 302, response.context["form"].errors
    assert Assignment.objects.filter(responsible=world["anna"]).count() == 3
    assert not AssignmentSuggestion.objects.exists()
