"""The week grid (Tid): a consultant's assignments and time categories by day, saved at once."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from assignments import services
from assignments.models import Assignment, TimeEntry
from assignments.selectors import absence_by_week
from tests.factories import (
    AssignmentFactory,
    PackageFactory,
    PriceListFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UserFactory,
)

# A Wednesday: the grid's week runs Monday 2026-03-02 to Sunday 2026-03-08.
TODAY = date(2026, 3, 4)
MONDAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def today():
    with freeze_time("2026-03-04 10:00:00+01:00"):
        yield


@pytest.fixture
def package(db):
    return PackageFactory(price_list=PriceListFactory(year=2026), standard_hours=30)


@pytest.fixture
def world(konsult, konsult2, package):
    """The konsult's assignments (responsible, colleague, closed), someone else's, two categories."""
    return {
        "mine": AssignmentFactory(
            number="2026-0001", responsible=konsult, package=package, role_title="Rektor", ordered_on=MONDAY
        ),
        "assisted": AssignmentFactory(
            number="2026-0002",
            responsible=konsult2,
            colleagues=[konsult],
            package=package,
            role_title="Kock",
            ordered_on=MONDAY,
        ),
        "closed": AssignmentFactory(
            number="2026-0003",
            responsible=konsult,
            package=package,
            role_title="Lärare",
            ordered_on=date(2026, 1, 5),
            status=Assignment.Status.AVSLUTAD,
            outcome=Assignment.Outcome.TILLSATT,
            closed_on=date(2026, 2, 1),
        ),
        "others": AssignmentFactory(
            number="2026-0004",
            responsible=konsult2,
            package=package,
            role_title="Vaktmästare",
            ordered_on=MONDAY,
        ),
        "intern": TimeCategoryFactory(name="Intern tid"),
        "retired": TimeCategoryFactory(name="Gammal kategori", active=False),
    }


def cell(obj, day):
    kind = "c" if obj.__class__.__name__ == "TimeCategory" else "a"
    return f"{kind}{obj.pk}_{day:%Y%m%d}"


def week_data(grid_response, **values):
    """What the browser posts: every cell as shown, with `values` typed over them."""
    form = grid_response.context["grid"]
    data = {"vecka": MONDAY.isoformat()}
    for name, field in form.fields.items():
        shown = form[name].value()
        data[name] = "" if shown is None else field.widget.format_value(shown)
    data.update(values)
    return data


def page_data(grid_response, **values):
    """What the page posts: `week_data` and, beside each cell, the hours it showed (`shown-<cell>`)."""
    data = week_data(grid_response, **{})
    for row in grid_response.context["grid"].rows:
        for shown in row["cells"]:
            if shown["name"]:
                data[f"shown-{shown['name']}"] = "" if shown["hours"] is None else str(shown["hours"])
    data.update(values)
    return data


def row_labels(response):
    return [row["label"] for _label, rows in response.context["groups"] for row in rows]


def test_rows_are_my_open_assignments_the_week_s_and_the_categories(client, konsult, world):
    TimeEntryFactory(user=konsult, assignment=world["closed"], date=date(2026, 3, 3), hours=1)
    TimeEntryFactory(user=konsult, assignment=None, category=world["retired"], date=date(2026, 3, 3), hours=1)
    # Logged by someone else: counted in "rapporterat", not a row of mine.
    TimeEntryFactory(
        user=UserFactory(), assignment=world["mine"], date=date(2026, 2, 2), hours=Decimal("12.5")
    )
    client.force_login(konsult)
    response = client.get(reverse("time-week"))
    assert row_labels(response) == [
        "2026-0001 Rektor",
        "2026-0002 Kock",
        "2026-0003 Lärare",  # closed, but with time this week
        "Gammal kategori",  # retired, but with time this week
        "Intern tid",
    ]
    page = response.content.decode()
    assert 'Normaltid 30\xa0h · rapporterat <span class="">12,5\xa0h</span>' in page
    # Another week: the closed assignment and the retired category are gone.
    other = client.get(reverse("time-week"), {"vecka": "2026-03-10"})
    assert row_labels(other) == ["2026-0001 Rektor", "2026-0002 Kock", "Intern tid"]


def test_rapportera_tid_from_an_assignment_opens_its_row_on_today(client, konsult, samordnare, world):
    client.force_login(konsult)
    detail = client.get(world["mine"].get_absolute_url()).content.decode()
    assert f'href="/tid/?uppdrag={world["mine"].pk}">Rapportera tid</a>' in detail
    page = client.get(reverse("time-week"), {"uppdrag": world["mine"].pk}).content.decode()
    assert f'name="{cell(world["mine"], TODAY)}"' in page
    assert re.findall(r"<input[^>]* autofocus [^>]*>", page) == [
        re.search(rf'<input[^>]* id="id_{cell(world["mine"], TODAY)}">', page).group(0)
    ]
    # The week links keep the row; the form posts it.
    assert f'?vecka=2026-02-23&amp;uppdrag={world["mine"].pk}"' in page
    assert f'<input type="hidden" name="uppdrag" value="{world["mine"].pk}">' in page
    # Someone else's assignment is not added to a konsult's grid.
    response = client.get(reverse("time-week"), {"uppdrag": world["others"].pk})
    assert "2026-0004 Vaktmästare" not in row_labels(response)
    assert "Du kan bara rapportera tid på uppdrag som du arbetar i (2026-0004)." in response.content.decode()
    # A samordnare logs time on any assignment.
    client.force_login(samordnare)
    response = client.get(reverse("time-week"), {"uppdrag": world["others"].pk})
    assert row_labels(response)[0] == "2026-0004 Vaktmästare"
    # And the one-entry form is preselected too.
    form = client.get(reverse("time-create"), {"uppdrag": world["others"].pk}).context["form"]
    assert form["assignment"].value() == world["others"].pk


def test_a_week_is_saved_at_once_and_unchanged_cells_are_untouched(client, konsult, world):
    kept = TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=2)
    changed = TimeEntryFactory(user=konsult, assignment=world["mine"], date=date(2026, 3, 3), hours=3)
    cleared = TimeEntryFactory(user=konsult, assignment=None, category=world["intern"], date=MONDAY, hours=1)
    history_before = TimeEntry.history.count()
    client.force_login(konsult)
    grid = client.get(reverse("time-week"))
    data = week_data(
        grid,
        **{
            cell(world["mine"], date(2026, 3, 3)): "3,75",  # decimal comma
            cell(world["assisted"], date(2026, 3, 4)): "7,5",
            cell(world["assisted"], date(2026, 3, 5)): " 2.25 ",  # a point works too
            cell(world["intern"], MONDAY): "",  # cleared: the entry goes
            cell(world["intern"], date(2026, 3, 6)): "0",  # 0 is no time
        },
    )
    response = client.post(reverse("time-week-save"), data)
    assert response.status_code == 302 and response["Location"] == "/tid/?vecka=2026-03-02"
    saved = sorted(
        TimeEntry.objects.filter(user=konsult).values_list(
            "assignment__number", "category__name", "date", "hours"
        )
    )
    assert saved == [
        ("2026-0001", None, MONDAY, Decimal("2.00")),
        ("2026-0001", None, date(2026, 3, 3), Decimal("3.75")),
        ("2026-0002", None, date(2026, 3, 4), Decimal("7.50")),
        ("2026-0002", None, date(2026, 3, 5), Decimal("2.25")),
    ]
    # The same rows, changed in place; the unchanged one has no new history.
    assert TimeEntry.objects.filter(pk=changed.pk, hours=Decimal("3.75")).exists()
    assert not TimeEntry.objects.filter(pk=cleared.pk).exists()
    assert kept.history.count() == 1
    kinds = sorted(
        TimeEntry.history.all()[: TimeEntry.history.count() - history_before].values_list(
            "history_type", flat=True
        )
    )
    assert kinds == ["+", "+", "-", "~"]
    assert all(h.history_user == konsult for h in TimeEntry.history.order_by("-history_id")[:4])
    page = client.get(response["Location"]).content.decode()
    assert "Vecka 10 är sparad. Nya tidrapporter: 2, ändrade: 1, borttagna: 1." in page

    # Posting the same again changes nothing and says so.
    again = client.post(reverse("time-week-save"), week_data(client.get(reverse("time-week"))), follow=True)
    assert "Inget ändrades vecka 10." in again.content.decode()
    assert TimeEntry.history.count() == history_before + 4


def test_a_day_over_24_hours_is_refused_naming_the_day_and_row_and_nothing_is_saved(client, konsult, world):
    TimeEntryFactory(user=konsult, assignment=None, category=world["intern"], date=date(2026, 3, 3), hours=20)
    client.force_login(konsult)
    data = week_data(
        client.get(reverse("time-week")),
        **{cell(world["mine"], date(2026, 3, 3)): "5", cell(world["mine"], MONDAY): "4"},
    )
    response = client.post(reverse("time-week-save"), data)
    assert response.status_code == 200
    errors = response.context["grid"].errors
    assert errors == {
        cell(world["mine"], date(2026, 3, 3)): [
            "Tisdag 3 mars får 25\xa0h sammanlagt, men en dag har högst 24 timmar."
        ]
    }
    page = response.content.decode()
    assert "Tisdag 3 mars, 2026-0001 Rektor: Tisdag 3 mars får 25\xa0h sammanlagt" in page
    assert 'aria-invalid="true"' in page
    # The typed values stay on the grid; Monday's valid 4 h was not saved either.
    assert f'name="{cell(world["mine"], MONDAY)}" value="4"' in page
    assert not TimeEntry.objects.filter(assignment=world["mine"]).exists()


def test_more_than_seven_days_ahead_is_refused(client, konsult, world):
    client.force_login(konsult)
    next_week = date(2026, 3, 9)
    grid = client.get(reverse("time-week"), {"vecka": next_week.isoformat()})
    data = week_data(
        grid,
        vecka=next_week.isoformat(),
        **{cell(world["mine"], date(2026, 3, 11)): "8", cell(world["mine"], date(2026, 3, 12)): "8"},
    )
    response = client.post(reverse("time-week-save"), data)
    assert response.context["grid"].errors == {
        cell(world["mine"], date(2026, 3, 12)): [
            "Torsdag 12 mars ligger mer än 7 dagar fram i tiden. Rapportera tiden när den är gjord."
        ]
    }
    assert not TimeEntry.objects.exists()
    # The service says the same to the one-entry form and the API.
    with pytest.raises(services.ValidationError) as refused:
        services.log_time(user=konsult, date=date(2026, 3, 12), hours=Decimal("1"), assignment=world["mine"])
    assert refused.value.message_dict == {
        "date": ["Torsdag 12 mars ligger mer än 7 dagar fram i tiden. Rapportera tiden när den är gjord."]
    }
    services.log_time(user=konsult, date=date(2026, 3, 11), hours=Decimal("1"), assignment=world["mine"])


def test_planned_absence_is_entered_up_to_a_year_ahead_and_lowers_the_load_capacity(client, konsult, world):
    """Semester is known weeks ahead: it may be entered then (the load's coming weeks read it); time on
    assignments and other categories still only a week ahead."""
    semester = TimeCategoryFactory(name="Semester", is_absence=True)
    client.force_login(konsult)
    july = date(2026, 7, 6)  # a Monday four months ahead
    grid = client.get(reverse("time-week"), {"vecka": july.isoformat()})
    data = week_data(
        grid,
        vecka=july.isoformat(),
        **{
            cell(semester, july): "8",
            cell(semester, date(2026, 7, 7)): "8",
            cell(world["intern"], july): "1",
        },
    )
    refused = client.post(reverse("time-week-save"), data)
    assert refused.context["grid"].errors == {
        cell(world["intern"], july): [
            "Måndag 6 juli ligger mer än 7 dagar fram i tiden. Rapportera tiden när den är gjord."
        ]
    }
    assert not TimeEntry.objects.exists()
    data[cell(world["intern"], july)] = ""
    assert client.post(reverse("time-week-save"), data).status_code == 302
    assert sorted(TimeEntry.objects.values_list("date", "hours")) == [(july, 8), (date(2026, 7, 7), 8)]
    assert absence_by_week(july, date(2026, 7, 12)) == {(konsult.pk, july): Decimal(16)}
    # More than a year ahead is refused, with its reason.
    with pytest.raises(services.ValidationError) as too_far:
        services.log_time(user=konsult, date=date(2027, 3, 8), hours=Decimal("8"), category=semester)
    assert too_far.value.message_dict == {
        "date": [
            "Måndag 8 mars 2027 ligger mer än ett år fram i tiden. "
            "Planerad frånvaro läggs in högst ett år framåt."
        ]
    }
    services.log_time(user=konsult, date=date(2027, 3, 5), hours=Decimal("8"), category=semester)


def test_a_grid_opened_before_a_change_elsewhere_does_not_undo_it(client, konsult, world):
    """Two tabs, or the grid and the one-entry form: the cells the person left as the page showed them
    take what is logged now; only what they typed is saved."""
    monday = TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=2)
    client.force_login(konsult)
    stale = client.get(reverse("time-week"))
    services.update_time_entry(monday, by=konsult, hours=Decimal("3"))  # elsewhere, after the page opened
    services.log_time(user=konsult, date=date(2026, 3, 3), hours=Decimal("1"), assignment=world["mine"])
    wednesday = cell(world["mine"], TODAY)
    response = client.post(reverse("time-week-save"), page_data(stale, **{wednesday: "4"}))
    assert response.status_code == 302
    logged = TimeEntry.objects.filter(user=konsult).order_by("date").values_list("date", "hours")
    assert list(logged) == [(MONDAY, 3), (date(2026, 3, 3), 1), (TODAY, 4)]


def test_a_cell_changed_here_and_elsewhere_is_a_conflict_told_on_the_cell(client, konsult, world):
    monday = TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=2)
    client.force_login(konsult)
    stale = client.get(reverse("time-week"))
    services.update_time_entry(monday, by=konsult, hours=Decimal("5"))
    mon, wed = cell(world["mine"], MONDAY), cell(world["mine"], TODAY)
    refused = client.post(reverse("time-week-save"), page_data(stale, **{mon: "6", wed: "1"}))
    assert refused.status_code == 200
    assert refused.context["grid"].errors == {
        mon: [
            "Måndag 2 mars: timmarna ändrades någon annanstans efter att du öppnade veckan (nu 5\xa0h). "
            "Kontrollera värdet och spara igen."
        ]
    }
    assert list(TimeEntry.objects.values_list("hours", flat=True)) == [5]  # nothing saved
    page = refused.content.decode()
    assert f'name="shown-{mon}" value="5.00"' in page  # the page now shows what is logged
    # Sent again as the page now stands, the person's 6 is saved, with the Wednesday.
    again = client.post(reverse("time-week-save"), page_data(refused))
    assert again.status_code == 302
    logged = TimeEntry.objects.filter(user=konsult).order_by("date").values_list("date", "hours")
    assert list(logged) == [(MONDAY, 6), (TODAY, 1)]


def test_emptying_a_cell_changed_elsewhere_is_a_conflict_too(client, konsult, world):
    monday = TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=2)
    client.force_login(konsult)
    stale = client.get(reverse("time-week"))
    services.update_time_entry(monday, by=konsult, hours=Decimal("5"))
    mon = cell(world["mine"], MONDAY)
    refused = client.post(reverse("time-week-save"), page_data(stale, **{mon: ""}))
    assert refused.status_code == 200 and mon in refused.context["grid"].errors
    assert list(TimeEntry.objects.values_list("hours", flat=True)) == [5]
    # And one deleted elsewhere, then changed here, says there is no time now.
    other = TimeEntryFactory(user=konsult, assignment=world["mine"], date=TODAY, hours=1)
    stale = client.get(reverse("time-week"))
    services.delete_time_entry(other, by=konsult)
    wed = cell(world["mine"], TODAY)
    refused = client.post(reverse("time-week-save"), page_data(stale, **{wed: "3"}))
    assert "(nu ingen tid)" in refused.context["grid"].errors[wed][0]


def test_a_cell_not_on_the_page_keeps_what_is_logged(client, konsult, world):
    """A cell of two entries has no field; when one goes elsewhere it becomes a field on the next
    post, which the page never showed: it keeps the entry left, it does not delete it."""
    first = TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=1, comment="a")
    TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=1, comment="b")
    client.force_login(konsult)
    stale = client.get(reverse("time-week"))
    assert cell(world["mine"], MONDAY) not in stale.context["grid"].fields
    services.delete_time_entry(first, by=konsult)
    response = client.post(reverse("time-week-save"), page_data(stale, **{cell(world["mine"], TODAY): "2"}))
    assert response.status_code == 302
    logged = TimeEntry.objects.filter(user=konsult).order_by("date").values_list("date", "hours")
    assert list(logged) == [(MONDAY, 1), (TODAY, 2)]


def test_a_cell_that_became_several_entries_elsewhere_is_told_not_dropped(client, konsult, world):
    client.force_login(konsult)
    stale = client.get(reverse("time-week"))
    services.log_time(user=konsult, date=MONDAY, hours=Decimal("1"), assignment=world["mine"], comment="a")
    services.log_time(user=konsult, date=MONDAY, hours=Decimal("1"), assignment=world["mine"], comment="b")
    mon, wed = cell(world["mine"], MONDAY), cell(world["mine"], TODAY)
    refused = client.post(reverse("time-week-save"), page_data(stale, **{mon: "4", wed: "2"}))
    assert refused.status_code == 200
    assert refused.context["grid"].non_field_errors() == [
        "Tiden för Måndag 2 mars, 2026-0001 Rektor har ändrats någon annanstans och består nu av flera "
        "poster; ändra dem i listan under veckan. Inget sparades."
    ]
    assert TimeEntry.objects.count() == 2


def test_log_time_refuses_a_day_over_24_hours(konsult, world):
    services.log_time(user=konsult, date=MONDAY, hours=Decimal("20"), category=world["intern"])
    entry = services.log_time(user=konsult, date=MONDAY, hours=Decimal("4"), assignment=world["mine"])
    with pytest.raises(services.ValidationError) as refused:
        services.log_time(user=konsult, date=MONDAY, hours=Decimal("0.25"), assignment=world["assisted"])
    assert refused.value.message_dict == {
        "hours": ["Måndag 2 mars får 24,25\xa0h sammanlagt, men en dag har högst 24 timmar."]
    }
    # Changing an entry counts the day without its old hours.
    services.update_time_entry(entry, by=konsult, hours=Decimal("3"))
    with pytest.raises(services.ValidationError):
        services.update_time_entry(entry, by=konsult, hours=Decimal("4.5"))


@pytest.mark.parametrize(
    "typed, message",
    [
        ("abc", "Ange ett tal, till exempel 24 000 eller 9,5."),
        ("0,1", "”0,1” är för litet; det minsta som går är 0,25."),
        ("25", "”25” är för stort; det största som går är 24."),
        ("-2", "”-2” är för litet; det minsta som går är 0,25."),
        (
            "1e3",
            "Ange ett tal, till exempel 24 000 eller 9,5.",
        ),  # not a thousand written as a programmer would
        ("7,5\x00", "Ange ett tal, till exempel 24 000 eller 9,5."),
        ("9" * 400, "”" + "9" * 400 + "” är för stort; det största som går är 24."),
    ],
)
def test_what_cannot_be_read_is_said_in_swedish_on_its_cell(client, konsult, world, typed, message):
    client.force_login(konsult)
    name = cell(world["assisted"], MONDAY)
    response = client.post(
        reverse("time-week-save"), week_data(client.get(reverse("time-week")), **{name: typed})
    )
    assert response.status_code == 200
    assert response.context["grid"].errors == {name: [message]}
    assert not TimeEntry.objects.exists()


def test_a_cell_with_several_entries_is_shown_not_changed(client, konsult, world):
    for hours in (1, 2):
        TimeEntryFactory(user=konsult, assignment=world["mine"], date=MONDAY, hours=hours, comment=f"{hours}")
    client.force_login(konsult)
    grid = client.get(reverse("time-week"))
    name = cell(world["mine"], MONDAY)
    assert name not in grid.context["grid"].fields
    assert "2 poster – ändra i listan" in grid.content.decode()
    response = client.post(reverse("time-week-save"), {**week_data(grid), name: ""})
    assert response.status_code == 302
    assert TimeEntry.objects.filter(assignment=world["mine"]).count() == 2


def test_cells_of_rows_not_mine_are_ignored(client, konsult, world):
    client.force_login(konsult)
    data = week_data(client.get(reverse("time-week")), **{cell(world["others"], MONDAY): "8"})
    client.post(reverse("time-week-save"), data)
    # Asking for the row does not help: the konsult is not on it.
    client.post(reverse("time-week-save"), {**data, "uppdrag": world["others"].pk})
    assert not TimeEntry.objects.exists()
    with pytest.raises(services.PermissionDenied):
        services.save_week(
            user=konsult,
            cells=[services.WeekCell(key="x", date=MONDAY, hours=Decimal(1), assignment=world["others"])],
        )


@pytest.mark.parametrize("week", ["", "inte-ett-datum", "2026-13-45", "9" * 50])
def test_a_missing_or_bad_week_is_said_not_a_500(client, konsult, world, week):
    client.force_login(konsult)
    response = client.post(reverse("time-week-save"), {"vecka": week}, follow=True)
    assert response.status_code == 200
    assert "Veckan saknas eller är fel; inget sparades." in response.content.decode()


def _add_rows(konsult, package, count, start):
    """`count` assignments and as many categories, each with an hour logged on Monday and Tuesday."""
    for i in range(count):
        assignment = AssignmentFactory(
            number=f"2026-{start + i:04d}", responsible=konsult, package=package, ordered_on=MONDAY
        )
        category = TimeCategoryFactory(name=f"Kategori {start + i}")
        for day in (MONDAY, date(2026, 3, 3)):
            TimeEntryFactory(user=konsult, assignment=assignment, date=day, hours=1)
            TimeEntryFactory(user=konsult, assignment=None, category=category, date=day, hours=1)


def _every_kind_of_change(client):
    """Every row: Monday's hour changed, Tuesday's cleared, Wednesday's typed in."""
    grid = client.get(reverse("time-week"))
    data = week_data(grid)
    for name in grid.context["grid"].fields:
        data[name] = {"0302": "0,5", "0303": "", "0304": "0,5"}.get(name[-4:], data[name])
    return data


def test_query_counts_do_not_grow_with_the_rows(client, konsult, package, django_assert_max_num_queries):
    """The page, and a save that changes, clears and fills a cell of every row, cost the same with
    2 rows as with 30."""
    client.force_login(konsult)
    _add_rows(konsult, package, 1, 100)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("time-week"))
    page_queries = len(few.captured_queries)  # read now: the next request empties the log
    data = _every_kind_of_change(client)
    with django_assert_max_num_queries(30) as few:
        assert client.post(reverse("time-week-save"), data).status_code == 302
    save_queries = len(few.captured_queries)
    assert TimeEntry.objects.filter(hours=Decimal("0.5")).count() == 4

    _add_rows(konsult, package, 14, 200)
    with django_assert_max_num_queries(page_queries):
        page = client.get(reverse("time-week"))
    assert len(row_labels(page)) == 30
    data = _every_kind_of_change(client)
    with django_assert_max_num_queries(save_queries):
        assert client.post(reverse("time-week-save"), data).status_code == 302
    assert TimeEntry.objects.filter(hours=Decimal("0.5")).count() == 60
    assert TimeEntry.objects.count() == 60
    assert TimeEntry.history.filter(history_type="-").count() == 30


def test_the_api_keeps_the_same_time_rules(konsult, world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(konsult)
    url = "/api/v1/time-entries/"
    ahead = {"date": "2026-03-12", "hours": "1", "assignment": world["mine"].pk}
    response = api.post(url, ahead, format="json")
    assert response.status_code == 422
    assert response.data == {
        "date": ["Torsdag 12 mars ligger mer än 7 dagar fram i tiden. Rapportera tiden när den är gjord."]
    }
    assert api.post(url, {**ahead, "date": "2026-03-03", "hours": "20"}, format="json").status_code == 201
    response = api.post(url, {**ahead, "date": "2026-03-03", "hours": "4.5"}, format="json")
    assert response.status_code == 422
    assert response.data == {
        "hours": ["Tisdag 3 mars får 24,5\xa0h sammanlagt, men en dag har högst 24 timmar."]
    }
    assert TimeEntry.objects.count() == 1
