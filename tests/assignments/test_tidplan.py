"""Tidplaner: standard schedules per package, the tidplan an assignment gets at registration, its
adjustment, the next step on the start page, and the planned end the load and suggestions read."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from freezegun import freeze_time

from assignments import selectors, services
from assignments.demo import STANDARD_SCHEDULES, seed_standard_schedules, seed_tidplans
from assignments.models import STEP_ORDER, Assignment, AssignmentStep, StandardScheduleStep, Step
from assignments.selectors import consultant_load, planned_hours_by_week, tidplan
from assignments.services import TidplanRow
from tests.factories import (
    AssignmentFactory,
    ManagerFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
)

TODAY = date(2026, 3, 11)  # a Wednesday, ISO week 11
ORDERED = date(2026, 3, 2)
STORA = {"startmote": 7, "annons": 7, "sista_ansokan": 21, "intervjuer": 10, "beslut": 5}


@pytest.fixture
def stora(db):
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    services.save_standard_schedule("stora", STORA)
    return package


def register(package, by, ordered_on=ORDERED, **fields):
    manager = ManagerFactory()
    return services.create_assignment(
        by=by,
        organisation=manager.organisation,
        manager=manager,
        level=Assignment.Level.MEDARBETARE,
        sector=SectorFactory(),
        package=package,
        ordered_on=ordered_on,
        **{"role_title": "Förskollärare"} | fields,
    )


def steps_of(assignment):
    return list(assignment.steps.order_by("position").values_list("step", "planned_on", "done_on"))


def test_registration_gives_the_standard_schedule_counted_from_the_order(stora, konsult):
    assignment = register(stora, konsult)
    assert steps_of(assignment) == [
        ("startmote", date(2026, 3, 9), None),
        ("annons", date(2026, 3, 16), None),
        ("sista_ansokan", date(2026, 4, 6), None),
        ("intervjuer", date(2026, 4, 16), None),
        ("beslut", date(2026, 4, 21), None),
    ]
    # Applying it again changes nothing.
    assert services.apply_standard_schedule(assignment, by=konsult) == 0
    assert assignment.steps.count() == 5


def test_registration_records_the_tidplan_in_its_history(stora, konsult):
    assignment = register(stora, konsult)
    made = AssignmentStep.history.filter(assignment_id=assignment.pk)
    assert sorted(made.values_list("step", "history_type", "history_user")) == sorted(
        (step, "+", konsult.pk) for step in STORA
    )
    assert list(assignment.steps.values_list("position", flat=True)) == sorted(
        STEP_ORDER[step] for step in STORA
    )


def test_a_corrected_order_date_moves_a_tidplan_not_yet_begun(stora, konsult):
    assignment = register(stora, konsult, ordered_on=date(2026, 3, 20))  # mistyped: meant 2 March
    services.update_assignment(assignment, by=konsult, ordered_on=ORDERED)
    assert steps_of(assignment) == [  # as if registered on 2 March
        ("startmote", date(2026, 3, 9), None),
        ("annons", date(2026, 3, 16), None),
        ("sista_ansokan", date(2026, 4, 6), None),
        ("intervjuer", date(2026, 4, 16), None),
        ("beslut", date(2026, 4, 21), None),
    ]
    assert AssignmentStep.history.filter(assignment_id=assignment.pk, history_type="~").count() == 5
    moved = next(e for e in selectors.assignment_history(assignment) if e["what"].startswith("Tidplan"))
    assert moved["what"] == "Tidplan flyttad med beställningsdatumet" and len(moved["changes"]) == 5
    assert moved["changes"][0] == ("Startmöte", "planerat 2026-03-27", "planerat 2026-03-09")

    # Once a step is done the tidplan follows the work: a later correction leaves it.
    services.save_tidplan(
        assignment, [TidplanRow("startmote", date(2026, 3, 9), TODAY)], by=konsult, today=TODAY
    )
    services.update_assignment(assignment, by=konsult, ordered_on=date(2026, 3, 1))
    assert steps_of(assignment)[1] == ("annons", date(2026, 3, 16), None)
    # Nor does any change but the order date move a tidplan, even one not yet begun.
    fresh = register(stora, konsult)
    before = steps_of(fresh)
    services.update_assignment(fresh, by=konsult, role_title="Förskollärare till Solrosen", status="pagaende")
    assert steps_of(fresh) == before
    assert fresh.tidplan_moved == 0


def test_the_edit_form_moves_the_tidplan_with_a_corrected_order_date_and_says_so(client, stora, konsult):
    assignment = register(stora, konsult, ordered_on=date(2026, 3, 20))
    data = {
        "responsible": konsult.pk,
        "ordered_on": "2026-03-02",
        "organisation": assignment.organisation.pk,
        "manager": assignment.manager.pk,
        "role_title": assignment.role_title,
        "level": assignment.level,
        "sector": assignment.sector.pk,
        "package": stora.pk,
        "quantity": "1",
        "price": str(assignment.price),
        "price_reason": "",
        "extra_hours": "0",
        "status": assignment.status,
    }
    client.force_login(konsult)
    with freeze_time("2026-03-21 10:00"):
        response = client.post(reverse("assignment-edit", args=[assignment.pk]), data, follow=True)
    assert response.redirect_chain, response.context["form"].errors
    assert steps_of(assignment)[0] == ("startmote", date(2026, 3, 9), None)
    assert "Tidplanen flyttades 18 dagar bakåt med beställningsdatumet." in response.content.decode()


def test_the_assignments_history_shows_the_tidplan_made_and_changed(client, stora, konsult):
    assignment = register(stora, konsult)
    rows = [
        TidplanRow("startmote", date(2026, 3, 9), date(2026, 3, 10)),
        TidplanRow("annons", date(2026, 3, 18), None),
        TidplanRow("intervjuer", None, None),
    ]
    services.save_tidplan(assignment, rows, by=konsult, today=TODAY)
    events = [e for e in selectors.assignment_history(assignment) if e["what"].startswith("Tidplan")]
    assert [(e["what"], e["who"], e["changes"]) for e in events] == [
        (
            "Tidplan ändrad",
            konsult,
            [
                ("Startmöte", "planerat 2026-03-09", "planerat 2026-03-09, klart 2026-03-10"),
                ("Annons publiceras", "planerat 2026-03-16", "planerat 2026-03-18"),
                ("Intervjuer", "planerat 2026-04-16", "borttaget"),
            ],
        ),
        (
            "Tidplan gjord",
            konsult,
            [
                ("Startmöte", "", "planerat 2026-03-09"),
                ("Annons publiceras", "", "planerat 2026-03-16"),
                ("Sista ansökningsdag", "", "planerat 2026-04-06"),
                ("Intervjuer", "", "planerat 2026-04-16"),
                ("Beslut", "", "planerat 2026-04-21"),
            ],
        ),
    ]
    client.force_login(konsult)
    page = client.get(assignment.get_absolute_url()).content.decode()
    assert "Annons publiceras: <del>planerat 2026-03-16</del> → planerat 2026-03-18" in page


def test_a_package_without_a_standard_schedule_gives_no_tidplan(db, konsult):
    lilla = PackageFactory(price_list=PriceListFactory(year=2026), code="lilla", name="Lilla paketet")
    assignment = register(lilla, konsult)
    assert steps_of(assignment) == []
    assert selectors.standard_end("lilla", ORDERED) == ORDERED + timedelta(weeks=8)
    assert selectors.standard_end("stora", ORDERED) == ORDERED + timedelta(weeks=8)  # none here either


def test_standard_schedule_is_set_changed_and_removed_with_history(db, admin_user):
    assert services.save_standard_schedule("chef", {"startmote": 7, "beslut": 60}, by=admin_user) == 2
    assert services.save_standard_schedule("chef", {"startmote": 10, "beslut": 60, "tester": 14}) == 3
    rows = list(StandardScheduleStep.objects.filter(package_code="chef").values_list("step", "days"))
    assert rows == [("startmote", 10), ("tester", 14), ("beslut", 60)]  # in the steps' order
    assert selectors.standard_end("chef", ORDERED) == ORDERED + timedelta(days=84)
    assert services.save_standard_schedule("chef", {"startmote": None, "beslut": None, "tester": None}) == 0
    assert not StandardScheduleStep.objects.filter(package_code="chef").exists()
    first = StandardScheduleStep.history.filter(package_code="chef", step="startmote").order_by(
        "history_date"
    )
    assert [(h.history_type, h.days) for h in first] == [("+", 7), ("~", 10), ("-", 10)]
    assert first[0].history_user == admin_user
    with pytest.raises(ValidationError, match="Okänt steg"):
        services.save_standard_schedule("chef", {"kaffe": 3})


def test_tidplan_is_adjusted_step_by_step(stora, konsult):
    assignment = register(stora, konsult)
    rows = [
        TidplanRow("startmote", date(2026, 3, 9), date(2026, 3, 10)),  # done
        TidplanRow("annons", date(2026, 3, 18), None),  # moved
        TidplanRow("sista_ansokan", date(2026, 4, 6), None),  # as it was
        TidplanRow("intervjuer", None, None),  # removed
        TidplanRow("tester", date(2026, 4, 20), None),  # added
        TidplanRow("beslut", date(2026, 4, 28), None),
    ]
    with freeze_time("2026-03-11 10:00"):
        changed = services.save_tidplan(assignment, rows, by=konsult)
    assert changed == 5
    assert steps_of(assignment) == [
        ("startmote", date(2026, 3, 9), date(2026, 3, 10)),
        ("annons", date(2026, 3, 18), None),
        ("sista_ansokan", date(2026, 4, 6), None),
        ("tester", date(2026, 4, 20), None),
        ("beslut", date(2026, 4, 28), None),
    ]
    # A done date alone plans the step that day.
    services.save_tidplan(
        assignment, [TidplanRow("referenser", None, date(2026, 3, 10))], by=konsult, today=TODAY
    )
    assert assignment.steps.get(step="referenser").planned_on == date(2026, 3, 10)


def test_bad_tidplan_dates_are_refused_whole_with_swedish_messages(stora, konsult, konsult2):
    assignment = register(stora, konsult)
    before = steps_of(assignment)
    rows = [
        TidplanRow("annons", date(2026, 3, 20), None),  # fine, but must not be saved alone
        TidplanRow("startmote", date(2026, 2, 1), None),
        TidplanRow("beslut", date(2026, 4, 21), date(2026, 3, 20)),
    ]
    with pytest.raises(ValidationError) as error:
        services.save_tidplan(assignment, rows, by=konsult, today=TODAY)
    assert error.value.message_dict == {
        "startmote_planned": [
            "Planerat datum för steget Startmöte kan inte vara före beställningsdatum (2026-03-02)."
        ],
        "beslut_done": ["Klart-datum för steget Beslut kan inte ligga i framtiden."],
    }
    assert steps_of(assignment) == before
    with pytest.raises(PermissionDenied):
        services.save_tidplan(assignment, [], by=konsult2, today=TODAY)


def test_next_step_and_overdue(stora, konsult):
    assignment = register(stora, konsult)
    AssignmentStep.objects.filter(assignment=assignment, step="startmote").update(done_on=date(2026, 3, 9))
    assignment = Assignment.objects.get(pk=assignment.pk)
    rows = tidplan(assignment, date(2026, 3, 20))
    assert [(r.step, r.is_next, r.overdue, r.status) for r in rows] == [
        ("startmote", False, False, "klart"),
        ("annons", True, True, "forsenat"),  # planned 16 March, not done by the 20th
        ("sista_ansokan", False, False, "kommande"),
        ("intervjuer", False, False, "kommande"),
        ("beslut", False, False, "kommande"),
    ]
    annotated = selectors.with_next_step(Assignment.objects.filter(pk=assignment.pk)).get()
    assert (annotated.next_step, annotated.next_step_on) == ("annons", date(2026, 3, 16))


def test_start_page_shows_the_next_step_and_marks_it_late(
    client, stora, konsult, django_assert_max_num_queries
):
    late = register(stora, konsult, role_title="Sen")
    on_time = register(stora, konsult, ordered_on=date(2026, 3, 10), role_title="I tid")
    without = register(PackageFactory(price_list=stora.price_list, code="lilla", name="Lilla"), konsult)
    all_done = register(stora, konsult, role_title="Klart")
    all_done.steps.update(done_on=date(2026, 3, 10))
    client.force_login(konsult)
    with freeze_time("2026-03-11 10:00"):
        page = client.get(reverse("start")).content.decode()
    row = lambda a: page[page.index(a.number) : page.index("</tr>", page.index(a.number))]  # noqa: E731
    assert "Startmöte" in row(late) and "2026-03-09" in row(late) and "Försenat" in row(late)
    assert "Startmöte" in row(on_time) and "2026-03-17" in row(on_time) and "Försenat" not in row(on_time)
    assert "1 uppdrag med försenat steg" in page
    assert "Ingen tidplan" in row(without) and "Alla steg klara" in row(all_done)
    # The query count does not grow with the assignments.
    with freeze_time("2026-03-11 10:00"):
        with django_assert_max_num_queries(12) as few:
            client.get(reverse("start"))
    for k in range(5):
        register(stora, konsult, role_title=f"Fler {k}")
    with freeze_time("2026-03-11 10:00"):
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("start"))


def test_detail_page_shows_the_tidplan_and_the_editor_saves_it(client, stora, konsult, konsult2):
    assignment = register(stora, konsult)
    client.force_login(konsult)
    with freeze_time("2026-03-11 10:00"):
        page = client.get(assignment.get_absolute_url()).content.decode()
        assert 'id="h-tidplan"' in page and "Försenat" in page and "Ändra tidplan" in page
        url = reverse("assignment-tidplan", args=[assignment.pk])
        form = client.get(url)
        assert form.status_code == 200
        data = {f"{s}_planned": "" for s in Step.values} | {f"{s}_done": "" for s in Step.values}
        data |= {f"{s}_planned": d.isoformat() for s, d, _ in steps_of(assignment)}
        data |= {"startmote_done": "2026-03-10", "annons_planned": "2026-02-01", "beslut_done": "x"}
        refused = client.post(url, data)
        assert refused.status_code == 200
        text = refused.content.decode()
        assert "Beslut: klart" in text  # the field's label for the bad date
        assert "Fyll i ett giltigt datum." in text
        data["beslut_done"] = ""
        refused = client.post(url, data).content.decode()
        assert (
            "Planerat datum för steget Annons publiceras kan inte vara före beställningsdatum (2026-03-02)."
            in refused
        )
        assert assignment.steps.get(step="startmote").done_on is None  # nothing half-saved
        data["annons_planned"] = "2026-03-17"
        saved = client.post(url, data)
        assert saved.status_code == 302 and saved["Location"].endswith("#tidplan")
    assert assignment.steps.get(step="startmote").done_on == date(2026, 3, 10)
    assert assignment.steps.get(step="annons").planned_on == date(2026, 3, 17)
    client.force_login(konsult2)
    assert client.get(url).status_code == 403
    assert client.post(reverse("assignment-tidplan-standard", args=[assignment.pk])).status_code == 403


def test_an_assignment_without_a_tidplan_gets_the_standard_one_from_its_page(client, stora, konsult):
    assignment = AssignmentFactory(responsible=konsult, package=stora, ordered_on=ORDERED)
    client.force_login(konsult)
    page = client.get(assignment.get_absolute_url()).content.decode()
    assert "Skapa tidplan från standardtidplanen" in page
    response = client.post(reverse("assignment-tidplan-standard", args=[assignment.pk]))
    assert response.status_code == 302
    assert [s for s, _d, _x in steps_of(assignment)] == list(STORA)
    assert client.get(reverse("assignment-tidplan-standard", args=[assignment.pk])).status_code == 405


def test_schedule_register_pages(client, stora, konsult, admin_user):
    client.force_login(konsult)
    page = client.get(reverse("schedule-list")).content.decode()
    assert "Stora paketet" in page and "Sista ansökningsdag +21" in page and "50 dagar" in page
    assert client.get(reverse("schedule-edit", args=["stora"])).status_code == 403
    client.force_login(admin_user)
    url = reverse("schedule-edit", args=["stora"])
    data = {s: "" for s in Step.values} | {"startmote": "5", "beslut": "400"}
    refused = client.post(url, data).content.decode()
    assert "Kontrollera att detta värde är mindre än eller lika med 365." in refused
    assert StandardScheduleStep.objects.filter(package_code="stora").count() == 5
    data["beslut"] = "30"
    assert client.post(url, data).status_code == 302
    assert selectors.standard_end("stora", ORDERED) == ORDERED + timedelta(days=35)
    assert client.get(reverse("schedule-edit", args=["finns-inte"])).status_code == 404


def test_load_spreads_the_remaining_hours_to_the_tidplans_end(stora, konsult):
    # 32 standard hours; the tidplan ends 21 April (week 17): weeks 11..17 share them, 7 weeks.
    assignment = register(stora, konsult)
    mondays = [date.fromisocalendar(2026, w, 1) for w in range(11, 20)]
    planned = planned_hours_by_week(TODAY, mondays)
    weeks = {monday.isocalendar().week: planned.get((konsult.pk, monday)) for monday in mondays}
    assert {w: h for w, h in weeks.items() if h} == {w: Decimal(32) / 7 for w in range(11, 18)}
    # Moved two weeks later, the same hours spread over 9 weeks.
    services.save_tidplan(assignment, [TidplanRow("beslut", date(2026, 5, 5), None)], by=konsult, today=TODAY)
    planned = planned_hours_by_week(TODAY, mondays)
    assert planned[(konsult.pk, mondays[-1])] == Decimal(32) / 9
    # Without a tidplan: the default eight weeks after the order (week 10 → week 18).
    AssignmentStep.objects.filter(assignment=assignment).delete()
    planned = planned_hours_by_week(TODAY, mondays)
    assert planned.get((konsult.pk, date.fromisocalendar(2026, 19, 1))) is None
    assert planned[(konsult.pk, date.fromisocalendar(2026, 18, 1))] == Decimal(32) / 8
    assert consultant_load(TODAY).rows  # the page's selector reads it too


def test_suggestion_panel_needs_the_consultant_by_the_standard_end(client, stora, konsult):
    client.force_login(konsult)
    manager = ManagerFactory()
    query = {
        "package": stora.pk,
        "organisation": manager.organisation.pk,
        "level": "medarbetare",
        "ordered_on": "2026-03-02",
    }
    with freeze_time("2026-03-02 10:00"):
        response = client.get(reverse("assignment-suggestions"), query)
    assert response.context["needed_by"] == date(2026, 4, 21)  # 2 March + 50 days


def test_demo_schedules_and_tidplans(db, konsult):
    assert seed_standard_schedules(stdout=lambda _l: None) == sum(map(len, STANDARD_SCHEDULES.values()))
    assert seed_standard_schedules(stdout=lambda _l: None) == 0  # left as they are
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    for k in range(40):
        AssignmentFactory(
            package=package, responsible=konsult, ordered_on=date(2026, 1, 5) + timedelta(days=k)
        )
    AssignmentFactory(
        package=package,
        responsible=konsult,
        status=Assignment.Status.AVSLUTAD,
        outcome=Assignment.Outcome.AVBRUTEN,
        closed_on=date(2026, 2, 1),
    )
    made = seed_tidplans(date(2026, 3, 1), random.Random(1), stdout=lambda _l: None)
    assert made == 40 * 7  # stora's seven steps, the open assignments only
    steps = AssignmentStep.objects.all()
    assert steps.filter(planned_on__gte=date(2026, 3, 1), done_on__isnull=False).count() == 0
    past = steps.filter(planned_on__lt=date(2026, 3, 1))
    assert 0 < past.filter(done_on__isnull=True).count() < past.count() / 3  # a few late
    assert not steps.filter(done_on__gt=date(2026, 3, 1)).exists()
    # Progress is in order: an assignment behind has its done steps first, then the late one.
    for assignment in Assignment.objects.filter(steps__isnull=False).distinct():
        done = [s.done_on is not None for s in assignment.steps.order_by("position")]
        assert done == sorted(done, reverse=True)
    assert seed_tidplans(date(2026, 3, 1), random.Random(1), stdout=lambda _l: None) == 0


def test_a_closed_assignments_tidplan_is_not_changed(client, stora, konsult):
    assignment = register(stora, konsult)
    bare = register(stora, konsult, role_title="Utan tidplan")
    bare.steps.all().delete()
    for closed in (assignment, bare):
        Assignment.objects.filter(pk=closed.pk).update(
            status=Assignment.Status.AVSLUTAD,
            outcome=Assignment.Outcome.AVBRUTEN,
            closed_on=date(2026, 3, 20),
        )
    before = steps_of(assignment)
    with pytest.raises(ValidationError, match="Uppdraget är avslutat"):
        services.save_tidplan(
            assignment, [TidplanRow("beslut", date(2026, 5, 1), None)], by=konsult, today=TODAY
        )
    with pytest.raises(ValidationError, match="Uppdraget är avslutat"):
        services.apply_standard_schedule(bare, by=konsult)
    client.force_login(konsult)
    url = reverse("assignment-tidplan", args=[assignment.pk])
    data = {f"{s}_planned": "2026-04-01" for s in Step.values}
    for response in (client.get(url), client.post(url, data)):
        assert response.status_code == 302 and response["Location"].endswith("#tidplan")
    response = client.post(reverse("assignment-tidplan-standard", args=[bare.pk]), follow=True)
    assert "Uppdraget är avslutat: dess tidplan kan inte längre ändras." in response.content.decode()
    assert steps_of(assignment) == before and not bare.steps.exists()
    # Registered already closed (an old one typed in afterwards): no tidplan, no error.
    old = register(
        stora,
        konsult,
        status=Assignment.Status.AVSLUTAD,
        outcome=Assignment.Outcome.AVBRUTEN,
        closed_on=date(2026, 3, 20),
        role_title="Gammal",
    )
    assert not old.steps.exists()


def test_a_date_more_than_a_year_after_the_order_is_refused(stora, konsult):
    assignment = register(stora, konsult)
    with pytest.raises(ValidationError) as error:
        services.save_tidplan(
            assignment, [TidplanRow("beslut", date(9999, 12, 31), None)], by=konsult, today=TODAY
        )
    assert error.value.message_dict == {
        "beslut_planned": [
            "Planerat datum för steget Beslut kan inte ligga mer än ett år efter "
            "beställningsdatum (2026-03-02)."
        ]
    }
    services.save_tidplan(assignment, [TidplanRow("beslut", date(2027, 3, 2), None)], by=konsult, today=TODAY)
    assert assignment.steps.get(step="beslut").planned_on == date(2027, 3, 2)


def test_only_the_steps_changed_are_checked_against_a_moved_order_date(stora, konsult):
    assignment = register(stora, konsult)
    Assignment.objects.filter(pk=assignment.pk).update(ordered_on=date(2026, 3, 20))  # after startmöte
    rows = [TidplanRow(s, d, x) for s, d, x in steps_of(assignment)]
    rows[-1] = TidplanRow("beslut", date(2026, 5, 1), None)
    assert services.save_tidplan(assignment, rows, by=konsult, today=TODAY) == 1
    assert assignment.steps.get(step="startmote").planned_on == date(2026, 3, 9)  # left as it was


def test_only_the_admin_changes_a_standard_schedule_and_an_emptied_one_stays_empty(db, konsult, admin_user):
    with pytest.raises(PermissionDenied):
        services.save_standard_schedule("stora", {"startmote": 7}, by=konsult)
    services.save_standard_schedule("stora", {"startmote": 7}, by=admin_user)
    services.save_standard_schedule("stora", {"startmote": None}, by=admin_user)
    assert not StandardScheduleStep.objects.exists()
    assert seed_standard_schedules(stdout=lambda _l: None) == 0  # not brought back
    assert not StandardScheduleStep.objects.exists()


def test_the_editor_lists_the_standard_steps_by_name(client, stora, konsult):
    assignment = register(stora, konsult)
    client.force_login(konsult)
    page = client.get(reverse("assignment-tidplan", args=[assignment.pk])).content.decode()
    assert "Sista ansökningsdag: <span" in page and "sista_ansokan:" not in page


def test_a_schedule_of_zero_days_ends_on_the_order_date_everywhere(db, konsult):
    package = PackageFactory(price_list=PriceListFactory(year=2026), code="search", name="Searchpaket")
    services.save_standard_schedule("search", {"startmote": 0})
    assert selectors.standard_end("search", ORDERED) == ORDERED
    assert steps_of(register(package, konsult)) == [("startmote", ORDERED, None)]
