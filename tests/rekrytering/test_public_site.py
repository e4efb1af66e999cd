"""SITE_ROLE=public: processes that serve the survey pages and nothing else."""

import pytest
from django.urls import clear_url_caches
from freezegun import freeze_time

from surveys import services
from surveys.models import Response
from tests.surveys.test_public_queries import answers, links  # noqa: F401 - a fixture


@pytest.fixture
def public_site(settings):
    settings.ROOT_URLCONF = "rekrytering.urls_public"
    clear_url_caches()
    yield
    clear_url_caches()


@freeze_time("2026-04-21 09:00:00")
def test_the_public_site_answers_a_survey_link(public_site, client, links):  # noqa: F811
    invitation = links["kundenkat"]
    url = f"/enkat/{services.token_for(invitation)}/"
    page = client.get(url)
    assert page.status_code == 200
    assert invitation.questionnaire.title in page.content.decode()
    response = client.post(url, answers(invitation))
    assert response.status_code == 302 and response["Location"] == "/enkat/tack/"
    assert Response.objects.count() == 1
    assert client.get("/enkat/tack/").status_code == 200
    assert client.get("/tillganglighet/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/uppdrag/", "/accounts/login/", "/django-admin/", "/api/v1/assignments/", "/rapporter/"]
)
def test_the_public_site_has_no_staff_pages(public_site, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Länken går inte att använda" in response.content.decode()


def test_an_unknown_site_role_is_refused():
    from tests.rekrytering.test_security import manage

    result = manage("check", env={"SITE_ROLE": "staff"})
    assert result.returncode != 0 and "SITE_ROLE" in result.stderr


@freeze_time("2026-04-21 09:00:00")
def test_the_public_site_tells_the_answering_browser_only_that_a_link_is_answered(
    public_site,
    client,
    links,  # noqa: F811
):
    from django.test import Client

    invitation = links["kandidatenkat"]
    url = f"/enkat/{services.token_for(invitation)}/"
    assert client.post(url, answers(invitation)).status_code == 302
    again = client.get(url)
    assert again.status_code == 200 and "Tack, dina svar är redan inlämnade" in again.content.decode()
    second_tab = client.post(url, answers(invitation))
    assert second_tab.status_code == 409 and "Svaren sparades inte" in second_tab.content.decode()
    stranger = Client().get(url)
    assert stranger.status_code == 404 and "Länken går inte att använda" in stranger.content.decode()
    assert Response.objects.count() == 1
