"""The pages a head reads most cost a fixed number of queries, whatever the number of computed
indicators in the plan (issue 13: the dashboard with its plan section ≤ 30, the plan's follow-up
≤ 30, the tertial report build ≤ 60)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Indicator
from reporting.document import build_document
from reporting.workbook import build_workbook
from surveys.models import Kind
from tests.planning.factories import ActivityFactory, GoalFactory, PlanFactory

DASHBOARD = reverse("reporting-dashboard")

# One of each kind of computed indicator, as the plans bind them.
MEASURES = [
    ("ordered", {}),
    ("ordered", {"package": ["chef"], "organisation_kind": "sdf"}),
    ("closed", {"outcome": "tillsatt"}),
    ("distinct_organisations", {"sector": "Äldreomsorg"}),
    ("flag_share", {"flag": "personal_letter", "without": True}),
    ("flag_count", {"flag": "screening"}),
    ("share_of_entered", {"organisation": "Äldreförvaltningen"}),
    ("new_managers", {}),
    ("revenue", {}),
    ("revenue_per_fte", {}),
    ("nps", {}),
    ("share_satisfied", {}),
    ("pooled_mean", {}),
    ("question_mean", {"kind": Kind.MATCHNING, "question": "matchning"}),
    ("question_share_yes", {"kind": Kind.KANDIDAT, "question": "icke_diskriminerande"}),
    ("response_rate", {"kind": Kind.KANDIDAT}),
    ("response_count", {}),
]


def add_indicators(plan, times: int = 1):
    for _ in range(times):
        goal = GoalFactory(plan=plan)
        ActivityFactory(goal=goal)
        for measure, filters in MEASURES:
            Indicator.objects.create(goal=goal, name=f"{measure} {filters}", measure=measure, filters=filters)


def queries(client, url, query=None) -> int:
    client.get(url, query)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def plan(dataset):
    plan = PlanFactory(year=2026)
    add_indicators(plan)
    return plan


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["cum1", "T2", "year"])
def test_dashboard_with_its_plan_section_in_at_most_30_queries(client, chef, plan, code):
    client.force_login(chef)
    query = {"ar": 2026, "period": code}
    page = client.get(DASHBOARD, query).content.decode()
    assert "indikatorer uppfyllda" in page  # the plan section is part of the page itself
    few = queries(client, DASHBOARD, query)
    add_indicators(plan, times=3)
    many = queries(client, DASHBOARD, query)
    assert many == few
    assert many <= 30


@pytest.mark.django_db
def test_follow_up_in_at_most_30_queries(client, chef, plan):
    client.force_login(chef)
    url = reverse("plan-follow-up", args=[plan.pk, 2])
    few = queries(client, url)
    add_indicators(plan, times=3)
    assert queries(client, url) == few
    assert few <= 30


@pytest.mark.django_db
def test_word_document_build_in_at_most_60_queries(plan):
    """The document's goals, assessments, indicators and activities come in a fixed number of
    queries, however many there are."""

    def build() -> int:
        with CaptureQueriesContext(connection) as captured:
            content = build_document(2026, 2)
        assert content[:2] == b"PK"
        return len(captured.captured_queries)

    few = build()
    add_indicators(plan, times=3)
    assert build() == few
    assert few <= 60


@pytest.mark.django_db
def test_tertial_report_build_in_at_most_60_queries(plan):
    def build() -> int:
        with CaptureQueriesContext(connection) as captured:
            content = build_workbook(2026, 2)
        assert content[:2] == b"PK"
        return len(captured.captured_queries)

    few = build()
    add_indicators(plan, times=3)
    assert build() == few
    assert few <= 60
