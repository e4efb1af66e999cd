"""The benchmark (bench/, `make bench`): the runner's options and refusal, a small data set built
with the demo's generators, the floor's parameters, the pages it measures and its table."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from assignments.models import Assignment, Manager, User
from bench import dataset, measure
from bench.__main__ import main, parser
from planning.models import Plan
from surveys.metrics import DETRACTOR_MAX, PROMOTER_MIN, SATISFIED_MIN
from surveys.models import Invitation, Response

TODAY = date(2026, 6, 15)


def quiet(_line):
    pass


@pytest.fixture
def small_dataset(db):
    dataset.fill(2, seed=1, today=TODAY, stdout=quiet, per_year=200)


def test_runner_keeps_every_option():
    options = parser(2026, dataset.DEFAULT_SEED).parse_args(
        "--years 3 --year 2024 --repeat 4 --warmup 1 --report-repeat 2 --seed 7 --rebuild --no-measure "
        "--json out.json --strict".split()
    )
    assert vars(options) == {
        "years": 3,
        "year": 2024,
        "repeat": 4,
        "warmup": 1,
        "report_repeat": 2,
        "seed": 7,
        "rebuild": True,
        "no_measure": True,
        "json": "out.json",
        "strict": True,
    }
    assert parser(2026, 1).parse_args([]).year == 2025


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


def test_floor_takes_the_survey_thresholds_from_the_metrics():
    params = measure._params(2025)
    assert (params["satisfied_min"], params["promoter_min"], params["detractor_max"]) == (
        SATISFIED_MIN,
        PROMOTER_MIN,
        DETRACTOR_MAX,
    )
    assert set(params["sent_states"]) == {"sent", "answered", "expired"}
    for sql in [*measure.DASHBOARD_FLOOR, measure.LATEST_COMMENTS]:
        assert not re.search(r"[<>]=?\s*\d", sql), sql
        assert not re.search(r"'\w+'", sql), sql


def test_pages_are_measured(small_dataset):
    client = Client()
    client.force_login(User.objects.get(username=measure.CHEF_USERNAME))
    page = measure.measure_page(
        client,
        measure.Measurement("Instrumentpanel", "–"),
        "reporting-dashboard",
        {"ar": 2025, "period": "year"},
        repeat=2,
        warmup=0,
    )
    assert page.note == "" and page.details["status"] == 200
    assert page.median_ms is not None and len(page.runs_ms) == 2 and page.queries > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floors are PostgreSQL's SQL")
def test_every_measurement_and_its_floor_on_postgresql(small_dataset):
    rows = measure.measure(2025, repeat=1, warmup=0, report_repeat=1, stdout=quiet)
    assert [m.note for m in rows] == ["", "", "", ""]
    assert all(m.median_ms is not None and m.floor_ms is not None and m.floor_queries for m in rows)


def test_table():
    ok = measure.Measurement(
        "Sida", "≤ 150 ms", median_ms=12.5, queries=3, floor_ms=5.0, floor_queries=2, ok=True
    )
    missing = measure.Measurement("Rapport", "≤ 10 s", note="fel: x")
    lines = measure.format_table([ok, missing]).splitlines()
    assert lines[0].split(" | ")[:3] == ["Mätning", "Median ms", "Frågor"]
    assert "12.5" in lines[2] and "2.5 ×" in lines[2] and lines[2].endswith("ja")
    assert "fel: x" in lines[3]
