"""The benchmark (bench/, `make bench`): the runner's options and refusal, a small data set built
with the demo's generators, each floor equal to its page's figures (the guard that a floor stays the
page's own work), the interleaved timing's order, and the tables. No wall-clock assertions."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from freezegun import freeze_time

from assignments.models import (
    Assignment,
    AssignmentStep,
    ConsultantCapacity,
    ConsultantCompetence,
    Manager,
    TimeEntry,
    User,
)
from bench import dataset, floors, measure, pages
from bench.__main__ import main, parser
from planning.models import (
    Activity,
    ActivityFollowUp,
    Goal,
    GoalAssessment,
    Indicator,
    IndicatorOutcome,
    Plan,
)
from surveys.models import Invitation, Response

TODAY = date(2026, 6, 15)
YEAR = TODAY.year - 1
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the floors are PostgreSQL's SQL"
)


def quiet(_line):
    pass


@pytest.fixture
def small_dataset(db):
    dataset.fill(2, seed=1, today=TODAY, stdout=quiet, per_year=200)


def test_runner_keeps_every_option():
    options = parser(2026, dataset.DEFAULT_SEED).parse_args(
        "--years 3 --year 2024 --pairs 12 --warmup 1 --seed 7 --rebuild --no-measure --no-growth "
        "--only api list-first --json out.json --strict".split()
    )
    assert vars(options) == {
        "years": 3,
        "year": 2024,
        "pairs": 12,
        "warmup": 1,
        "seed": 7,
        "rebuild": True,
        "no_measure": True,
        "no_growth": True,
        "only": ["api", "list-first"],
        "json": "out.json",
        "strict": True,
    }
    defaults = parser(2026, 1).parse_args([])
    assert (defaults.year, defaults.pairs, defaults.json) == (2025, 15, "tmp/bench/latest.json")


def test_runner_refuses_a_database_without_bench_in_its_name():
    # The test database (SQLite, or test_rekrytering on PostgreSQL) is never the bench's.
    with pytest.raises(SystemExit, match="innehåller 'bench'"):
        main(["--years", "2", "--no-measure"])


def test_small_dataset_is_the_demo_data_only_more(small_dataset):
    size = dataset.dataset_size()
    assert (size["first_year"], size["last_year"]) == (2025, 2026)
    # 200 in 2025, and 2026 up to 15 June (166 days).
    assert Assignment.objects.filter(ordered_on__year=2025).count() == 200
    assert Assignment.objects.filter(ordered_on__year=2026).count() == round(200 * 166 / 365)
    assert size["time_entries"] > size["assignments"]
    assert size["invitations"] and size["responses"] and size["answers"]
    chef = User.objects.get(username=measure.CHEF_USERNAME)
    assert chef.role == User.Role.CHEF and not chef.has_usable_password()
    assert Manager.objects.count() < size["assignments"]
    # The candidate rules of the demo hold: anonymous responses, contact data gone when finished.
    assert not Response.objects.filter(kind="kandidatenkat", assignment__isnull=False).exists()
    finished = Invitation.objects.filter(questionnaire__kind="kandidatenkat", status="expired")
    assert finished.exists()
    assert not finished.exclude(assignment__candidate_email="").exists()
    assert Plan.objects.exists()  # the other apps' demo data
    # What the load and the suggestions read: the demo's capacities, competence map and absence.
    assert ConsultantCapacity.objects.exists() and ConsultantCompetence.objects.exists()
    assert TimeEntry.objects.filter(category__is_absence=True, date__gte=date(2026, 6, 15)).exists()


def load_inputs() -> tuple:
    absence = TimeEntry.objects.filter(category__is_absence=True)
    return (
        sorted(ConsultantCapacity.objects.values_list("user_id", "weekly_hours", "assignment_share")),
        sorted(ConsultantCompetence.objects.values_list("user_id", "manager_certified")),
        sorted(absence.values_list("user_id", "date", "hours")),
    )


def test_a_data_set_built_without_the_map_is_topped_up_once(small_dataset):
    built = load_inputs()
    assert all(built)
    ConsultantCapacity.objects.all().delete()
    ConsultantCompetence.objects.all().delete()
    TimeEntry.objects.filter(category__is_absence=True).delete()
    assignments = Assignment.objects.count()
    for _run in range(2):
        result = dataset.build_dataset(years=2, seed=1, today=TODAY, stdout=quiet)
        assert result["built"] is False and result["assignments"] == assignments
        assert load_inputs() == built


def test_a_one_year_data_set_is_this_year_to_today(db):
    dataset.fill(1, seed=1, today=TODAY, stdout=quiet, per_year=100)
    size = dataset.dataset_size()
    assert (size["first_year"], size["last_year"]) == (2026, 2026)
    assert size["assignments"] == round(100 * 166 / 365)
    assert Plan.objects.filter(year=2026).exists()  # this year's draft, for the plan follow-up


def test_floor_sql_takes_its_thresholds_as_parameters():
    sql = [value for name, value in vars(floors).items() if name.isupper() and isinstance(value, str)]
    assert floors.ANSWER_STATS in sql and floors.REVENUE in sql
    for text in sql:
        assert not re.search(r"[<>]=?\s*\d", text), text


def test_numbers_agree_by_value_and_the_first_difference_is_named():
    page = {"keys": {"a": Decimal("12.50"), "b": 3}, "rows": [["x", 1.5, None]]}
    assert (
        floors.first_difference(
            page, {"keys": {"a": 12.5, "b": Decimal(3)}, "rows": [("x", Decimal("1.5"), None)]}
        )
        is None
    )
    assert floors.first_difference(page, {"keys": {"a": 12.5, "b": 4}, "rows": [["x", 1.5, None]]}) == (
        "keys.b: sidan 3, golvet 4"
    )
    assert (
        floors.first_difference(page, {"keys": {"a": 12.5, "b": 3}, "rows": []})
        == "rows: sidan har 1 rader, golvet 0"
    )
    assert "sidan visar den, golvet saknar den" in floors.first_difference(page, {"rows": page["rows"]})
    assert floors.first_difference({"x": True}, {"x": 1}) == "x: sidan True, golvet 1"


def test_pages_and_floors_are_timed_in_turn_after_warmups():
    order, now = [], [0.0]

    def clock():
        return now[0]

    def step(name, seconds):
        def run():
            order.append(name)
            now[0] += seconds

        return run

    steps = [
        measure.Step(step("page", 3.0), lambda: order.append("to-page")),
        measure.Step(step("floor", 1.0)),
    ]
    times = measure.interleave(steps, pairs=3, warmup=1, clock=clock)
    assert order == ["to-page", "page", "floor"] * 4
    assert times == [
        [3.0, 3.0, 3.0],
        [1.0, 1.0, 1.0],
    ]  # the warm-up round is not counted, the switch is not timed
    assert measure.p95([1.0, 5.0, 2.0]) == 5.0 and measure.p95([float(i) for i in range(1, 41)]) == 38.0


class FakeClient:
    def __init__(self, html):
        self.html, self.calls = html, []

    def get(self, url, query, headers=None):
        self.calls.append((url, dict(query), headers))
        return type("Response", (), {"status_code": 200, "content": self.html.encode()})()


def test_the_dashboard_is_viewed_with_its_plan_section_when_it_loads_it_by_htmx():
    from django.urls import reverse

    plan = reverse("reporting-plan")
    lazy = FakeClient(f'<div hx-get="{plan}?ar=2025&amp;period=year" hx-trigger="load"></div>')
    visit = pages.Visit(lazy, "/rapporter/", {"ar": 2025, "period": "year"}).look()
    assert len(visit()) == 2
    assert lazy.calls[-1] == (plan, {"ar": 2025, "period": "year"}, {"HX_Request": "true"})
    inline = FakeClient('<section id="plan-section"><table></table></section>')
    visit = pages.Visit(inline, "/rapporter/", {}).look()
    assert visit.follow is None and len(visit()) == 1


def test_tables():
    ok = measure.Measurement(
        "list-first",
        "list-first",
        "Sida",
        {"ms": 150},
        median_ms=12.5,
        p95_ms=14.0,
        queries=3,
        floor_ms=5.0,
        cold_ms=19.5,
    )
    ok.floor_queries, ok.floor_ok, ok.growth = 2, True, 1.1
    wrong = measure.Measurement("dashboard", "dashboard", "Panel", {"ms": 300, "queries": 30, "ratio": 2.0})
    wrong.median_ms, wrong.p95_ms, wrong.queries, wrong.floor_ms, wrong.floor_queries = (
        90.0,
        99.0,
        40,
        30.0,
        20,
    )
    wrong.floor_ok, wrong.note = False, "golvet stämmer inte: keys.intakter: sidan 1, golvet 2"
    missing = measure.Measurement("report", "report", "Rapport", {"ms": 10_000}, note="fel: x")
    lines = measure.format_table([ok, wrong, missing]).splitlines()
    assert [cell.strip() for cell in lines[0].split(" | ")] == [
        "Sida",
        "Median ms",
        "p95 ms",
        "Kall ms",
        "Frågor",
        "Golv ms (frågor)",
        "Kvot",
        "Tillväxt",
        "Mål",
        "OK?",
    ]
    assert [cell.strip() for cell in lines[2].split(" | ")] == [
        "Sida",
        "12.5",
        "14.0",
        "19.5",
        "3",
        "5.0 (2)",
        "2.5 ×",
        "1.10 ×",
        "≤ 150 ms, tillväxt ≤ 1.3 ×",
        "ja",
    ]
    # A floor that is not the page's gives no ratio, and the row misses; so do 40 queries.
    assert [cell.strip() for cell in lines[3].split(" | ")][5:] == [
        "30.0 (20) ≠",
        "–",
        "–",
        "≤ 300 ms, ≤ 30 frågor, ≤ 2 × golv",
        "NEJ",
    ]
    assert wrong.misses() == ["golvet stämmer inte", "40 frågor > 30"]
    assert lines[4].split(" | ")[1].strip() == "ej mätt" and missing.ok is None
    notes = measure.format_notes([ok, wrong, missing])
    assert notes == [
        "Panel: golvet stämmer inte: keys.intakter: sidan 1, golvet 2",
        "Panel: 40 frågor > 30",
        "Rapport: fel: x",
    ]
    markdown = measure.format_table([ok], markdown=True).splitlines()
    assert markdown[1] == "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
    assert markdown[2].startswith("| Sida | 12.5 | 14.0 | 19.5 | 3 | 5.0 (2) | 2.5 × |")
    growth = measure.Growth("api", "API", small_ms=10.0, large_ms=14.0, small_queries=6, large_queries=6)
    assert growth.growth == 1.4 and growth.ok is False
    assert [cell.strip() for cell in measure.format_growth([growth]).splitlines()[2].split(" | ")][1:4] == [
        "10.0 (6)",
        "14.0 (6)",
        "1.40 ×",
    ]


def every_measure(plan: Plan):
    """Indicators of the measures the demo plans do not bind, a frozen, an entered and a shared
    outcome, an activity's follow-up and a goal's assessment, so that each path of the floor is
    checked against the page."""
    goal = Goal.objects.filter(plan=plan).order_by("order", "id").first()
    number = {"target_kind": "number", "target_value": Decimal(10)}
    made = [
        Indicator.objects.create(goal=goal, name=f"Mått {measure_}", measure=measure_, filters=f, **number)
        for measure_, f in [
            ("closed", {"level": "chef"}),
            ("mean_hours", {"package": ["stora"]}),
            ("new_managers", {}),
            ("revenue", {}),
            ("ordered", {"outcome": "tillsatt", "organisation_kind": "sdf"}),
            ("flag_count", {"flag": "screening", "without": True}),
            ("flag_share", {"flag": "search"}),
            ("response_rate", {}),
            ("question_mean", {"kind": "kundenkat", "question": "helhet"}),
            ("share_of_entered", {"sector": "skola"}),
        ]
    ]
    IndicatorOutcome.objects.create(indicator=made[-1], tertial=3, denominator=Decimal(40))
    IndicatorOutcome.objects.create(indicator=made[3], tertial=3, value=Decimal(5), frozen=True)
    by_hand = Indicator.objects.create(goal=goal, name="För hand", **number)
    IndicatorOutcome.objects.create(indicator=by_hand, tertial=3, value=Decimal(12))
    yes = Indicator.objects.create(goal=goal, name="Ja eller nej", target_kind="yesno", target_yes=True)
    IndicatorOutcome.objects.create(indicator=yes, tertial=3, value_yes=False)
    activity = Activity.objects.filter(goal__plan=plan).first()
    ActivityFollowUp.objects.create(activity=activity, tertial=3, status="klar", comment="Gjort.")
    GoalAssessment.objects.create(goal=goal, tertial=3, assessment="delvis", analysis="Halvvägs.")


@postgresql_only
@freeze_time("2026-06-15 12:00")
def test_every_floor_is_the_pages_own_figures(small_dataset):
    every_measure(Plan.objects.get(year=YEAR, unit__isnull=True))
    with measure.quiet_pages():
        client = measure.head_client()
        head = pages.head_pages(client, YEAR, TODAY)
        growth = pages.growth_pages(client, TODAY)
        checked = [(page.key, measure.check_floor(page)) for page in head + growth if page.floor]
    assert {page.key for page in head} == {
        "dashboard-year",
        "dashboard-default",
        "dashboard-tertial",
        "plan-year",
        "plan-current",
        "report",
        "list-first",
        "list-last",
        "survey-year",
        "survey-tertial",
        "api",
        "load",
        "suggestions",
        "suggestions-api",
    }
    assert {page.key for page in growth} == {
        "dashboard",
        "report",
        "list-first",
        "list-last",
        "survey",
        "api",
        "plan",
        "load",
        "suggestions",
    }
    assert not [page.error for page in head + growth if page.error]
    assert checked == [(key, None) for key, _difference in checked]  # no figure differs
    assert len(checked) == 14 + 9


@postgresql_only
@freeze_time("2026-06-15 12:00")
def test_the_load_and_the_suggestions_alone_in_fixed_queries(small_dataset):
    only = parser(2026, 1).parse_args(["--only", "load", "suggestions"]).only
    with measure.quiet_pages():
        client = measure.head_client()
        head = pages.head_pages(client, YEAR, TODAY, only=only)
        growth = pages.growth_pages(client, TODAY, only=only)
        rows = measure.measure_pages(head, pairs=2, warmup=0, stdout=quiet)
    expected = [("load", "load"), ("suggestions", "suggestions")]
    assert [(p.key, p.kind) for p in head] == [(p.key, p.kind) for p in growth] == expected
    assert [(m.key, m.floor_ok, m.note) for m in rows] == [("load", True, ""), ("suggestions", True, "")]
    assert [m.queries for m in rows] == [pages.LOAD_QUERIES, pages.PANEL_QUERIES]
    assert all(m.floor_queries < m.queries for m in rows)
    table = measure.format_table(rows)
    assert all(m.name in table for m in rows)
    assert f"{rows[1].name}: golvet jämförs i {pages.SUGGESTIONS_COVER}" in measure.format_notes(rows)


@postgresql_only
@freeze_time("2026-06-15 12:00")
def test_the_load_floor_follows_the_planned_end(small_dataset):
    """The floor spreads the remaining hours to the planned end: open assignments whose tidplan
    ends two weeks later, and some whose tidplan is removed (so eight weeks after the order), are
    planned over other weeks, on the page and in the floor alike."""
    with measure.quiet_pages():
        page = pages.head_pages(measure.head_client(), YEAR, TODAY, only={"load"})[0]
        before = page.figures()["totals"]
        open_ = Assignment.objects.exclude(status=Assignment.Status.AVSLUTAD)
        steps = AssignmentStep.objects.filter(assignment__in=open_, step="beslut")
        assert steps.update(planned_on=F("planned_on") + timedelta(days=14)) > 0
        assert page.figures()["totals"] != before
        assert measure.check_floor(page) is None
        before = page.figures()["totals"]
        recent = open_.filter(ordered_on__gte=date(2026, 5, 1)).values("pk")[:10]
        assert AssignmentStep.objects.filter(assignment__in=recent).delete()[0] > 0  # 8 weeks again
        assert page.figures()["totals"] != before
        assert measure.check_floor(page) is None


@postgresql_only
@freeze_time("2026-06-15 12:00")
def test_a_floor_that_leaves_out_a_figure_is_told(small_dataset):
    with measure.quiet_pages():
        page = pages.head_pages(measure.head_client(), YEAR, TODAY, only={"api"})[0]
        found = page.floor

        def short(cursor):
            return {key: value for key, value in found(cursor).items() if key != "nya_bestallare"}

        page.floor = short
        m = measure.measure_page(page, pairs=2, warmup=0)
    assert m.floor_ok is False and m.ratio is None
    assert m.note == "golvet stämmer inte: nya_bestallare: sidan visar den, golvet saknar den"
    assert m.queries > 0 and m.floor_queries > 0 and len(m.runs_ms) == len(m.floor_runs_ms) == 2


@postgresql_only
@freeze_time("2026-06-15 12:00")
def test_a_page_is_measured_with_its_floor_and_its_queries(small_dataset):
    with measure.quiet_pages():
        page = pages.head_pages(measure.head_client(), YEAR, TODAY, only={"dashboard-year"})[0]
        m = measure.measure_page(page, pairs=2, warmup=0)
    assert (m.note, m.floor_ok) == ("", True)
    assert m.median_ms is not None and m.floor_ms is not None and m.ratio is not None
    assert m.queries > m.floor_queries > 10
    assert m.details["plan_request"] == (page.run.follow is not None)
