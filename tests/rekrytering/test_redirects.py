"""`next` sends the browser back only to a path on this site, never to another one."""

from datetime import date

import pytest
from django.urls import reverse

from rekrytering.redirects import is_same_site_path
from surveys.models import Answer, Kind, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import AssignmentFactory, TimeEntryFactory

ELSEWHERE = [
    "https://evil.example/",
    "//evil.example/enkater/",
    "/\\evil.example",
    "\\\\evil.example",
    "http://testserver/enkater/",  # even this site's own host: only paths are followed
    "javascript:alert(1)",
    "enkater/",
    "",
]


@pytest.mark.parametrize("target", ["/enkater/?kind=kundenkat&period=t1", "/tid/?vecka=2026-03-02"])
def test_a_path_on_this_site_is_followed(target):
    assert is_same_site_path(target)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_anything_else_is_not(target):
    assert not is_same_site_path(target)


@pytest.fixture
def comment(db, konsult):
    response = Response.objects.create(
        questionnaire=seed_questionnaire(Kind.KUND, 2026),
        kind=Kind.KUND,
        answered_on=date(2026, 3, 10),
        assignment=AssignmentFactory(responsible=konsult),
        consultant=konsult,
    )
    return Answer.objects.create(response=response, question_key="kommentar", type="text", text="Bra.")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_quote_form_does_not_send_anyone_away(client, chef, comment, target):
    client.force_login(chef)
    response = client.post(reverse("survey-quote", args=[comment.pk]), {"keep": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("survey-results")
    comment.refresh_from_db()
    assert comment.is_quote


def test_the_quote_form_goes_back_to_the_page_it_came_from(client, chef, comment):
    client.force_login(chef)
    back = reverse("survey-results") + "?kind=kundenkat&period=t1"
    response = client.post(reverse("survey-quote", args=[comment.pk]), {"keep": "1", "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("target", ["https://evil.example/", "http://testserver/start/"])
def test_deleting_time_does_not_send_anyone_away(client, konsult, target):
    entry = TimeEntryFactory(user=konsult, assignment=AssignmentFactory(responsible=konsult))
    client.force_login(konsult)
    response = client.post(reverse("time-delete", args=[entry.pk]), {"next": target})
    assert response["Location"] == f"{reverse('time-week')}?vecka={entry.date.isoformat()}"


def test_the_time_form_keeps_only_a_safe_next(client, konsult):
    client.force_login(konsult)
    assert 'name="next"' not in client.get(reverse("time-create"), {"next": "https://evil.example/"}).text
    page = client.get(reverse("time-create"), {"next": "/tid/?vecka=2026-03-02"}).text
    assert 'name="next" value="/tid/?vecka=2026-03-02"' in page
