"""Survey figures fetched together (survey_counts: per tertial, all kinds, several periods in one
set of queries) give exactly what each period fetched on its own gives."""

import random
from datetime import date, datetime, time

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rekrytering import memo
from rekrytering.periods import period
from surveys import selectors
from surveys.models import Invitation, Kind
from surveys.services import questionnaire_for
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UnitFactory, UserFactory
from tests.surveys.test_results import respond

PERIODS = [(year, code) for year in (2025, 2026) for code in ("T1", "T2", "T3", "cum1", "cum2", "year")]


@pytest.fixture
def answers(db):
    rng = random.Random(7)
    units = [UnitFactory(), UnitFactory()]
    consultants = [UserFactory(role="konsult", unit=unit) for unit in units]
    for year in (2025, 2026):
        packages = [
            PackageFactory(price_list=PriceListFactory(year=year), code=code, name=code)
            for code in ("stora", "chef")
        ]
        for month in range(1, 13):
            day = date(year, month, 10)
            for _ in range(3):
                consultant = rng.choice(consultants)
                assignment = AssignmentFactory(responsible=consultant, package=rng.choice(packages))
                sent_at = timezone.make_aware(datetime.combine(day, time(9)))
                Invitation.objects.create(
                    assignment=assignment,
                    questionnaire=questionnaire_for(Kind.KUND, year),
                    recipient_name="Beställare",
                    email="bestallare@example.org",
                    status=Invitation.Status.ANSWERED,
                    send_at=sent_at,
                    sent_at=sent_at,
                )
                response = respond(
                    Kind.KUND,
                    day,
                    {
                        "helhet": rng.randint(1, 10),
                        "planering": rng.randint(1, 10),
                        "nps": rng.randint(0, 10),
                    },
                    assignment=assignment,
                )
                response.sent_in = date(year, (month - 1) // 4 * 4 + 1, 1)
                response.package_code = assignment.package.code
                response.unit = consultant.unit
                response.save()
            for _ in range(6):
                respond(Kind.KANDIDAT, day, {"helhetsomdome": rng.randint(1, 10)}, unit=rng.choice(units))
            respond(Kind.MATCHNING, day, {"matchning": rng.randint(1, 10)})
    return {"units": units, "consultants": consultants}


def filters(answers):
    unit, consultant = answers["units"][0], answers["consultants"][1]
    return [
        selectors.ResultFilter(),
        selectors.ResultFilter(unit=unit.pk),
        selectors.ResultFilter(consultant=consultant.pk),
        selectors.ResultFilter(package="chef"),
    ]


@pytest.mark.django_db
@freeze_time("2026-12-20")
def test_periods_fetched_together_equal_each_fetched_alone(answers):
    kinds = [Kind.KUND, Kind.KANDIDAT, Kind.MATCHNING]
    for flt in filters(answers):
        chosen = [period(year, code) for year, code in PERIODS]
        together = selectors.survey_counts(chosen, flt, kinds)
        for p, counts in zip(chosen, together, strict=True):
            # The period fetched on its own, not made of tertials.
            (alone,) = selectors._fetch_counts([p], flt, selectors._normal_kinds(kinds, flt))
            assert counts.responses == alone.responses, (p, flt)
            assert counts.rates == alone.rates, (p, flt)
            assert counts.stats == {
                kind: {key: {**row, "p": counts.stats[kind][key]["p"]} for key, row in rows.items()}
                for kind, rows in alone.stats.items()
            }, (p, flt)
    # The data is there to be counted.
    whole = selectors.survey_counts([period(2025, "year")], selectors.ResultFilter(), kinds)[0]
    assert whole.responses == {Kind.KUND: 36, Kind.KANDIDAT: 72, Kind.MATCHNING: 12}
    assert whole.rates[Kind.KUND] == (36, 36)


@pytest.mark.django_db
@freeze_time("2026-12-20")
def test_kind_results_and_headlines_together_equal_one_by_one(answers):
    kinds = list(Kind.values)
    for flt in filters(answers):
        for year, code in PERIODS:
            p = period(year, code)
            with memo.figure_cache():
                selectors.survey_counts([p, p.previous_year], flt, kinds)
                together = selectors.kind_results(p, kinds, flt)
                heads = selectors.headlines_for([p, p.previous_year], flt, kinds)
            for kind in kinds:
                assert repr(together[kind]) == repr(selectors.kind_result(p, kind, flt)), (p, flt, kind)
            assert repr(heads[0]) == repr(selectors.headlines(p, flt, kinds))
            assert repr(heads[1]) == repr(selectors.headlines(p.previous_year, flt, kinds))


@pytest.mark.django_db
@freeze_time("2026-12-20")
def test_a_page_of_survey_figures_costs_a_fixed_number_of_queries(answers, django_assert_num_queries):
    p = period(2026, "cum2")
    kinds = [Kind.KUND, Kind.KANDIDAT, Kind.MATCHNING, Kind.UTBILDNING]
    # Four counting queries for both years and every kind, one for the year's question texts.
    with django_assert_num_queries(5):
        results, previous = selectors.results_page(p, kinds, selectors.ResultFilter())
    assert [r.kind for r in results] == kinds
    assert results[0].responses == 24 and previous[Kind.KUND].responses == 24
