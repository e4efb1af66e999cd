"""The assignment list as a consultant meets it: *Mina uppdrag* by default, and filters saved per user."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments import services
from assignments.models import SavedFilter
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UserFactory

TODAY = timezone.localdate()


@pytest.fixture
def package(db):
    return PackageFactory(price_list=PriceListFactory(year=TODAY.year))


@pytest.fixture
def three(konsult, konsult2, package):
    """One assignment the konsult is responsible for, one they assist on, one they are not on."""
    return {
        "responsible": AssignmentFactory(responsible=konsult, package=package, role_title="Rektor"),
        "colleague": AssignmentFactory(
            responsible=konsult2, colleagues=[konsult], package=package, role_title="Kock"
        ),
        "other": AssignmentFactory(responsible=konsult2, package=package, role_title="Vaktmästare"),
    }


def numbers(response):
    return {a.number for a in response.context["assignments"]}


def test_a_konsult_opens_the_list_on_their_own_assignments(client, konsult, three):
    client.force_login(konsult)
    response = client.get(reverse("assignment-list"))
    assert numbers(response) == {three["responsible"].number, three["colleague"].number}
    page = response.content.decode()
    assert '<option value="mina" selected>Mina uppdrag</option>' in page
    # The same list as Excel: the default applies there too.
    assert response.context["export_query"] == ""
    # Everyone's, on request; and any explicit filter without `visa` means everyone's.
    assert numbers(client.get(reverse("assignment-list"), {"visa": "alla"})) == {
        a.number for a in three.values()
    }
    assert numbers(client.get(reverse("assignment-list"), {"q": "vakt"})) == {three["other"].number}
    assert numbers(client.get(reverse("assignment-list"), {"visa": "mina", "q": "kock"})) == {
        three["colleague"].number
    }


def test_heads_and_coordinators_open_the_list_on_everything(client, samordnare, three):
    client.force_login(samordnare)
    response = client.get(reverse("assignment-list"))
    assert numbers(response) == {a.number for a in three.values()}
    assert '<option value="alla" selected>Alla uppdrag</option>' in response.content.decode()


def test_an_unknown_scope_is_a_message_not_an_error(client, konsult, three):
    client.force_login(konsult)
    response = client.get(reverse("assignment-list"), {"visa": "<script>"})
    assert response.status_code == 200
    assert numbers(response) == set()
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_save_pick_and_delete_a_filter(client, konsult, three):
    client.force_login(konsult)
    response = client.post(
        reverse("assignment-filter-save"),
        # What the list applied, plus a page number and a stranger, which are not kept.
        {"name": "  Mina   kockar ", "query": "visa=mina&q=kock&page=3&evil=1&status="},
    )
    saved = SavedFilter.objects.get()
    assert (saved.user, saved.name, saved.query) == (konsult, "Mina kockar", "visa=mina&q=kock")
    assert response.status_code == 302 and response["Location"] == "/uppdrag/?visa=mina&q=kock"
    listed = client.get(response["Location"])
    assert numbers(listed) == {three["colleague"].number}
    page = listed.content.decode()
    assert "Filtret ”Mina kockar” är sparat." in page
    # Picked from the list of saved filters, marked as the one shown.
    assert '<a href="?visa=mina&amp;q=kock" aria-current="true">Mina kockar</a>' in page
    assert '<a href="?visa=mina&amp;q=kock">Mina kockar</a>' in (
        client.get(reverse("assignment-list"), {"visa": "alla"}).content.decode()
    )

    # Nobody else sees it or deletes it.
    other = UserFactory(username="annan")
    client.force_login(other)
    assert "Mina kockar" not in client.get(reverse("assignment-list")).content.decode()
    assert client.post(reverse("assignment-filter-delete", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()

    client.force_login(konsult)
    assert client.get(reverse("assignment-filter-delete", args=[saved.pk])).status_code == 405
    response = client.post(
        reverse("assignment-filter-delete", args=[saved.pk]), {"next": "/uppdrag/?visa=alla"}
    )
    assert response["Location"] == "/uppdrag/?visa=alla"
    assert not SavedFilter.objects.exists()
    assert "Filtret ”Mina kockar” är borttaget." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "query": "visa=mina"}, "Filtret sparades inte: Det här fältet är obligatoriskt."),
        ({"name": "   ", "query": "visa=mina"}, "Filtret sparades inte: Det här fältet är obligatoriskt."),
        (
            {"name": "Tomt", "query": "page=2&evil=1"},
            "Filtret sparades inte: Det finns inget filter att spara: välj något att filtrera på och tryck "
            "Filtrera.",
        ),
        ({"name": "x" * 81, "query": "visa=mina"}, "Filtret sparades inte: Säkerställ att detta värde"),
    ],
)
def test_a_filter_that_cannot_be_saved_says_why(client, konsult, data, message):
    client.force_login(konsult)
    response = client.post(reverse("assignment-filter-save"), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_names_are_unique_per_user_whatever_the_case_and_limited_in_number(client, konsult, konsult2):
    services.save_filter(user=konsult, name="Öppna", query="status=oppna")
    services.save_filter(user=konsult2, name="Öppna", query="status=oppna")  # someone else's: fine
    client.force_login(konsult)
    response = client.post(
        reverse("assignment-filter-save"), {"name": "ÖPPNA", "query": "status=avslutad"}, follow=True
    )
    page = response.content.decode()
    assert "Du har redan ett sparat filter som heter ”ÖPPNA”. Välj ett annat namn." in page
    assert response.context["filter"].data.get("status") == "avslutad"  # back to the filter it showed
    for i in range(SavedFilter.MAX_PER_USER - 1):
        services.save_filter(user=konsult, name=f"Filter {i}", query="status=oppna")
    more = {"name": "Ett till", "query": "q=x"}
    response = client.post(reverse("assignment-filter-save"), more, follow=True)
    assert f"Du kan ha högst {SavedFilter.MAX_PER_USER} sparade filter. Ta bort ett först." in (
        response.content.decode()
    )
    assert SavedFilter.objects.filter(user=konsult).count() == SavedFilter.MAX_PER_USER


def test_saving_needs_the_csrf_token(konsult):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(konsult)
    response = client.post(reverse("assignment-filter-save"), {"name": "Mina", "query": "visa=mina"})
    assert response.status_code == 403
    assert not SavedFilter.objects.exists()


def test_saved_filters_cost_one_query_however_many(client, konsult, three, django_assert_max_num_queries):
    client.force_login(konsult)
    services.save_filter(user=konsult, name="Ett", query="status=oppna")
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("assignment-list"))
    for i in range(20):
        services.save_filter(user=konsult, name=f"Filter {i}", query=f"q={i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("assignment-list")).content.decode()
    assert page.count('class="chip"') == 21


def test_the_default_holds_on_every_page(client, konsult, konsult2, package):
    for _ in range(30):
        AssignmentFactory(responsible=konsult, package=package)
    for _ in range(30):
        AssignmentFactory(responsible=konsult2, package=package)
    client.force_login(konsult)
    first = client.get(reverse("assignment-list"))
    assert first.context["total"] == 30
    assert 'href="?page=2" rel="next"' in first.content.decode()
    second = client.get(reverse("assignment-list"), {"page": 2})
    assert second.context["total"] == 30
    assert {a.responsible_id for a in second.context["assignments"]} == {konsult.pk}
