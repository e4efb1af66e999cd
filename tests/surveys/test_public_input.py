"""Whatever a stranger posts to a survey page, the answer is a Swedish message, never a 500, and
every page under the link's path — error pages too — keeps `no-referrer` and `no-store` (issue 11)."""

from datetime import date

import pytest
from django.http import HttpResponseServerError
from django.test import RequestFactory
from freezegun import freeze_time
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rekrytering.inputs import clean_text, parse_id, parse_int
from rekrytering.middleware import SurveyLinkMiddleware
from surveys import services
from surveys.models import Answer, Invitation, Response
from tests.factories import AssignmentFactory, OrganisationFactory, PackageFactory, PriceListFactory

from .test_flow import close

CUSTOMER_KEYS = [
    "planering",
    "annons",
    "urval",
    "intervjuer",
    "kompetensbaserat",
    "samarbete",
    "helhet",
    "nps",
    "kommentar",
    "vill_bli_kontaktad",
]


@pytest.fixture
def links(db, konsult, chef, settings):
    """Live customer and candidate links of a closed hire."""
    settings.SURVEY_RATE_LIMIT = "100000/m"
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    assignment = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 2))
    with freeze_time("2026-04-20 10:00:00"):
        close(assignment, konsult)
        for pk in services.due_invitation_ids():
            services.send_invitation(pk)
    return {i.questionnaire.kind: services.token_for(i) for i in Invitation.objects.all() if i.token_salt}


def customer_answers(**changes):
    data = {key: "9" for key in CUSTOMER_KEYS}
    data.update({"nps": "10", "kommentar": "Bra!", "vill_bli_kontaktad": "nej"})
    data.update(changes)
    return data


def assert_survey_headers(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("score", ["²", "٣", "１０", "1e1", "+9", " 9 9", "9.0", "-1", "11", "0" * 40])
@freeze_time("2026-04-21 09:00:00")
def test_a_score_that_is_not_a_plain_number_is_refused_in_swedish(client, links, score):
    response = client.post(f"/enkat/{links['kundenkat']}/", customer_answers(helhet=score))
    assert response.status_code == 400
    assert "Välj ett värde från 1 till 10." in response.content.decode()
    assert_survey_headers(response)
    assert not Response.objects.exists()


@freeze_time("2026-04-21 09:00:00")
def test_control_characters_in_a_comment_are_dropped_and_the_answer_saved(client, links):
    comment = "Bra\x00 stöd\x0b,\r\ntack\x1f!"
    response = client.post(f"/enkat/{links['kundenkat']}/", customer_answers(kommentar=comment))
    assert response.status_code == 302
    assert Answer.objects.get(question_key="kommentar").text == "Bra stöd,\ntack!"


@given(
    st.dictionaries(
        st.sampled_from(CUSTOMER_KEYS + ["okand", ""]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
        max_size=12,
    )
)
@hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_no_post_to_a_survey_page_gives_a_500(client, links, data):
    with freeze_time("2026-04-21 09:00:00"):  # while the links are open
        for token in (links["kundenkat"], links["kandidatenkat"], "x" * 43):
            response = client.post(f"/enkat/{token}/", data)
            assert response.status_code in (302, 400, 404), response.status_code
            assert_survey_headers(response)
        assert client.get(f"/enkat/{links['kundenkat']}/").status_code in (200, 404)


@pytest.mark.django_db
def test_pages_under_the_link_path_keep_the_headers_even_when_they_fail(client):
    for response in (
        client.get("/enkat/finns/inte/"),  # no such URL: Django's own 404
        client.put("/enkat/abc/"),  # 405
        client.get("/enkat/tack/"),
    ):
        assert_survey_headers(response)
    # A 500 from anywhere below the middleware keeps them too.
    request = RequestFactory().get("/enkat/abc/")
    response = SurveyLinkMiddleware(lambda request: HttpResponseServerError("fel"))(request)
    assert_survey_headers(response)
    elsewhere = SurveyLinkMiddleware(lambda request: HttpResponseServerError("fel"))(
        RequestFactory().get("/enkater/")
    )
    assert "Referrer-Policy" not in elsewhere


@pytest.mark.django_db
def test_ids_out_of_range_in_query_strings_are_no_500(client, konsult):
    organisation = OrganisationFactory()
    client.force_login(konsult)
    for value in ("99999999999999999999", "-1", "²", "1e3", str(organisation.pk) + "0" * 30):
        response = client.get("/uppdrag/bestallare/", {"organisation": value})
        assert response.status_code == 200
    for value in ("99999999999999999999999", "٣"):
        assert client.get("/rapporter/", {"enhet": value, "konsult": value, "ar": value}).status_code in (
            200,
            403,
        )


def test_the_parsers():
    assert [parse_int(v) for v in ("7", " 7 ", "07", "²", "٣", "1e3", "-7", "", None)] == [
        7,
        7,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert parse_id("0") is None and parse_id(str(2**63)) is None and parse_id(str(2**63 - 1)) == 2**63 - 1
    assert clean_text(" a\x00b\r\nc\x85 ") == "ab\nc"
