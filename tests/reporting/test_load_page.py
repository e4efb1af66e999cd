"""The load page (Beläggning): who sees whom, the heat map and its table, the weeks chooser."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from assignments.models import User
from assignments.selectors import LOAD_WEEKS_MESSAGE
from rekrytering import charts
from rekrytering.charts import HEAT_BANDS, Table
from reporting import chart_images
from tests.assignments.load_register import load_register
from tests.factories import AssignmentFactory, TimeCategoryFactory, TimeEntryFactory, UserFactory

URL = reverse("reporting-load")


@pytest.fixture
def register(db):
    return load_register()


def _page(client, user, **params):
    client.force_login(user)
    with freeze_time("2026-03-04 10:00"):
        response = client.get(URL, params)
    assert response.status_code == 200
    return response, response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [User.Role.SAMORDNARE, User.Role.CHEF, User.Role.ADMIN])
def test_samordnare_chef_and_admin_see_the_department(client, register, role):
    response, html = _page(client, UserFactory(username=f"u-{role}", role=role, first_name="Viggo"))
    # A samordnare also has a load of their own (an empty row, 28 h of capacity).
    expected = ["a", "b", "c"] + (["u-samordnare"] if role == User.Role.SAMORDNARE else [])
    assert [r.user.username for r in response.context["load"].rows] == expected
    assert 'class="chart heat-map"' in html
    for name in ("Anna Al", "Bert Bok", "Cilla Chef", "Avdelningen totalt"):
        assert name in html
    # The heat map writes each per cent: b's week 10 is 4 of 11 h = 36 %, the department's 22 %.
    assert ">36 %</text>" in html
    # The table: b's free hours and "planned av capacity" in week 10, and the department's.
    assert "7,0" in html and "4,0 av 11,0" in html
    if role != User.Role.SAMORDNARE:
        assert ">22 %</text>" in html and "15,0 av 67,0" in html
    assert 'aria-current="page">Beläggning</a>' in html


@pytest.mark.django_db
def test_a_konsult_sees_their_own_row_and_the_totals_only(client, register):
    response, html = _page(client, register["a"])
    assert [r.user.username for r in response.context["load"].rows] == ["a"]
    assert "Anna Al" in html and "Avdelningen totalt" in html
    assert "Bert Bok" not in html and "Cilla Chef" not in html
    assert "Du ser din egen beläggning och avdelningens summor." in html
    assert "7,4 av 28,0" in html  # a's planned of capacity, weeks 10–16
    # Who takes the next assignment: the competence map and the schedules are a click away.
    assert 'href="/kompetenskarta/">Kompetenskarta</a>' in html
    assert 'href="/register/tidplaner/">Standardtidplaner</a>' in html


@pytest.mark.django_db
def test_weeks_can_be_chosen_and_a_bad_number_says_so(client, register):
    response, html = _page(client, register["a"], veckor="26")
    assert len(response.context["load"].totals) == 26
    assert len(re.findall(r'<th scope="col" class="num">v\. ', html)) == 26
    response, html = _page(client, register["a"], veckor="27")
    assert len(response.context["load"].totals) == 8
    assert LOAD_WEEKS_MESSAGE in html and 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_assignments(client, register, django_assert_max_num_queries):
    head = UserFactory(username="head", role=User.Role.CHEF)
    client.force_login(head)
    with freeze_time("2026-03-04 10:00"), django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
    for _i in range(10):
        AssignmentFactory(responsible=UserFactory(role=User.Role.KONSULT), colleagues=[register["a"]])
    with freeze_time("2026-03-04 10:00"), django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_planned_hours_in_a_week_without_capacity_show_as_over_100(client, register):
    sick = TimeCategoryFactory(name="Sjukfrånvaro", is_absence=True)
    for day in range(2, 7):  # b's whole 30 h week
        TimeEntryFactory(user=register["b"], date=date(2026, 3, day), hours=8, category=sick, assignment=None)
    _response, html = _page(client, UserFactory(username="head", role=User.Role.CHEF))
    assert f'fill="{HEAT_BANDS[-1][1]}"/><text' in html
    assert ">&gt; 100 %</text>" in html
    assert '<td class="num over"><span class="load-free">-4,0' in html and "4,0 av 0,0" in html


def test_heat_map_writes_every_value_and_fills_it_by_band():
    table = Table(
        key="t",
        title="Test",
        columns=["Namn", "v. 1", "v. 2", "v. 3", "v. 4", "v. 5"],
        rows=[["Anna", Decimal("30"), Decimal("70.4"), Decimal("99.6"), Decimal("120"), "> 100 %"]],
        chart={"type": "heat", "label": 0, "values": [1, 2, 3, 4, 5]},
    )
    svg = charts.render(table)
    texts = re.findall(r'text-anchor="middle" fill="[^"]+">([^<]+)</text>', svg)
    assert texts[5:] == ["30 %", "70 %", "100 %", "120 %", "&gt; 100 %"]
    fills = re.findall(r'<rect x="\d+" y="\d+" width="62" height="26" fill="([^"]+)"', svg)
    assert fills == [HEAT_BANDS[0][1], HEAT_BANDS[1][1], HEAT_BANDS[2][1], HEAT_BANDS[3][1], HEAT_BANDS[3][1]]
    assert 'width="' in svg.split("viewBox")[0]  # drawn at its own size, scrolling on a phone
    assert chart_images.png(table) is None  # not in the Word document


@pytest.mark.django_db
def test_names_in_the_table_are_escaped(client, register):
    register["b"].first_name = '<img src=x onerror="alert(1)">'
    register["b"].save()
    _response, html = _page(client, UserFactory(username="head", role=User.Role.CHEF))
    assert "<img src=x" not in html
    assert '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Bok<span class="help load-terms">' in html
