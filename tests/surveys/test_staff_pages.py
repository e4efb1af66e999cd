from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assignments import services as assignment_services
from surveys import services
from surveys.models import Invitation, Question, Questionnaire, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory


@pytest.fixture
def closed(db, konsult):
    package = PackageFactory(price_list=PriceListFactory(year=2026), sends_match_survey=True)
    a = AssignmentFactory(
        responsible=konsult, package=package, ordered_on=date(2026, 3, 2), psychometric_tests=True
    )
    assignment_services.close_assignment(
        a,
        by=konsult,
        outcome="tillsatt",
        closed_on=date(2026, 4, 20),
        candidate_name="Kim",
        candidate_email="kim@example.org",
        candidate_start=date(2026, 6, 1),
    )
    return a


@pytest.mark.django_db
def test_invitations_partial_lists_and_hides_addresses_from_others(client, closed, konsult, konsult2):
    client.force_login(konsult)
    html = client.get(
        reverse("assignment-invitations", args=[closed.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Kundenkät" in html and "Matchningsenkät" in html and "kim@example.org" in html
    assert html.lstrip().startswith("<section")
    client.force_login(konsult2)
    html = client.get(reverse("assignment-invitations", args=[closed.pk])).content.decode()
    assert "kim@example.org" not in html and "Avbryt utskick" not in html


@pytest.mark.django_db
def test_postpone_cancel_and_resend(client, closed, konsult, samordnare, django_capture_on_commit_callbacks):
    """Those who manage survey sends change them, with a reason; the konsult on it may not."""
    url = reverse("assignment-invitations", args=[closed.pk])
    match = Invitation.objects.get(questionnaire__kind="matchningsenkat")
    customer = Invitation.objects.get(questionnaire__kind="kundenkat")
    client.force_login(konsult)
    assert client.post(url, {"invitation": match.pk, "action": "cancel", "reason": "x"}).status_code == 403
    client.force_login(samordnare)
    later = (timezone.localdate() + timedelta(days=400)).isoformat()
    client.post(url, {"invitation": match.pk, "action": "postpone", "send_at": later, "reason": "Semester"})
    match.refresh_from_db()
    assert timezone.localtime(match.send_at).date().isoformat() == later
    response = client.post(
        url,
        {"invitation": match.pk, "action": "postpone", "send_at": "2000-01-01", "reason": "Semester"},
        follow=True,
    )
    assert "Välj en tidpunkt i framtiden" in response.content.decode()
    client.post(url, {"invitation": match.pk, "action": "cancel", "reason": "Tjänsten drogs in"})
    match.refresh_from_db()
    assert match.status == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {
                "invitation": customer.pk,
                "action": "resend",
                "email": "Ratt@Example.org",
                "reason": "Fel adress",
            },
        )
    customer.refresh_from_db()
    assert customer.email == "ratt@example.org" and customer.status == "sent"
    assert mail.outbox[-1].to == ["ratt@example.org"]
    response = client.post(
        url,
        {"invitation": customer.pk, "action": "resend", "email": "inte-epost", "reason": "Fel adress"},
        follow=True,
    )
    assert "Ange en giltig e-postadress" in response.content.decode()


@pytest.mark.django_db
def test_training_gets_one_shared_link(client, konsult):
    package = PackageFactory(
        price_list=PriceListFactory(year=2026),
        code="kbr",
        name="KBR",
        unit="tillfalle",
        sends_customer_survey=False,
        sends_candidate_survey=False,
        sends_training_evaluation=True,
    )
    a = AssignmentFactory(responsible=konsult, package=package)
    assignment_services.close_assignment(
        a, by=konsult, outcome="tillsatt", closed_on=date(2026, 4, 20), candidate_start=date(2026, 4, 20)
    )
    invitation = Invitation.objects.get()
    assert invitation.shared and invitation.status == "sent" and mail.outbox == []
    client.force_login(konsult)
    html = client.get(reverse("assignment-invitations", args=[a.pk])).content.decode()
    token = services.token_for(invitation)
    assert f"/enkat/{token}/" in html
    for score in ("8", "10"):
        assert client.post(reverse("survey-answer", args=[token]), {"betyg": score}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.answer_count == 2 and invitation.status == "sent"
    assert Response.objects.filter(kind="utbildningsutvardering").count() == 2


@pytest.mark.django_db
def test_admin_copies_and_edits_questionnaire_locked_once_answered(client, admin_user, konsult):
    version = seed_questionnaire("kundenkat", 2026)
    client.force_login(admin_user)
    response = client.post(
        reverse("questionnaire-detail", args=[version.pk]), {"copy": "1", "to_year": "2027"}
    )
    copy = Questionnaire.objects.get(kind="kundenkat", year=2027)
    assert response.url == reverse("questionnaire-detail", args=[copy.pk])
    assert list(copy.questions.values_list("key", flat=True)) == list(
        version.questions.values_list("key", flat=True)
    )
    Response.objects.create(questionnaire=version, kind="kundenkat", answered_on=date(2026, 3, 1))
    page = client.get(reverse("questionnaire-detail", args=[version.pk])).content.decode()
    assert "kan inte ändras" in page
    client.force_login(konsult)
    assert (
        client.post(
            reverse("questionnaire-detail", args=[copy.pk]), {"copy": "1", "to_year": "2030"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_anonymous_questionnaire_with_answers_stays_anonymous(db):
    version = seed_questionnaire("kandidatenkat", 2026)
    assert version.anonymous
    Response.objects.create(questionnaire=version, kind="kandidatenkat", answered_on=date(2026, 3, 1))
    version.anonymous = False
    version.save()
    version.refresh_from_db()
    assert version.anonymous  # anonymity belongs to the kind
    customer = seed_questionnaire("kundenkat", 2026)
    customer.anonymous = True
    customer.save()
    customer.refresh_from_db()
    assert not customer.anonymous


@pytest.mark.django_db
def test_anonymous_questionnaire_cannot_ask_by_the_assignment(db):
    version = seed_questionnaire("kandidatenkat", 2026)
    question = Question(questionnaire=version, key="ny", type="yesno", text="Ny?", condition="tests")
    with pytest.raises(ValidationError, match="anonym enkät"):
        question.full_clean()


@pytest.mark.django_db
def test_conditional_questions(closed):
    customer = Invitation.objects.get(questionnaire__kind="kundenkat")
    keys = [q.key for q in services.questions_for(customer)]
    assert "aterkoppling_tester" in keys  # tests were used
    assert "referenser" not in keys  # no references were taken
    candidate_q = Question.objects.filter(questionnaire__kind="kandidatenkat")
    values, errors = services.validate_answers(
        list(candidate_q), {"helhetsomdome": "9", "tester_genomforda": "nej"}
    )
    assert "tester_info" not in errors and "tester_info" not in values
    values, errors = services.validate_answers(list(candidate_q), {"tester_genomforda": "ja"})
    assert "tester_info" in errors


@pytest.mark.django_db
def test_the_editor_refuses_an_assignment_condition_in_the_candidate_survey(client, admin_user):
    version = seed_questionnaire("kandidatenkat", 2027)
    existing = list(version.questions.all())
    data = {
        "q-TOTAL_FORMS": str(len(existing) + 1),
        "q-INITIAL_FORMS": str(len(existing)),
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "1000",
    }
    for i, q in enumerate(existing):
        data.update(
            {
                f"q-{i}-id": str(q.pk),
                f"q-{i}-order": str(q.order),
                f"q-{i}-key": q.key,
                f"q-{i}-type": q.type,
                f"q-{i}-text": q.text,
                f"q-{i}-condition": q.condition,
                f"q-{i}-condition_key": q.condition_key,
            }
        )
    n = len(existing)
    data.update(
        {
            f"q-{n}-order": "99",
            f"q-{n}-key": "tester_bra",
            f"q-{n}-type": "yesno",
            f"q-{n}-text": "Var testerna bra?",
            f"q-{n}-condition": "tests",
        }
    )
    client.force_login(admin_user)
    response = client.post(reverse("questionnaire-detail", args=[version.pk]), data)
    assert response.status_code == 200
    assert "En anonym enkät kan inte ställa frågor utifrån hur uppdraget gjordes" in response.content.decode()
    assert not version.questions.filter(key="tester_bra").exists()
