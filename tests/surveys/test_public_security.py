"""The public survey links: rate-limited, unguessable, bound to their own survey, and silent about
whether a token exists (one indexed query on the token's SHA-256, the same page for every refusal)."""

import secrets
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from surveys import services
from surveys.models import Invitation, Response
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory

from .test_flow import close, token_of


@pytest.fixture
def two_hires(db, konsult, chef):
    """Two closed hires, each with a sent customer and candidate invitation: four live tokens."""
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    first = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 2))
    second = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 3))
    with freeze_time("2026-04-20 10:00:00"):
        close(first, konsult)
        close(second, konsult, candidate_email="alex@example.org", candidate_name="Alex Andersson")
        for pk in services.due_invitation_ids():
            services.send_invitation(pk)
    tokens = {}
    for message in mail.outbox:
        token = token_of(message)
        invitation = Invitation.objects.get(token_hash=Invitation.hash_token(token))
        tokens[(invitation.assignment_id, invitation.questionnaire.kind)] = token
    assert len(tokens) == 4
    return first, second, tokens


def customer_answers():
    keys = ["planering", "annons", "urval", "intervjuer", "referenser", "aterkoppling_tester"]
    data = {key: "9" for key in [*keys, "kompetensbaserat", "samarbete", "helhet"]}
    data.update({"nps": "10", "kommentar": "Bra!", "vill_bli_kontaktad": "nej"})
    return data


def test_rate_limit_per_ip(client, settings, db):
    settings.SURVEY_RATE_LIMIT = "5/m"
    url = reverse("survey-answer", args=["okand"])
    with freeze_time("2026-04-21 08:00:00"):
        for _ in range(5):
            assert client.get(url, REMOTE_ADDR="10.0.0.1").status_code == 404
        refused = client.get(url, REMOTE_ADDR="10.0.0.1")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        assert "För många förfrågningar" in refused.content.decode()
        assert client.post(url, {}, REMOTE_ADDR="10.0.0.1").status_code == 429
        assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 404  # another address is not held up
    with freeze_time("2026-04-21 08:01:05"):
        assert client.get(url, REMOTE_ADDR="10.0.0.1").status_code == 404  # the next minute is free again


def test_a_thousand_random_tokens_find_nothing(two_hires, settings):
    settings.SURVEY_RATE_LIMIT = "100000/m"
    *_, tokens = two_hires
    guesses = [secrets.token_urlsafe(32) for _ in range(1000)]
    assert not set(guesses) & set(tokens.values())
    with freeze_time("2026-04-21 08:00:00"):
        assert [g for g in guesses if services.find_open_invitation(g) is not None] == []
        browser = Client()
        statuses = {browser.get(reverse("survey-answer", args=[g])).status_code for g in guesses[:100]}
        assert statuses == {404}
        # The real tokens do open their surveys, so the guesses failed for the right reason.
        assert all(services.find_open_invitation(t) is not None for t in tokens.values())


def test_a_token_answers_only_its_own_survey(two_hires):
    first, second, tokens = two_hires
    mine = tokens[(first.pk, "kundenkat")]
    with freeze_time("2026-04-21 08:00:00"):
        response = Client().post(reverse("survey-answer", args=[mine]), customer_answers())
        assert response.status_code == 302
    [stored] = Response.objects.all()
    assert (stored.assignment_id, stored.kind) == (first.pk, "kundenkat")
    # The three other invitations stay open and untouched.
    open_ones = Invitation.objects.filter(status="sent").values_list("assignment_id", "questionnaire__kind")
    assert sorted(open_ones) == sorted(
        [(first.pk, "kandidatenkat"), (second.pk, "kundenkat"), (second.pk, "kandidatenkat")]
    )
    # A token one character off opens nothing.
    altered = mine[:-1] + ("A" if mine[-1] != "A" else "B")
    with freeze_time("2026-04-21 08:00:00"):
        assert services.find_open_invitation(altered) is None


def test_refusals_look_alike_and_cost_the_same(two_hires):
    """Unknown, used and expired tokens get the same page; valid and invalid cost one query."""
    first, second, tokens = two_hires
    used = tokens[(first.pk, "kundenkat")]
    expired = tokens[(second.pk, "kandidatenkat")]
    valid = tokens[(second.pk, "kundenkat")]
    with freeze_time("2026-04-21 08:00:00"):
        assert Client().post(reverse("survey-answer", args=[used]), customer_answers()).status_code == 302
    Invitation.objects.filter(assignment=second, questionnaire__kind="kandidatenkat").update(
        expires_at="2026-04-20T12:00:00Z"
    )
    with freeze_time("2026-04-21 08:00:00"):
        pages = {}
        for name, token in [("unknown", secrets.token_urlsafe(32)), ("used", used), ("expired", expired)]:
            page = Client().get(reverse("survey-answer", args=[token]))
            pages[name] = (page.status_code, page.content)
        assert len(set(pages.values())) == 1 and pages["unknown"][0] == 404
        for token in (valid, secrets.token_urlsafe(32)):
            with CaptureQueriesContext(connection) as queries:
                services.find_open_invitation(token)
            assert len(queries) == 1
            sql = queries[0]["sql"]
            assert "token_hash" in sql and token not in sql  # looked up by its hash, never compared raw
