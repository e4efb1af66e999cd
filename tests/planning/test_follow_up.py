"""The tertial follow-up goal by goal: each goal saved on its own with optimistic concurrency, who may
change what, the traffic light, what is not reported, and the review (draft → ready → approved and
locked, unlock with a reason), through the services and through the pages (htmx and without)."""

import logging
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from planning import selectors, services
from planning.models import (
    Activity,
    ActivityFollowUp,
    Goal,
    GoalAssessment,
    GoalReview,
    Indicator,
    IndicatorOutcome,
    PlanEvent,
    TertialLock,
)
from planning.targets import apply_target
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UserFactory
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory
from tests.planning.test_plan import plan  # noqa: F401  (fixture)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def enhet(plan):  # noqa: F811
    return Goal.objects.get(title="Rekrytering har nöjda kunder")


@pytest.fixture
def namnd(plan):  # noqa: F811
    return Goal.objects.get(title="Nämndens ekonomi är i balans")


@pytest.fixture
def owned(enhet, konsult):
    """The konsult is responsible for the unit goal."""
    enhet.responsible = konsult
    enhet.save()
    return enhet


def goal_url(goal, tertial=1):
    return reverse("goal-follow-up", args=[goal.plan_id, tertial, goal.pk])


def review_url(goal, tertial=1):
    return reverse("goal-review", args=[goal.plan_id, tertial, goal.pk])


def version(goal, tertial=1) -> int:
    return (
        GoalReview.objects.filter(goal=goal, tertial=tertial).values_list("version", flat=True).first() or 0
    )


# --- Saving a goal on its own -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_goal_saves_on_its_own_and_counts_its_versions(enhet, chef):
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    activity = enhet.activities.get()
    review = services.save_goal_follow_up(
        enhet,
        tertial=1,
        by=chef,
        version=0,
        outcomes={sick: (Decimal("3.1"), None)},
        activities={activity: ("pagar", "Utkast klart")},
        assessment=("delvis", "NPS under målet."),
    )
    assert (review.version, review.updated_by) == (1, chef)
    assert IndicatorOutcome.objects.get(indicator=sick, tertial=1).value == Decimal("3.1")
    assert ActivityFollowUp.objects.get(activity=activity, tertial=1).comment == "Utkast klart"
    assert GoalAssessment.objects.get(goal=enhet, tertial=1).analysis == "NPS under målet."
    review = services.save_goal_follow_up(enhet, tertial=1, by=chef, version=1, assessment=("uppfyllt", ""))
    assert review.version == 2


@pytest.mark.django_db
def test_the_same_goal_from_an_older_version_is_a_conflict_and_nothing_is_saved(enhet, chef, owned, konsult):
    services.save_goal_follow_up(enhet, tertial=1, by=konsult, version=0, assessment=("delvis", "Konsultens"))
    with pytest.raises(services.Conflict) as conflict:
        services.save_goal_follow_up(enhet, tertial=1, by=chef, version=0, assessment=("ej", "Chefens"))
    assert "medan du skrev" in conflict.value.messages[0]
    assert str(konsult) in conflict.value.messages[0]
    assessment = GoalAssessment.objects.get(goal=enhet, tertial=1)
    assert (assessment.assessment, assessment.analysis) == ("delvis", "Konsultens")
    assert version(enhet) == 1


@pytest.mark.django_db
def test_different_goals_never_conflict(enhet, namnd, chef):
    services.save_goal_follow_up(enhet, tertial=1, by=chef, version=0, assessment=("delvis", "A"))
    services.save_goal_follow_up(namnd, tertial=1, by=chef, version=0, assessment=("uppfyllt", "B"))
    services.save_goal_follow_up(enhet, tertial=2, by=chef, version=0, assessment=("ej", "C"))
    assert {(a.goal_id, a.tertial, a.analysis) for a in GoalAssessment.objects.all()} == {
        (enhet.pk, 1, "A"),
        (namnd.pk, 1, "B"),
        (enhet.pk, 2, "C"),
    }


@pytest.mark.django_db
def test_who_may_change_what(enhet, namnd, konsult, konsult2, samordnare, chef):
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    activity = enhet.activities.get()
    # Nobody's goal: only heads.
    for user in (konsult, samordnare):
        with pytest.raises(PermissionDenied):
            services.save_goal_follow_up(enhet, tertial=1, by=user, version=None, assessment=("ej", ""))
    # The indicator's own responsible enters its outcome, not the goal's assessment.
    sick.responsible = konsult2
    sick.save()
    services.save_goal_follow_up(
        enhet, tertial=1, by=konsult2, version=None, outcomes={sick: (Decimal(2), None)}
    )
    with pytest.raises(PermissionDenied):
        services.save_goal_follow_up(enhet, tertial=1, by=konsult2, version=None, assessment=("ej", ""))
    with pytest.raises(PermissionDenied):
        services.save_goal_follow_up(
            enhet, tertial=1, by=konsult2, version=None, activities={activity: ("klar", "")}
        )
    # The goal's responsible answers for the rest of it.
    enhet.responsible = konsult
    enhet.save()
    services.save_goal_follow_up(
        enhet,
        tertial=1,
        by=konsult,
        version=None,
        activities={activity: ("klar", "")},
        assessment=("uppfyllt", ""),
    )
    # An item of another goal is refused by name.
    balance = Indicator.objects.get(name="Budget i balans")
    with pytest.raises(ValidationError, match="hör inte till målet"):
        services.save_goal_follow_up(
            enhet, tertial=1, by=chef, version=None, outcomes={balance: (None, True)}
        )


@pytest.mark.django_db
def test_an_approved_goal_and_a_locked_tertial_refuse_changes(enhet, chef):
    services.assess_goal(enhet, tertial=1, assessment="delvis", analysis="", by=chef)
    services.mark_ready(enhet, tertial=1, by=chef)
    services.approve_goal(enhet, tertial=1, by=chef)
    with pytest.raises(ValidationError, match="godkänt och låst"):
        services.assess_goal(enhet, tertial=1, assessment="ej", analysis="", by=chef)
    services.assess_goal(enhet, tertial=2, assessment="ej", analysis="", by=chef)  # T2 is open
    goal = Goal.objects.create(plan=enhet.plan, level="enhet", title="Tillagt efter låsningen")
    services.lock_tertial(enhet.plan, tertial=2, by=chef)
    with pytest.raises(ValidationError, match="godkänt och låst"):
        services.assess_goal(goal, tertial=2, assessment="ej", analysis="", by=chef)


# --- The traffic light and what is missing --------------------------------------------------------


def test_the_light_follows_the_assessment_else_the_marks():
    light = services.goal_light
    assert (light("uppfyllt", 0, 3).key, light("delvis", 3, 0).key, light("ej", 3, 0).key) == (
        "gron",
        "gul",
        "rod",
    )
    assert light("uppfyllt", 0, 3).basis == "enligt bedömningen"
    assert [light(None, met, not_met).key for met, not_met in [(2, 0), (1, 1), (0, 2), (0, 0)]] == [
        "gron",
        "gul",
        "rod",
        "gra",
    ]
    assert light(None, 1, 0, below=True).basis == "enligt indikatorerna under målet"
    assert light(None, 0, 0).label == "Inget underlag"  # in words, never by colour alone


@pytest.mark.django_db
def test_the_tree_lights_counts_and_what_is_missing(plan, enhet, namnd, konsult, chef):  # noqa: F811
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    enhet.responsible = konsult
    enhet.save()
    namnd.responsible = chef
    namnd.save()
    services.record_outcome(sick, tertial=1, by=chef, value=Decimal("5"))  # at most 4 %: not met
    state = selectors.follow_up(plan, 1)
    rows = {row["goal"].title: row for row in state.rows}
    unit, board = rows[enhet.title], rows[namnd.title]
    assert [r["depth"] for r in state.rows] == [0, 1, 2, 3]
    assert [child["goal"] for child in board["children"]] == [enhet]
    # The computed indicator has no data (0 of 40): not met; sick leave 5 % > 4 %: not met.
    assert (unit["met"], unit["not_met"], unit["light"].key) == (0, 2, "rod")
    top = rows["Ett Stockholm med en stabil och hållbar ekonomi"]
    assert (top["light"].key, top["light"].basis) == ("rod", "enligt indikatorerna under målet")
    missing = {(m.goal.pk, m.person, m.kind, m.label) for m in state.missing}
    assert (enhet.pk, konsult.pk, "assessment", "Bedömning och analys av målet") in missing
    assert (enhet.pk, konsult.pk, "status", "Status: Ta fram en kommunikationsplan") in missing
    assert (namnd.pk, chef.pk, "outcome", "Utfall: Utan mål") in missing
    # Yearly indicators are asked for at T3 only; an entered outcome is not missing.
    assert not any("Budget i balans" in m.label or "Sjukfrånvaro" in m.label for m in state.missing)
    assert any("Budget i balans" in m.label for m in selectors.follow_up(plan, 3).missing)
    assert [entry["row"]["goal"] for entry in state.missing_of(konsult)] == [enhet]
    services.assess_goal(enhet, tertial=1, assessment="delvis", analysis="", by=chef)
    services.mark_ready(enhet, tertial=1, by=konsult)
    state = selectors.follow_up(plan, 1)
    assert state.missing_of(konsult) == []  # a goal marked ready asks nothing more
    unit = next(r for r in state.rows if r["goal"] == enhet)
    assert (unit["light"].key, unit["status"]) == ("gul", "klar")
    assert state.counts["klar"] == 1 and state.counts["utkast"] == 3


# --- Review and lock ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_responsible_marks_ready_and_the_head_approves(owned, konsult, samordnare, chef, caplog):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    with pytest.raises(ValidationError, match="Bedöm målet"):
        services.mark_ready(owned, tertial=1, by=konsult)
    services.assess_goal(owned, tertial=1, assessment="uppfyllt", analysis="Bra", by=konsult)
    with pytest.raises(PermissionDenied):
        services.mark_ready(owned, tertial=1, by=samordnare)
    with pytest.raises(ValidationError, match="inte markerat klart"):
        services.approve_goal(owned, tertial=1, by=chef)
    assert services.mark_ready(owned, tertial=1, by=konsult).status == "klar"
    # Ready: the responsible no longer changes it (a head still can), and cannot approve it.
    with pytest.raises(PermissionDenied):
        services.assess_goal(owned, tertial=1, assessment="ej", analysis="", by=konsult)
    with pytest.raises(PermissionDenied):
        services.approve_goal(owned, tertial=1, by=konsult)
    services.reopen(owned, tertial=1, by=konsult)
    services.assess_goal(owned, tertial=1, assessment="uppfyllt", analysis="Bättre", by=konsult)
    services.mark_ready(owned, tertial=1, by=konsult)
    review = services.approve_goal(owned, tertial=1, by=chef)
    assert (review.status, review.approved_by) == ("godkand", chef)
    assert [e.action for e in PlanEvent.objects.order_by("at", "id")] == [
        "ready",
        "reopened",
        "ready",
        "approved",
    ]
    assert any("plan_goal_approved user=chef" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_approval_freezes_the_goals_computed_values_and_unlocking_needs_a_reason(
    owned, chef, konsult, caplog
):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    chef_package = PackageFactory(price_list=PriceListFactory(year=2026), code="chef", name="Chefspaket")
    AssignmentFactory(package=chef_package, ordered_on=date(2026, 3, 10))
    computed = Indicator.objects.get(name="Antal beställda chefsrekryteringar")
    services.assess_goal(owned, tertial=1, assessment="ej", analysis="", by=konsult)
    services.mark_ready(owned, tertial=1, by=konsult)
    services.approve_goal(owned, tertial=1, by=chef)
    AssignmentFactory(package=chef_package, ordered_on=date(2026, 3, 12))
    assert services.outcome(computed, 1).value == 1 and services.outcome(computed, 1).frozen
    with pytest.raises(PermissionDenied):
        services.unlock_goal(owned, tertial=1, by=konsult, reason="Fel")
    with pytest.raises(ValidationError, match="Skriv varför"):
        services.unlock_goal(owned, tertial=1, by=chef, reason="   ")
    services.unlock_goal(owned, tertial=1, by=chef, reason="Fel siffra  i analysen")
    assert services.outcome(computed, 1).value == 2 and not services.outcome(computed, 1).frozen
    event = PlanEvent.objects.get(action="goal_unlocked")
    assert (event.goal, event.tertial, event.reason, event.by) == (owned, 1, "Fel siffra i analysen", chef)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("plan_goal_unlocked"))
    assert f"goal={owned.pk}" in line and 'reason="Fel siffra i analysen"' in line
    services.assess_goal(owned, tertial=1, assessment="delvis", analysis="", by=konsult)  # a draft again


@pytest.mark.django_db
def test_locking_the_tertial_approves_every_goal_and_unlocking_it_is_logged(plan, owned, chef, caplog):  # noqa: F811
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    services.lock_tertial(plan, tertial=1, by=chef)
    assert set(GoalReview.objects.filter(tertial=1).values_list("status", flat=True)) == {"godkand"}
    assert GoalReview.objects.filter(tertial=1).count() == plan.goals.count()
    assert IndicatorOutcome.objects.filter(tertial=1, frozen=True).count() == Indicator.objects.count()
    with pytest.raises(ValidationError, match="Skriv varför"):
        services.unlock_tertial(plan, tertial=1, by=chef, reason="")
    services.unlock_tertial(plan, tertial=1, by=chef, reason="Rättelse av nämnaren")
    assert not TertialLock.objects.exists()
    # The goals stay approved and frozen until each is unlocked.
    with pytest.raises(ValidationError, match="godkänt och låst"):
        services.assess_goal(owned, tertial=1, assessment="ej", analysis="", by=chef)
    assert any(
        r.getMessage().startswith("plan_tertial_unlocked user=chef") and "Rättelse" in r.getMessage()
        for r in caplog.records
    )
    # Unlocking a goal of a locked tertial lifts the tertial's lock too.
    services.lock_tertial(plan, tertial=1, by=chef)
    services.unlock_goal(owned, tertial=1, by=chef, reason="Ny analys")
    assert not TertialLock.objects.exists()
    assert GoalReview.objects.get(goal=owned, tertial=1).status == "utkast"
    assert list(PlanEvent.objects.values_list("action", flat=True)) == [
        "goal_unlocked",
        "unlocked",
        "locked",
        "unlocked",
        "locked",
    ]


# --- The pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_htmx_save_returns_the_goal_with_sparat_and_its_new_light(client, owned, konsult):
    client.force_login(konsult)
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    response = client.post(
        goal_url(owned),
        {"version": 0, f"ind-{sick.pk}": "3,5", f"goal-{owned.pk}": "uppfyllt", f"goala-{owned.pk}": "Bra."},
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Sparat kl." in page
    assert 'name="version" value="1"' in page  # the next save goes from the version just saved
    assert f'id="mal-{owned.pk}-rubrik" hx-swap-oob="innerHTML"' in page and "Uppfyllt" in page
    assert f'id="toc-{owned.pk}" hx-swap-oob="innerHTML"' in page
    assert "Markera klart för granskning" in page
    assert IndicatorOutcome.objects.get(indicator=sick, tertial=1).value == Decimal("3.5")


@pytest.mark.django_db
def test_htmx_save_errors_and_conflict_are_shown_in_swedish_with_what_was_typed(client, owned, konsult, chef):
    client.force_login(konsult)
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    response = client.post(goal_url(owned), {"version": 0, f"ind-{sick.pk}": "tre"}, **HTMX)
    page = response.content.decode()
    assert "Målet sparades inte" in page and "Sjukfrånvaro: ”tre” är inget tal" in page
    assert "Inte sparat: rätta felen ovan." in page and 'value="tre"' in page
    response = client.post(goal_url(owned), {"version": 0, f"goala-{owned.pk}": "Utan bedömning"}, **HTMX)
    assert (
        "Välj uppfyllt, delvis uppfyllt eller ej uppfyllt för att spara analysen."
        in response.content.decode()
    )

    services.save_goal_follow_up(owned, tertial=1, by=chef, version=0, assessment=("ej", "Chefens analys"))
    response = client.post(
        goal_url(owned),
        {"version": 0, f"goal-{owned.pk}": "uppfyllt", f"goala-{owned.pk}": "Min analys"},
        **HTMX,
    )
    page = response.content.decode()
    assert "Någon annan har ändrat målet" in page and f"{chef} sparade målet kl." in page
    assert "Chefens analys" in page and "Min analys" in page  # what is saved, and what was typed
    assert "Inte sparat: någon annan har ändrat målet" in page
    assert 'name="version" value="1"' in page  # saving again replaces it knowingly
    assert GoalAssessment.objects.get(goal=owned, tertial=1).analysis == "Chefens analys"
    response = client.post(
        goal_url(owned),
        {"version": 1, f"goal-{owned.pk}": "uppfyllt", f"goala-{owned.pk}": "Min analys"},
        **HTMX,
    )
    assert "Sparat kl." in response.content.decode()
    assert GoalAssessment.objects.get(goal=owned, tertial=1).analysis == "Min analys"


@pytest.mark.django_db
def test_without_javascript_a_goal_posts_and_returns_to_its_anchor(client, owned, konsult, chef):
    client.force_login(konsult)
    url = reverse("plan-follow-up", args=[owned.plan_id, 1])
    response = client.post(goal_url(owned), {"version": 0, f"goal-{owned.pk}": "delvis"})
    assert response.status_code == 302 and response.url == f"{url}?sparat={owned.pk}#mal-{owned.pk}"
    page = client.get(response.url).content.decode()
    assert "Målet är sparat (T1)" in page and '<span aria-hidden="true">✓ </span>Sparat.</span>' in page
    services.save_goal_follow_up(owned, tertial=1, by=chef, version=1, assessment=("ej", "Chefens"))
    response = client.post(goal_url(owned), {"version": 1, f"goal-{owned.pk}": "uppfyllt"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page  # the whole page, with the goal's conflict
    assert "Någon annan har ändrat målet" in page and 'name="version" value="2"' in page
    assert "Inte sparat: någon annan har ändrat målet." in page
    response = client.post(review_url(owned), {"action": "klar"})
    assert response.url == f"{url}#mal-{owned.pk}"
    assert GoalReview.objects.get(goal=owned, tertial=1).status == "klar"


@pytest.mark.django_db
def test_review_steps_through_the_pages_and_their_permissions(client, owned, konsult, chef):
    client.force_login(konsult)
    services.assess_goal(owned, tertial=1, assessment="uppfyllt", analysis="", by=konsult)
    page = client.post(review_url(owned), {"action": "klar"}, **HTMX).content.decode()
    assert "Målet är markerat klart för granskning." in page and "Ångra klarmarkeringen" in page
    assert "Godkänn och lås målet" not in page  # not for a konsult
    assert client.post(review_url(owned), {"action": "godkann"}, **HTMX).status_code == 403
    sick = Indicator.objects.get(name="Sjukfrånvaro")
    assert client.post(goal_url(owned), {"version": 1, f"ind-{sick.pk}": "1"}, **HTMX).status_code == 403
    client.force_login(chef)
    page = client.post(review_url(owned), {"action": "godkann"}, **HTMX).content.decode()
    assert "Målet är godkänt och låst." in page and "Spara målet" not in page and "Lås upp målet" in page
    page = client.post(review_url(owned), {"action": "las_upp", "reason": ""}, **HTMX).content.decode()
    assert "Skriv varför det ska låsas upp." in page
    page = client.post(review_url(owned), {"action": "las_upp", "reason": "Ny data"}, **HTMX).content.decode()
    assert "Målet är upplåst och kan ändras igen." in page and "Spara målet" in page
    history = client.get(reverse("plan-detail", args=[owned.plan_id])).content.decode()
    assert "Målet upplåst T1" in history and "Ny data" in history
    assert client.post(review_url(owned), {"action": "godkann"}).url.endswith(f"#mal-{owned.pk}")


@pytest.mark.django_db
def test_the_page_shows_what_each_may_do(client, plan, owned, konsult, konsult2, chef):  # noqa: F811
    url = reverse("plan-follow-up", args=[plan.pk, 1])
    client.force_login(konsult2)
    page = client.get(url).content.decode()
    assert "Spara målet" not in page and "Inte bedömt ännu." in page
    client.force_login(konsult)
    page = client.get(url).content.decode()
    assert page.count("Spara målet") == 1  # the goal they are responsible for
    assert "Kvar att rapportera för dig" in page and "Bedömning och analys av målet" in page
    assert "Ej rapporterat, per mål och person" not in page  # heads see who has not reported
    client.force_login(chef)
    page = client.get(url).content.decode()
    assert page.count("Spara målet") == 4 and "Ej rapporterat, per mål och person" in page
    assert f"<strong>{konsult}:</strong> Bedömning och analys av målet" in page
    assert f'href="#mal-{owned.pk}"' in page and f'id="mal-{owned.pk}"' in page  # contents and anchors


@pytest.mark.django_db
def test_a_yes_no_answer_outside_the_list_is_refused_naming_an_indicator_with_a_percent_sign(
    client,
    chef,
    plan,  # noqa: F811
):
    """Bug: the message of an invalid choice was formatted again by Django, so a name with "%" in it
    raised instead of being shown."""
    goal = plan.goals.get(level="namnd")
    indicator = IndicatorFactory(goal=goal, name="Minst 97 % nöjda")
    apply_target(indicator, "Ja")
    indicator.save()
    client.force_login(chef)
    response = client.post(goal_url(goal), {"version": 0, f"ind-{indicator.pk}": "kanske"}, **HTMX)
    assert "Minst 97 % nöjda: svara Ja eller Nej." in response.content.decode()


@pytest.mark.django_db
def test_the_follow_up_page_costs_the_same_few_queries_however_many_goals(
    client,
    chef,
    plan,  # noqa: F811
    django_assert_max_num_queries,
):
    """The bench target: at most 30 queries for the plan's follow-up, not growing with its goals."""
    PackageFactory(price_list=PriceListFactory(year=2026), code="chef", name="Chefspaket")
    url = reverse("plan-follow-up", args=[plan.pk, 1])
    client.force_login(chef)
    client.get(url)  # the session's first request
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    people = [UserFactory(username=f"ansvarig{i}") for i in range(5)]
    parent = plan.goals.get(level="namnd")
    for i in range(40):
        goal = GoalFactory(plan=plan, level="enhet", parent=parent, order=10 + i, responsible=people[i % 5])
        entered = IndicatorFactory(goal=goal, name=f"Handindikator {i}", responsible=people[(i + 1) % 5])
        apply_target(entered, "5 st")
        entered.save()
        IndicatorFactory(goal=goal, name=f"Räknad {i}", measure="ordered", filters={"package": ["chef"]})
        ActivityFactory(goal=goal, responsible_user=people[(i + 2) % 5])
        ActivityFactory(goal=goal)
        if i % 2:
            services.save_goal_follow_up(goal, tertial=1, by=chef, version=None, assessment=("delvis", "x"))
            services.record_outcome(entered, tertial=1, by=chef, value=Decimal(i))
    services.lock_tertial(plan, tertial=2, by=chef)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert len(large.captured_queries) <= 30
    assert response.content.decode().count("Spara målet") == 44


@pytest.mark.django_db
def test_saving_one_goal_costs_the_same_queries_however_many_goals(
    client,
    chef,
    plan,  # noqa: F811
    django_assert_max_num_queries,
):
    goal = plan.goals.get(level="enhet")
    client.force_login(chef)
    client.get(reverse("plan-list"))
    with django_assert_max_num_queries(60) as small:
        client.post(goal_url(goal), {"version": 0, f"goal-{goal.pk}": "delvis"}, **HTMX)
    for i in range(30):
        other = GoalFactory(plan=plan, level="enhet", order=20 + i)
        IndicatorFactory(goal=other)
        ActivityFactory(goal=other)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.post(goal_url(goal), {"version": 1, f"goal-{goal.pk}": "ej"}, **HTMX)
    assert "Sparat kl." in response.content.decode()
    assert Activity.objects.count() == 32


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_goal_at_the_same_moment_one_wins_and_one_is_told(enhet, chef, konsult):
    """On PostgreSQL, with two connections: the second save waits on the goal's row lock while the
    first is uncommitted, then sees the new version and is refused as a conflict."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("Radlås prövas på PostgreSQL (SQLite låser hela databasen)")
    enhet.responsible = konsult
    enhet.save()
    first_saved, second_done = threading.Event(), threading.Event()
    release = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                services.save_goal_follow_up(enhet, tertial=1, by=chef, version=0, assessment=("ej", "Först"))
                first_saved.set()
                release.wait(10)
            results["first"] = "saved"
        finally:
            connections.close_all()

    def second():
        try:
            first_saved.wait(10)
            services.save_goal_follow_up(
                enhet, tertial=1, by=konsult, version=0, assessment=("uppfyllt", "Sen")
            )
            results["second"] = "saved"
        except services.Conflict as conflict:
            results["second"] = conflict.messages[0]
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_saved.wait(10)
    assert not second_done.wait(1.5)  # the second waits on the lock while the first is open
    release.set()
    for thread in threads:
        thread.join(20)
    assert results["first"] == "saved"
    assert f"{chef} sparade målet kl." in results["second"]
    assessment = GoalAssessment.objects.get(goal=enhet, tertial=1)
    assert (assessment.assessment, assessment.analysis) == ("ej", "Först")
    assert GoalReview.objects.get(goal=enhet, tertial=1).version == 1


@pytest.mark.django_db
def test_a_goal_that_only_heads_the_chain_is_not_asked_for(plan):  # noqa: F811
    state = selectors.follow_up(plan, 1)
    asked = {m.goal.level for m in state.missing if m.kind == "assessment"}
    assert asked == {"namnd", "enhet"}  # the KF goals have nobody and nothing of their own
    kf = plan.goals.get(level="kf_inriktning")
    kf.responsible = UserFactory(username="kf-ansvarig")
    kf.save()
    assert any(m.goal == kf and m.kind == "assessment" for m in selectors.follow_up(plan, 1).missing)


@pytest.mark.django_db
def test_the_plan_page_costs_the_same_queries_however_many_goals(
    client,
    chef,
    plan,  # noqa: F811
    django_assert_max_num_queries,
):
    url = reverse("plan-detail", args=[plan.pk])
    client.force_login(chef)
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    parent = plan.goals.get(level="namnd")
    for i in range(30):
        goal = GoalFactory(plan=plan, level="enhet", parent=parent, order=10 + i, responsible=chef)
        IndicatorFactory(goal=goal, responsible=chef)
        ActivityFactory(goal=goal, responsible_user=chef)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="goal-node') == 34
