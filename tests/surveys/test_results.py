from datetime import date

import pytest
from django.urls import reverse
from freezegun import freeze_time

from rekrytering.periods import period
from surveys import selectors
from surveys.models import Answer, FollowUp, Kind, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UnitFactory, UserFactory


def respond(kind, answered_on, values, *, assignment=None, consultant=None, unit=None):
    questionnaire = seed_questionnaire(kind, answered_on.year)
    types = {q.key: q.type for q in questionnaire.questions.all()}
    if questionnaire.anonymous:
        # What an anonymous response keeps: the answer month and perhaps the unit.
        response = Response.objects.create(
            questionnaire=questionnaire, kind=kind, answered_on=answered_on.replace(day=1), unit=unit
        )
    else:
        response = Response.objects.create(
            questionnaire=questionnaire,
            kind=kind,
            answered_on=answered_on,
            assignment=assignment,
            consultant=consultant or (assignment.responsible if assignment else None),
        )
    for key, value in values.items():
        t = types[key]
        Answer.objects.create(
            response=response,
            question_key=key,
            type=t,
            number=value if t in ("scale", "nps") else None,
            yes=value if t == "yesno" else None,
            text=value if t == "text" else "",
        )
    return response


@pytest.fixture
def assignment(db, konsult):
    return AssignmentFactory(
        responsible=konsult, package=PackageFactory(price_list=PriceListFactory(year=2026))
    )


@pytest.mark.django_db
def test_customer_figures_as_defined(assignment):
    # helhet 10, 9, 5 → satisfied 2 of 3; nps 10, 9, 4 → (2−1)/3 = 33.3
    respond(Kind.KUND, date(2026, 2, 1), {"helhet": 10, "planering": 8, "nps": 10}, assignment=assignment)
    respond(Kind.KUND, date(2026, 3, 1), {"helhet": 9, "planering": 9, "nps": 9}, assignment=assignment)
    respond(Kind.KUND, date(2026, 4, 30), {"helhet": 5, "planering": 6, "nps": 4}, assignment=assignment)
    respond(Kind.KUND, date(2026, 5, 1), {"helhet": 1, "nps": 0}, assignment=assignment)  # T2: outside T1
    result = selectors.kind_result(period(2026, "cum1"), Kind.KUND, selectors.ResultFilter())
    assert result.responses == 3
    assert result.share_satisfied == 66.7
    assert result.nps.nps == 33.3
    assert (result.nps.promoters, result.nps.passives, result.nps.detractors) == (2, 0, 1)
    # pooled mean of all 1–10 answers: (10+8+9+9+5+6)/6 = 7.83
    assert result.pooled_mean == 7.83
    planering = next(q for q in result.questions if q["key"] == "planering")
    assert planering["mean"] == 7.67


@pytest.mark.django_db
@freeze_time("2026-06-10")
def test_candidate_results_below_department_only_per_unit_for_ended_periods(konsult):
    one, two = UnitFactory(name="Enhet 1"), UnitFactory(name="Enhet 2")
    for day in range(1, 5):
        respond(Kind.KANDIDAT, date(2026, 2, day), {"helhetsomdome": 9, "info_kbr": True}, unit=one)
    for day in range(1, 7):
        respond(Kind.KANDIDAT, date(2026, 3, day), {"helhetsomdome": 6, "info_kbr": False}, unit=two)
    t1 = period(2026, "cum1")
    whole = selectors.kind_result(t1, Kind.KANDIDAT, selectors.ResultFilter())
    assert not whole.hidden and whole.responses == 10
    # Never per consultant (the responses do not keep one).
    mine = selectors.kind_result(t1, Kind.KANDIDAT, selectors.ResultFilter(consultant=konsult.pk))
    assert mine.hidden and mine.questions == [] and "per enhet" in mine.hidden_reason
    assert mine.response_rate is None
    # Unit 1 has 4 answers: hidden. Unit 2 has 6, but the department minus unit 2 is unit 1's 4.
    for unit in (one, two):
        result = selectors.kind_result(t1, Kind.KANDIDAT, selectors.ResultFilter(unit=unit.pk))
        assert result.hidden and "Färre än 5" in result.hidden_reason
    respond(Kind.KANDIDAT, date(2026, 4, 9), {"helhetsomdome": 7}, unit=one)
    for unit, mean in ((one, 8.6), (two, 6.0)):
        result = selectors.kind_result(t1, Kind.KANDIDAT, selectors.ResultFilter(unit=unit.pk))
        assert not result.hidden
        assert next(q for q in result.questions if q["key"] == "helhetsomdome")["mean"] == mean
        # info_kbr: unit 1 answered it 4 times, so neither unit's share is shown.
        assert next(q for q in result.questions if q["key"] == "info_kbr").get("hidden")
    # The current tertial is not shown per unit while it runs.
    ongoing = selectors.kind_result(period(2026, "cum2"), Kind.KANDIDAT, selectors.ResultFilter(unit=one.pk))
    assert ongoing.hidden and "när perioden är slut" in ongoing.hidden_reason


@pytest.mark.django_db
def test_year_over_year_marks_published_figures(assignment):
    respond(Kind.KUND, date(2026, 2, 1), {"helhet": 10, "nps": 10}, assignment=assignment)
    table = selectors.year_over_year(Kind.KUND, selectors.ResultFilter(), 2026)
    assert table["years"][0] == 2020 and table["years"][-1] == 2026
    helhet = next(r for r in table["rows"] if r["key"] == "helhet")
    by_year = dict(zip(table["years"], helhet["cells"], strict=True))
    assert by_year[2025] == {"value": 9.56, "published": True, "count": None}
    assert by_year[2026]["value"] == 10.0 and by_year[2026]["published"] is False


@pytest.mark.django_db
def test_konsult_sees_only_own_customer_results(client, konsult, konsult2, assignment):
    theirs = AssignmentFactory(responsible=konsult2, package=assignment.package)
    respond(
        Kind.KUND, date(2026, 2, 1), {"helhet": 10, "kommentar": "Min kund är nöjd"}, assignment=assignment
    )
    respond(Kind.KUND, date(2026, 2, 2), {"helhet": 2, "kommentar": "Annans kund är arg"}, assignment=theirs)
    client.force_login(konsult)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    assert "Min kund är nöjd" in page and "Annans kund är arg" not in page
    assert "Kandidatenkät" not in page
    assert client.get(reverse("follow-up-list")).status_code == 403


@pytest.mark.django_db
def test_results_page_query_count_is_bounded(client, chef, assignment, django_assert_max_num_queries):
    for day in range(1, 4):
        respond(
            Kind.KUND, date(2026, 2, day), {"helhet": 9, "nps": 9, "kommentar": "Bra"}, assignment=assignment
        )
    client.force_login(chef)
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"})
    for day in range(4, 28):
        respond(
            Kind.KUND, date(2026, 2, day), {"helhet": 9, "nps": 9, "kommentar": "Bra"}, assignment=assignment
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).status_code == 200


@pytest.mark.django_db
def test_follow_up_log_and_done(client, chef, assignment):
    response = respond(Kind.KUND, date(2026, 2, 1), {"helhet": 3}, assignment=assignment)
    follow_up = FollowUp.objects.create(
        response=response,
        assignment=assignment,
        reasons="low_score",
        assigned_to=chef,
        due_on=date(2026, 2, 15),
    )
    client.force_login(chef)
    page = client.get(reverse("follow-up-list")).content.decode()
    assert "Försenad" in page
    response = client.post(
        reverse("follow-up-detail", args=[follow_up.pk]), {"text": "Ringt kunden", "done": "on"}
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done and follow_up.notes.get().text == "Ringt kunden"
    client.force_login(UserFactory())
    assert client.get(reverse("follow-up-detail", args=[follow_up.pk])).status_code == 403


@pytest.mark.django_db
def test_results_page_compares_with_last_year(client, chef, assignment):
    # Last year: helhet 10, 4 → 50 % satisfied; nps 10, 3 → NPS 0; pooled mean (10 + 4) / 2 = 7.
    respond(Kind.KUND, date(2025, 2, 1), {"helhet": 10, "nps": 10}, assignment=assignment)
    respond(Kind.KUND, date(2025, 2, 2), {"helhet": 4, "nps": 3}, assignment=assignment)
    respond(Kind.KUND, date(2026, 2, 2), {"helhet": 9, "nps": 9}, assignment=assignment)
    client.force_login(chef)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    assert "(2 förra året)" in page
    assert "(förra året 0)" in page  # NPS
    assert "(förra året 50 %)" in page
    assert "(förra året 7)" in page
