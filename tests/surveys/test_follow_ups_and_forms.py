"""A follow-up in the words of the survey, its thresholds from surveys.metrics, the import through
the one create_response, and the numbers the staff survey forms take (never a 500)."""

import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import metrics, services
from surveys.forms import CopyQuestionnaireForm, question_formset
from surveys.importing import import_responses
from surveys.models import FollowUp, Question, Questionnaire, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory


@pytest.fixture
def assignment(db, konsult):
    return AssignmentFactory(
        number="2026-0042",
        responsible=konsult,
        package=PackageFactory(price_list=PriceListFactory(year=2026)),
    )


def answer(values, assignment=None):
    questionnaire = seed_questionnaire("kundenkat", 2026)
    return services.create_response(
        questionnaire,
        values,
        list(questionnaire.questions.all()),
        answered_at=timezone.make_aware(datetime(2026, 3, 2, 12)),
        assignment=assignment,
    )


@pytest.mark.django_db
def test_a_follow_up_shows_the_question_text_not_its_key(client, chef, assignment):
    answer({"helhet": 4, "nps": 3, "vill_bli_kontaktad": True, "kommentar": "Ring mig"}, assignment)
    follow_up = FollowUp.objects.get()
    client.force_login(chef)
    page = client.get(reverse("follow-up-detail", args=[follow_up.pk])).content.decode()
    text = Question.objects.get(questionnaire__year=2026, key="vill_bli_kontaktad").text
    assert text in page and '<td data-label="Svar">Ja</td>' in page and "Ring mig" in page
    assert "vill_bli_kontaktad" not in page and "helhet:" not in page
    listing = client.get(reverse("follow-up-list")).content.decode()
    assert "Vill bli kontaktad, Låg nöjdhet (≤ 5), Låg rekommendation (NPS ≤ 6)" in listing
    assert "helhetsbetyg 5 eller lägre, eller rekommendation 6 eller lägre" in listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, reasons",
    [
        ({"helhet": metrics.SATISFIED_MIN, "nps": metrics.DETRACTOR_MAX + 1}, []),
        ({"helhet": metrics.DISSATISFIED_MAX}, ["low_score"]),
        ({"nps": metrics.DETRACTOR_MAX}, ["detractor"]),
        ({"vill_bli_kontaktad": True, "helhet": 10}, ["contact"]),
    ],
)
def test_who_is_followed_up_is_decided_by_the_metrics(values, reasons):
    assert services.follow_up_reasons(values) == reasons
    assert metrics.is_satisfied(metrics.SATISFIED_MIN) and not metrics.is_satisfied(metrics.DISSATISFIED_MAX)


@pytest.mark.django_db
def test_the_import_creates_responses_as_the_web_does_without_follow_ups(assignment):
    text = "Enkät;Besvarad;Uppdragsnummer;helhet;nps;bemotande\nkundenkat;2026-03-01;2026-0042;2;1;3\n"
    result = import_responses(file=io.BytesIO(text.encode()))
    assert result.errors == [] and result.created == 1
    imported = Response.objects.get()
    assert (imported.source, imported.assignment, imported.package_code) == (
        "import",
        assignment,
        assignment.package.code,
    )
    # bemotande is no longer asked in 2026, and keeps its type from the published questionnaire
    assert dict(imported.answers.values_list("question_key", "type")) == {
        "helhet": "scale",
        "nps": "nps",
        "bemotande": "scale",
    }
    assert not FollowUp.objects.exists()  # followed up in the old tool


@pytest.mark.django_db
def test_an_imported_score_is_read_as_a_swedish_whole_number():
    text = "Enkät;Besvarad;helhet\nkundenkat;2026-03-01; 9 \nkundenkat;2026-03-02;1234567890123\n"
    result = import_responses(file=io.BytesIO(text.encode()))
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "helhet", "”1234567890123” ska vara ett heltal från 1 till 10.")
    ]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_copying_a_questionnaire_to_an_odd_year_is_refused_in_swedish(client, admin_user):
    version = seed_questionnaire("kundenkat", 2026)
    client.force_login(admin_user)
    url = reverse("questionnaire-detail", args=[version.pk])
    for year, message in [
        ("99999999999999999999", "är för stort"),
        ("2026", "2026 har redan en version av enkäten"),
        ("två", "Ange ett heltal"),
    ]:
        response = client.post(url, {"copy": "1", "to_year": year}, follow=True)
        assert response.status_code == 200 and message in response.content.decode()
    assert Questionnaire.objects.count() == 1


odd_text = st.one_of(
    st.text(max_size=25),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"-?[0-9 \u00a0]{1,25}([,.][0-9]{0,4})?", fullmatch=True),
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=odd_text)
def test_any_copy_year_is_a_year_or_a_swedish_message(year):
    form = CopyQuestionnaireForm({"to_year": year})
    if form.is_valid():
        assert 2000 <= form.cleaned_data["to_year"] <= 2100
    else:
        assert form.errors["to_year"][0].startswith(("Ange", "”", "Det här fältet"))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=odd_text)
def test_any_question_order_is_kept_or_refused_in_swedish(admin_user, order):
    version, _created = Questionnaire.objects.get_or_create(
        kind="matchningsenkat", year=2031, defaults={"title": "M"}
    )
    data = {
        "q-TOTAL_FORMS": "1",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "1000",
        "q-0-order": order,
        "q-0-key": "ny",
        "q-0-type": "yesno",
        "q-0-text": "Ny fråga?",
    }
    formset = question_formset(version, data)
    if formset.is_valid():
        services.save_questions(
            version, changed=[f.save(commit=False) for f in formset.forms], deleted=[], by=admin_user
        )
        assert 0 <= version.questions.get(key="ny").order < 2**31
        version.questions.all().delete()
    else:
        (message,) = formset.forms[0].errors["order"]
        assert message.startswith(("Ange", "”", "Det här fältet"))


@pytest.mark.django_db
def test_only_heads_see_follow_ups(client, konsult):
    client.force_login(konsult)
    assert client.get(reverse("follow-up-list")).status_code == 403
