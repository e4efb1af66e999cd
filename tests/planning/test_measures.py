"""Each measure against a small dataset computed by hand."""

from datetime import date
from decimal import Decimal

import pytest

from assignments.models import Organisation
from planning.measures import COUNTED, MEASURES, compute, compute_all
from rekrytering.periods import period
from surveys.models import Answer, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import (
    AssignmentFactory,
    BudgetFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    TimeEntryFactory,
)

T1 = period(2026, "cum1")


@pytest.fixture
def data(db, konsult):
    price_list = PriceListFactory(year=2026)
    stora = PackageFactory(price_list=price_list)
    chef = PackageFactory(price_list=price_list, code="chef", name="Chefspaket", price=35000)
    aldre = SectorFactory(name="Äldreomsorg")
    skola = SectorFactory(name="Skola")
    farsta = OrganisationFactory(name="Farsta sdf", kind=Organisation.Kind.SDF)
    bromma = OrganisationFactory(name="Bromma sdf", kind=Organisation.Kind.SDF)
    utb = OrganisationFactory(name="Utbildningsförvaltningen", kind=Organisation.Kind.FACK)

    def make(org, package, sector, ordered, **kw):
        return AssignmentFactory(
            organisation=org,
            manager=ManagerFactory(organisation=org),
            package=package,
            sector=sector,
            ordered_on=ordered,
            responsible=konsult,
            **kw,
        )

    # In T1: 4 ordered. Chef+äldre at Farsta and Bromma (2 organisations), one more chef+äldre at Farsta.
    a1 = make(
        farsta,
        chef,
        aldre,
        date(2026, 1, 10),
        level="chef",
        personal_letter=True,
        status="avslutad",
        outcome="tillsatt",
        closed_on=date(2026, 3, 1),
        invoiced_on=date(2026, 3, 5),
        invoiced_amount=Decimal("35000"),
    )
    make(bromma, chef, aldre, date(2026, 2, 10), level="chef")
    make(farsta, chef, aldre, date(2026, 3, 10), level="chef", screening=True)
    a4 = make(
        utb,
        stora,
        skola,
        date(2026, 4, 30),
        status="avslutad",
        outcome="ej_tillsatt",
        closed_on=date(2026, 4, 30),
        invoiced_on=date(2026, 4, 30),
        invoiced_amount=Decimal("27000"),
    )
    # Outside T1.
    make(utb, stora, skola, date(2026, 5, 2), personal_letter=True)
    for _ in range(3):
        TimeEntryFactory(user=konsult, assignment=a1, hours=Decimal("10"))
    for _ in range(2):
        TimeEntryFactory(user=konsult, assignment=a4, hours=Decimal("10"))
    BudgetFactory(year=2026, ftes=Decimal("2"))
    questionnaire = seed_questionnaire("kundenkat", 2026)
    for day, helhet, nps_score in ((1, 10, 10), (2, 9, 9), (3, 5, 3), (4, 8, 7)):
        response = Response.objects.create(
            questionnaire=questionnaire,
            kind="kundenkat",
            answered_on=date(2026, 2, day),
            assignment=a1,
            package_code="chef",
        )
        Answer.objects.create(response=response, question_key="helhet", type="scale", number=helhet)
        Answer.objects.create(response=response, question_key="nps", type="nps", number=nps_score)
    return {"stora": stora}


def value(measure, filters=None, **kw):
    return compute(measure, T1, filters or {}, **kw).value


@pytest.mark.django_db
def test_assignment_counts(data):
    assert value("ordered") == 4
    assert value("ordered", {"package": "chef", "sector": "Äldreomsorg"}) == 3
    assert value("ordered", {"organisation_kind": "sdf"}) == 3
    assert value("closed") == 2
    assert value("closed", {"outcome": "tillsatt"}) == 1
    # "Antal stadsdelsförvaltningar som tagit hjälp vid chefsrekrytering till äldreomsorgen": Farsta, Bromma
    assert (
        value(
            "distinct_organisations", {"package": "chef", "sector": "Äldreomsorg", "organisation_kind": "sdf"}
        )
        == 2
    )
    assert value("new_managers") == 4


@pytest.mark.django_db
def test_flags_hours_and_revenue(data):
    assert value("flag_count", {"flag": "personal_letter", "without": True}) == 3
    assert value("flag_share", {"flag": "personal_letter"}) == Decimal("25.0")
    assert value("flag_share", {"flag": "screening"}) == Decimal("25.0")
    assert value("mean_hours") == Decimal("25.0")  # (30 + 20) / 2 closed
    assert value("mean_hours", {"package": "stora"}) == Decimal("20.0")
    assert value("revenue") == Decimal("62000")
    assert value("revenue_per_fte") == Decimal("31000")


@pytest.mark.django_db
def test_survey_measures(data):
    # NPS: promoters 10, 9; detractor 3; passive 7 → (2 − 1) / 4 = 25.0
    assert value("nps") == Decimal("25.0")
    # Satisfied: 10, 9, 8 of 4 → 75.0
    assert value("share_satisfied") == Decimal("75.0")
    # Pooled mean of the scale answers (helhet only): (10 + 9 + 5 + 8) / 4 = 8.0
    assert value("pooled_mean") == Decimal("8.0")
    assert value("question_mean", {"question": "helhet"}) == Decimal("8.0")
    # Share 6–10 on one question: 10, 9, 8 of 10, 9, 5, 8 → 75.0; four customer responses.
    assert value("question_share_satisfied", {"question": "helhet"}) == Decimal("75.0")
    assert value("response_count") == 4
    assert value("response_count", {"kind": "kandidatenkat"}) == 0
    # The explanation names the question as the questionnaire words it, not by its key.
    explained = compute("question_mean", T1, {"question": "helhet"}).explanation
    assert explained == (
        "Medelvärde för frågan ”Hur nöjd är du med tjänsten/paketet du köpt av oss på "
        "Serviceförvaltningen Rekrytering som helhet?” 2026-01-01–2026-04-30 (4 svar)."
    )


@pytest.mark.django_db
def test_share_of_entered_denominator(data):
    result = compute("share_of_entered", T1, {}, denominator=Decimal("16"))
    assert result.value == Decimal("25.0")
    assert "16" in result.explanation
    assert compute("share_of_entered", T1, {}).value is None


@pytest.mark.django_db
def test_every_measure_explains_itself(data):
    for key in MEASURES:
        result = compute(key, T1, {"question": "helhet"} if key.startswith("question") else {})
        assert (
            result.explanation
            and "2026-01-01" in result.explanation
            or key in ("revenue_per_fte",)
            or result.explanation
        )
    with pytest.raises(ValueError):
        compute("nonsense", T1, {})


BATCH = [
    ("ordered", {}),
    ("ordered", {"package": "chef", "sector": "Äldreomsorg"}),
    ("ordered", {"organisation_kind": "sdf"}),
    ("closed", {}),
    ("closed", {"outcome": "tillsatt"}),
    ("distinct_organisations", {"package": "chef", "sector": "Äldreomsorg", "organisation_kind": "sdf"}),
    ("distinct_organisations", {}),
    ("flag_count", {"flag": "personal_letter", "without": True}),
    ("flag_share", {"flag": "screening"}),
    ("mean_hours", {"package": "stora"}),
    ("share_of_entered", {"package": ["chef"]}),
    ("new_managers", {}),
    ("revenue", {}),
    ("revenue_per_fte", {}),
    ("nps", {}),
    ("share_satisfied", {}),
    ("pooled_mean", {}),
    ("question_mean", {"question": "helhet"}),
    ("response_count", {"kind": "kandidatenkat"}),
    ("response_rate", {}),
]


@pytest.mark.django_db
def test_compute_all_gives_what_compute_gives_one_by_one(data, konsult):
    # An assignment without a sector must still count where no sector is asked for.
    AssignmentFactory(ordered_on=date(2026, 2, 1), sector=None, responsible=konsult)
    periods = [T1, period(2026, "cum2"), period(2026, "T2")]
    requests = [
        (m, p, f, Decimal("8") if m == "share_of_entered" else None) for p in periods for m, f in BATCH
    ]
    together = compute_all(requests)
    alone = [compute(m, p, f, denominator=d) for m, p, f, d in requests]
    assert [(c.value, c.explanation) for c in together] == [(c.value, c.explanation) for c in alone]
    assert together[0].value == 5  # four in T1 from the fixture and the one without a sector


@pytest.mark.django_db
def test_compute_all_counts_every_count_measure_in_one_query(data, django_assert_num_queries):
    counted = [(m, T1, f, None) for m, f in BATCH if m in COUNTED and m != "mean_hours"]
    assert len(counted) >= 8
    # One conditional aggregate for all of them, and one for the package names the
    # explanations use.
    with django_assert_num_queries(2):
        values = compute_all(counted)
    assert [v.value for v in values[:3]] == [4, 3, 3]
