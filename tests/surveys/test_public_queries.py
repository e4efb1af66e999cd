"""The public answer page costs a fixed number of queries, however many questions it asks.

Opening a link: the invitation with its questionnaire and assignment (one query on the token's
hash; an anonymous survey's link also asks whether it was used) and the questions. Answering adds
the saving: the lock on a personal link, the response, all its answers in one insert, a
follow-up when a customer is dissatisfied, and the transaction around them. And on PostgreSQL
a web process keeps its connection between requests rather than opening one for each.
"""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from surveys import services
from surveys.models import Answer, FollowUp, Invitation, Question, Response
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory

from .test_flow import close

# The most each page may cost (BEGIN and COMMIT count where the backend reports them).
GET_QUERIES = {"kundenkat": 2, "kandidatenkat": 3}
POST_QUERIES = {"kundenkat": 10, "kandidatenkat": 9}
EXTRA_QUESTIONS = 30
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def links(db, konsult, chef, settings):
    """The open customer and candidate links of a closed hire whose assignment used everything the
    customer survey's conditional questions ask about."""
    settings.SURVEY_RATE_LIMIT = "100000/m"
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    assignment = AssignmentFactory(
        responsible=konsult,
        package=package,
        ordered_on=date(2026, 3, 2),
        references_checked=2,
        psychometric_tests=True,
        screening=True,
        search=True,
    )
    with freeze_time("2026-04-20 10:00:00"):
        close(assignment, konsult)
        for pk in services.due_invitation_ids():
            services.send_invitation(pk)
    invitations = Invitation.objects.select_related("questionnaire").exclude(token_salt="")
    found = {invitation.questionnaire.kind: invitation for invitation in invitations}
    assert set(found) >= {"kundenkat", "kandidatenkat"}
    return found


def add_questions(questionnaire, count: int) -> None:
    """`count` more questions of every type (a few only asked after a yes) at the end."""
    last = questionnaire.questions.order_by("-order").first().order
    types = [Question.Type.SCALE, Question.Type.NPS, Question.Type.YESNO, Question.Type.TEXT]
    questions = []
    for n in range(count):
        qtype = types[n % len(types)]
        follows_yes = qtype == Question.Type.SCALE and n >= len(types)  # after the yes/no two before
        questions.append(
            Question(
                questionnaire=questionnaire,
                key=f"extra_{n}",
                order=last + 1 + n,
                type=qtype,
                text=f"Extrafråga {n}",
                optional=qtype == Question.Type.TEXT,
                condition=Question.Condition.ANSWER_YES if follows_yes else "",
                condition_key=f"extra_{n - 2}" if follows_yes else "",
            )
        )
    Question.objects.bulk_create(questions)


def answers(invitation, *, dissatisfied=False) -> dict[str, str]:
    """An answer to every question the link asks (yes where one decides whether others are asked)."""
    data = {}
    for question in services.questions_for(invitation):
        if question.type == Question.Type.YESNO:
            data[question.key] = "ja"
        elif question.type == Question.Type.TEXT:
            data[question.key] = "Bra."
        else:
            data[question.key] = str(question.scale[1 if dissatisfied else -1])
    return data


def page_queries(client, token) -> tuple[int, int]:
    """(queries, questions shown) of opening the link."""
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/enkat/{token}/")
    assert page.status_code == 200
    return len(queries), page.content.decode().count(' id="q-')


@pytest.mark.parametrize("kind", ["kundenkat", "kandidatenkat"])
@freeze_time("2026-04-21 09:00:00")
def test_opening_a_link_costs_the_same_few_queries_for_any_number_of_questions(client, links, kind):
    invitation = links[kind]
    token = services.token_for(invitation)
    few, shown = page_queries(client, token)
    assert few <= GET_QUERIES[kind]
    add_questions(invitation.questionnaire, EXTRA_QUESTIONS)
    many, shown_after = page_queries(client, token)
    assert shown_after == shown + EXTRA_QUESTIONS  # every new one is on the page (the conditional too)
    assert many == few


@pytest.mark.parametrize("kind", ["kundenkat", "kandidatenkat"])
@pytest.mark.parametrize("extra", [0, EXTRA_QUESTIONS])
@freeze_time("2026-04-21 09:00:00")
def test_answering_costs_the_same_few_queries_for_any_number_of_questions(client, links, kind, extra):
    invitation = links[kind]
    if extra:
        add_questions(invitation.questionnaire, extra)
    data = answers(invitation, dissatisfied=True)  # a customer's low scores also make a follow-up
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/enkat/{services.token_for(invitation)}/", data)
    assert response.status_code == 302 and response["Location"] == "/enkat/tack/"
    assert len(queries) <= POST_QUERIES[kind], [q["sql"][:80] for q in queries]
    stored = Response.objects.get()
    assert Answer.objects.filter(response=stored).count() == len(data)
    assert FollowUp.objects.filter(response=stored).exists() == (kind == "kundenkat")
    # The link is used: a second answer is refused, to the browser that answered without a query.
    with CaptureQueriesContext(connection) as queries:
        assert client.post(f"/enkat/{services.token_for(invitation)}/", data).status_code == 409
    assert len(queries) == 0
    assert Client().post(f"/enkat/{services.token_for(invitation)}/", data).status_code == 404
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("env", "kept"),
    [
        ({"DATABASE_URL": "postgres://app@db.example.org:5432/rekrytering"}, 60),
        ({"DATABASE_URL": "postgres://app@db.example.org:5432/rekrytering", "DB_CONN_MAX_AGE": "0"}, 0),
        ({"DATABASE_URL": "postgres://app@db.example.org:5432/rekrytering", "DB_CONN_MAX_AGE": "300"}, 300),
        ({"DATABASE_URL": "sqlite:///tmp/x.sqlite3"}, 0),
    ],
)
def test_web_processes_keep_their_postgresql_connection_and_check_it_before_reuse(env, kept):
    """A page costs its queries, not a new connection (6–13 ms on PostgreSQL) each time."""
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DB_CONN_MAX_AGE"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="rekrytering.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(kept), "True"]
