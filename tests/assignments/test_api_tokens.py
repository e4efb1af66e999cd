"""API keys expire after API_TOKEN_DAYS, and each user makes, sees and revokes their own."""

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from freezegun import freeze_time
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assignments.api.authentication import EXPIRED

ORGANISATIONS = "/api/v1/organisations/"
PAGE = "/konto/api-nyckel/"


def call(key):
    return APIClient().get(ORGANISATIONS, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_key_works_until_it_expires(konsult, settings):
    settings.API_TOKEN_DAYS = 90
    with freeze_time("2026-03-01 09:00:00") as frozen:
        token = Token.objects.create(user=konsult)
        frozen.tick(timedelta(days=90) - timedelta(seconds=1))
        assert call(token.key).status_code == 200
        frozen.tick(timedelta(seconds=1))
        response = call(token.key)
    assert response.status_code == 401
    assert response.json() == {"detail": str(EXPIRED)}
    assert "API-nyckeln har gått ut" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_the_lifetime_is_a_setting(konsult, settings):
    settings.API_TOKEN_DAYS = 7
    token = Token.objects.create(user=konsult)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=8))
    assert call(token.key).status_code == 401
    settings.API_TOKEN_DAYS = 30
    assert call(token.key).status_code == 200


def test_the_schema_documents_the_expired_key():
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    unauthorized = schema["paths"]["/api/v1/organisations/"]["get"]["responses"]["401"]
    assert "har gått ut" in unauthorized["description"]
    examples = unauthorized["content"]["application/json"]["examples"]
    assert {"detail": str(EXPIRED)} in [example["value"] for example in examples.values()]
    assert "gäller i" in schema["info"]["description"]


@pytest.fixture
def browser(konsult):
    client = Client()
    client.force_login(konsult)
    return client


def test_the_page_makes_a_key_and_shows_it_once(browser, konsult, caplog, settings):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    settings.API_TOKEN_DAYS = 90
    assert "Du har ingen API-nyckel" in browser.get(PAGE).text
    with freeze_time("2026-03-02 10:00:00"):
        response = browser.post(PAGE, {"action": "create"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = Token.objects.get(user=konsult).key
    assert key in response.text and "visas bara den här gången" in response.text
    with freeze_time("2026-03-03 10:00:00"):
        page = browser.get(PAGE).text
    assert key not in page
    assert "Giltig" in page and "2 mars 2026" in page and "31 maj 2026" in page
    with freeze_time("2026-03-03 10:00:00"):
        assert call(key).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "rekrytering.audit"]
    assert "api_token_created user=konsult replaced=no expires=2026-05-31" in lines
    assert all(key not in r.getMessage() for r in caplog.records)


def test_a_new_key_replaces_the_old_and_revoking_ends_it(browser, konsult, caplog):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    browser.post(PAGE, {"action": "create"})
    old = Token.objects.get(user=konsult).key
    browser.post(PAGE, {"action": "create"})
    new = Token.objects.get(user=konsult).key
    assert new != old and call(old).status_code == 401 and call(new).status_code == 200
    response = browser.post(PAGE, {"action": "revoke"}, follow=True)
    assert "API-nyckeln är återkallad" in response.text and "Du har ingen API-nyckel" in response.text
    assert not Token.objects.filter(user=konsult).exists()
    assert call(new).status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "rekrytering.audit"]
    assert [line.split(" expires=")[0] for line in lines if line.startswith("api_token")] == [
        "api_token_created user=konsult replaced=no",
        "api_token_created user=konsult replaced=yes",
        "api_token_revoked user=konsult",
    ]
    assert all(old not in line and new not in line for line in lines)


def test_an_expired_key_is_shown_as_expired(browser, konsult, settings):
    settings.API_TOKEN_DAYS = 90
    token = Token.objects.create(user=konsult)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=91))
    page = browser.get(PAGE).text
    assert "Har gått ut" in page and token.key not in page


def test_each_user_sees_only_their_own_key(browser, konsult, konsult2):
    other = Token.objects.create(user=konsult2)
    assert "Du har ingen API-nyckel" in browser.get(PAGE).text
    browser.post(PAGE, {"action": "revoke"})
    assert Token.objects.filter(pk=other.pk).exists()
