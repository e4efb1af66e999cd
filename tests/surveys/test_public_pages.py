"""What the public answer page tells a respondent: which recruitment it is about, how far through
the questions they are, what a scale's ends mean, and — to the browser that answered only — that a
link has already been answered."""

import re
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from surveys import services
from surveys.models import Invitation, Question, Response, SpentLink
from surveys.questionnaires import copy_questionnaire, seed_questionnaire
from surveys.views import public
from tests.factories import AssignmentFactory, OrganisationFactory, PackageFactory, PriceListFactory

from .test_flow import close, token_of
from .test_public_queries import answers

ROLE = "IT-samordnare för LSS-boenden"
ORGANISATION = "Farsta stadsdelsförvaltning"
CANDIDATE = "Kim Kandidatsson"
NOW = "2026-04-21 09:00:00"


@pytest.fixture
def hire(db, konsult, chef, settings):
    """A closed hire with a customer and an anonymous candidate link, sent on 2026-04-20."""
    settings.SURVEY_RATE_LIMIT = "100000/m"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assignment = AssignmentFactory(
        responsible=konsult,
        package=PackageFactory(price_list=PriceListFactory(year=2026)),
        organisation=OrganisationFactory(name=ORGANISATION),
        role_title=ROLE,
        ordered_on=date(2026, 3, 2),
        references_checked=1,
    )
    with freeze_time("2026-04-20 10:00:00"):
        close(assignment, konsult, candidate_name=CANDIDATE)
        for pk in services.due_invitation_ids():
            services.send_invitation(pk)
    tokens = {}
    for message in mail.outbox:
        invitation = Invitation.objects.get(token_hash=Invitation.hash_token(token_of(message)))
        tokens[invitation.questionnaire.kind] = (invitation, token_of(message))
    assert set(tokens) == {"kundenkat", "kandidatenkat"}
    return tokens


def url(token):
    return f"/enkat/{token}/"


def signed(value: str) -> str:
    """`value` signed as the answer page signs its cookie (Django's signed cookies)."""
    response = HttpResponse()
    response.set_signed_cookie(public.answered_cookie_name(), value, salt=public.ANSWERED_COOKIE_SALT)
    return response.cookies[public.answered_cookie_name()].value


def unsigned(cookie: str) -> str:
    request = HttpRequest()
    request.COOKIES[public.answered_cookie_name()] = cookie
    return request.get_signed_cookie(
        public.answered_cookie_name(), salt=public.ANSWERED_COOKIE_SALT, max_age=public.ANSWERED_COOKIE_AGE
    )


def text_of(page) -> str:
    """The page's visible text, tags dropped and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())


# --- Which recruitment -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["kundenkat", "kandidatenkat"])
@freeze_time(NOW)
def test_the_page_names_the_role_as_registered_and_the_organisation_never_the_candidate(client, hire, kind):
    invitation, token = hire[kind]
    page = client.get(url(token))
    assert page.status_code == 200
    text = text_of(page)
    assert f"Enkäten gäller rekryteringen {ROLE} , {ORGANISATION}" in text
    assert ROLE.lower() not in page.content.decode()
    assert CANDIDATE not in text and "Kim" not in text


@freeze_time(NOW)
def test_the_invitation_email_names_the_role_with_its_own_casing(hire):
    bodies = {message.subject: message.body for message in mail.outbox}
    assert len(bodies) == 2
    for body in bodies.values():
        assert f"Enkäten gäller rekryteringen: {ROLE}, {ORGANISATION}" in body
        assert ROLE.lower() not in body
        assert CANDIDATE not in body


@freeze_time(NOW)
def test_the_anonymous_page_shows_the_recruitment_but_the_response_keeps_none_of_it(client, hire):
    invitation, token = hire["kandidatenkat"]
    page = client.get(url(token))
    assert "sparas inte med dina svar" in text_of(page)
    assert client.post(url(token), answers(invitation)).status_code == 302
    response = Response.objects.get(kind="kandidatenkat")
    assert (response.assignment_id, response.organisation_id, response.consultant_id) == (None, None, None)
    assert (response.sector_id, response.package_code) == (None, "")


# --- Progress ----------------------------------------------------------------------------------


@freeze_time(NOW)
def test_every_question_says_its_number_and_the_progress_starts_hidden_for_the_script(client, hire):
    invitation, token = hire["kundenkat"]
    page = client.get(url(token))
    html = page.content.decode()
    total = len(services.questions_for(invitation))
    numbers = re.findall(r"<span class=\"q-number\" data-number>Fråga (\d+) av (\d+)</span>", html)
    assert numbers == [(str(n), str(total)) for n in range(1, total + 1)]
    # Without JavaScript the bar stays hidden (it could not move); js/survey.js shows and updates it.
    assert re.search(r'<div class="survey-progress" id="survey-progress" hidden>', html)
    assert f'<progress id="survey-progress-bar" max="{total}" value="0"' in html
    assert 'aria-labelledby="survey-progress-text"' in html and 'aria-live="polite"' in html
    assert '<script src="/static/js/survey.js" defer></script>' in html


@freeze_time(NOW)
def test_a_form_sent_back_with_errors_counts_what_was_answered(client, hire):
    invitation, token = hire["kundenkat"]
    data = {"planering": "8", "annons": "7", "kommentar": "Bra"}
    page = client.post(url(token), data)
    assert page.status_code == 400
    assert f'max="{len(services.questions_for(invitation))}" value="3"' in page.content.decode()


# --- What the ends of a scale mean -------------------------------------------------------------


@freeze_time(NOW)
def test_the_overall_question_asks_satisfaction_not_agreement(client, hire):
    invitation, token = hire["kundenkat"]
    html = client.get(url(token)).content.decode()
    legends = dict(
        re.findall(r'id="q-([a-z_]+)".*?<span class="scale-legend">\(([^)]*)\)</span>', html, re.S)
    )
    assert legends["helhet"] == "1 = mycket missnöjd, 10 = mycket nöjd"
    assert legends["planering"] == "1 = instämmer inte alls, 10 = instämmer helt"
    assert legends["nps"] == "0 = inte alls troligt, 10 = mycket troligt"


@pytest.mark.django_db
def test_published_anchors_are_seeded_copied_and_given_to_versions_made_before_them():
    customer = seed_questionnaire("kundenkat", 2026)
    anchors = dict(customer.questions.values_list("key", "anchors"))
    assert anchors["helhet"] == Question.Anchors.SATISFACTION
    assert {anchors[k] for k in anchors if k != "helhet"} == {Question.Anchors.AGREEMENT}
    assert seed_questionnaire("matchningsenkat", 2026).questions.get(key="matchning").scale_legend == (
        "1 = mycket dåligt, 10 = mycket bra"
    )
    copy = copy_questionnaire(customer, 2027)
    assert copy.questions.get(key="helhet").anchors == Question.Anchors.SATISFACTION

    # A version stored before the ends were kept (the data migration's rule).
    from importlib import import_module

    from django.apps import apps

    Question.objects.update(anchors="")
    import_module("surveys.migrations.0008_question_anchors").set_anchors(apps, None)
    assert set(Question.objects.filter(key="helhet").values_list("anchors", flat=True)) == {"satisfaction"}
    assert Question.objects.get(key="matchning").anchors == "quality"
    assert Question.objects.get(questionnaire=customer, key="planering").anchors == ""


# --- Already answered: told to the answering browser only ---------------------------------------


@freeze_time(NOW)
@pytest.mark.parametrize("kind", ["kundenkat", "kandidatenkat"])
def test_reopening_an_answered_link_says_so_only_to_the_browser_that_answered(client, hire, kind):
    invitation, token = hire[kind]
    assert client.post(url(token), answers(invitation)).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url(token))
    assert again.status_code == 200
    assert "Tack, dina svar är redan inlämnade" in text_of(again)
    assert len(queries) == 0  # the cookie alone says it
    # A stranger with the same link sees what a wrong link shows, byte for byte.
    stranger = Client().get(url(token))
    wrong = Client().get(url("x" * 43))
    assert stranger.status_code == wrong.status_code == 404
    assert stranger.content == wrong.content
    assert "redan inlämnade" not in stranger.content.decode()


@freeze_time(NOW)
def test_a_second_tabs_answer_is_not_saved_and_says_why(client, hire):
    invitation, token = hire["kundenkat"]
    assert client.get(url(token)).status_code == 200  # the first tab
    assert client.get(url(token)).status_code == 200  # the second tab
    assert client.post(url(token), answers(invitation)).status_code == 302
    second = client.post(url(token), answers(invitation, dissatisfied=True))
    assert second.status_code == 409
    assert "Svaren sparades inte – enkäten är redan besvarad" in text_of(second)
    assert "sparades inte" in text_of(second) and "annan flik" in text_of(second)
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(question_key="helhet").number == 10  # the first tab's
    # The same post from another browser: the generic page.
    stranger = Client().post(url(token), answers(invitation))
    assert stranger.status_code == 404 and "Länken går inte att använda" in text_of(stranger)


@freeze_time(NOW)
def test_the_cookie_is_signed_httponly_lax_scoped_and_holds_no_token(client, hire):
    invitation, token = hire["kandidatenkat"]
    answered = client.post(url(token), answers(invitation))
    cookie = answered.cookies[public.answered_cookie_name()]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/enkat/"
    assert not cookie["secure"]  # HTTP in development; see the production test below
    assert token not in cookie.value and token not in cookie.output()
    assert Invitation.hash_token(token) not in cookie.value
    assert services.spent_digest(token) not in cookie.value
    assert SpentLink.objects.filter(digest=services.spent_digest(token)).exists()
    assert unsigned(cookie.value) == services.answered_digest(token)
    assert cookie["max-age"] == 90 * 24 * 3600


@freeze_time(NOW)
def test_in_production_the_cookie_is_secure_with_its_prefix(client, hire, settings):
    settings.SESSION_COOKIE_SECURE = True
    invitation, token = hire["kundenkat"]
    answered = client.post(url(token), answers(invitation), secure=True)
    cookie = answered.cookies["__Secure-enkatsvar"]
    assert cookie["secure"] is True and cookie["httponly"] is True
    assert "redan inlämnade" in text_of(client.get(url(token), secure=True))


@freeze_time(NOW)
def test_nothing_stored_holds_the_browsers_mark(client, hire):
    """The mark lives in the browser only: no table holds the digest or the cookie."""
    invitation, token = hire["kandidatenkat"]
    answered = client.post(url(token), answers(invitation))
    cookie = answered.cookies[public.answered_cookie_name()].value
    digest = services.answered_digest(token)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for value in row:
                    assert digest not in str(value) and cookie not in str(value), table


@freeze_time(NOW)
def test_a_forged_or_foreign_cookie_tells_nothing(client, hire):
    customer, customer_token = hire["kundenkat"]
    candidate, candidate_token = hire["kandidatenkat"]
    # The candidate link was answered in another browser; this one answered only the customer link.
    assert Client().post(url(candidate_token), answers(candidate)).status_code == 302
    assert client.post(url(customer_token), answers(customer)).status_code == 302
    assert client.get(url(candidate_token)).status_code == 404
    # A cookie written by hand with the right digest but no valid signature.
    forged = Client()
    forged.cookies[public.answered_cookie_name()] = services.answered_digest(customer_token)
    assert forged.get(url(customer_token)).status_code == 404
    # A signed cookie past its age.
    with freeze_time("2026-08-01 09:00:00"):
        assert client.get(url(customer_token)).status_code == 404


@freeze_time(NOW)
def test_an_expired_link_answered_here_still_says_answered(client, hire):
    invitation, token = hire["kundenkat"]
    assert client.post(url(token), answers(invitation)).status_code == 302
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.EXPIRED)
    assert "redan inlämnade" in text_of(client.get(url(token)))
    assert Client().get(url(token)).status_code == 404


@freeze_time(NOW)
def test_the_browser_remembers_its_latest_links_only(client, hire):
    invitation, token = hire["kundenkat"]
    older = [f"{n:032x}" for n in range(public.ANSWERED_LINKS_KEPT)]
    client.cookies[public.answered_cookie_name()] = signed("-".join(older))
    assert "redan inlämnade" not in text_of(client.get(url(token)))
    answered = client.post(url(token), answers(invitation))
    kept = unsigned(answered.cookies[public.answered_cookie_name()].value).split("-")
    assert kept == [*older[1:], services.answered_digest(token)]
    assert len(answered.cookies[public.answered_cookie_name()].value) < 1000


@pytest.mark.django_db
def test_a_shared_training_link_stays_open_in_the_browser_that_answered(client, konsult, settings):
    settings.SURVEY_RATE_LIMIT = "100000/m"
    from assignments import services as assignment_services

    package = PackageFactory(
        price_list=PriceListFactory(year=2026),
        code="kbr",
        name="KBR",
        unit="tillfalle",
        sends_customer_survey=False,
        sends_candidate_survey=False,
        sends_training_evaluation=True,
    )
    assignment = AssignmentFactory(responsible=konsult, package=package, role_title="KBR för chefer")
    assignment_services.close_assignment(
        assignment,
        by=konsult,
        outcome="tillsatt",
        closed_on=date(2026, 4, 20),
        candidate_start=date(2026, 4, 20),
    )
    token = services.token_for(Invitation.objects.get())
    page = client.get(url(token))
    assert "Enkäten gäller utbildningen KBR för chefer" in text_of(page)
    assert "1 = mycket dåligt, 10 = mycket bra" in text_of(page)
    answered = client.post(url(token), {"betyg": "9"})
    assert answered.status_code == 302 and public.answered_cookie_name() not in answered.cookies
    assert client.get(url(token)).status_code == 200
