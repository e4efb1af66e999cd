"""Who an assignment belongs to (responsible, colleagues): one rule for the form, the API and the
services (assignments.services.check_responsibility). Customer survey responses count for the
responsible consultant, so a konsult may not move an existing assignment (issue 11)."""

import json
import logging
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient

from assignments import services
from assignments.models import Assignment
from assignments.selectors import assignment_history
from tests.factories import AssignmentFactory, ManagerFactory, UserFactory


@pytest.fixture
def stora(price_list_2026):
    return price_list_2026.packages.get(code="stora")


@pytest.fixture
def assignment(konsult, stora):
    return AssignmentFactory(responsible=konsult, package=stora)


@pytest.fixture
def colleague(db):
    return UserFactory(username="kollega", initials="KOL")


def edit_data(a, **overrides):
    """What the edit form posts back unchanged."""
    data = {
        "ordered_on": a.ordered_on.isoformat(),
        "organisation": a.organisation_id,
        "manager": a.manager_id,
        "role_title": a.role_title,
        "level": a.level,
        "sector": a.sector_id or "",
        "package": a.package_id,
        "quantity": str(a.quantity),
        "price": str(a.price),
        "price_reason": a.price_reason,
        "extra_hours": str(a.extra_hours),
        "responsible": a.responsible_id,
        "colleagues": [c.pk for c in a.colleagues.all()],
        "status": a.status,
    }
    data.update(overrides)
    return data


def on_it(a):
    a = Assignment.objects.get(pk=a.pk)
    return a.responsible_id, sorted(c.pk for c in a.colleagues.all())


# --- The rule, in the service ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_konsult_may_not_move_their_assignment(assignment, konsult, konsult2):
    with pytest.raises(PermissionDenied, match="Bara samordnare, chef och administratör"):
        services.update_assignment(assignment, by=konsult, responsible=konsult2)
    assignment = Assignment.objects.get(pk=assignment.pk)
    with pytest.raises(PermissionDenied):
        services.update_assignment(assignment, by=konsult, colleagues=[konsult2])
    assert on_it(assignment) == (konsult.pk, [])
    # Everything else they still change, and sending who is on it unchanged is no change.
    services.update_assignment(
        Assignment.objects.get(pk=assignment.pk),
        by=konsult,
        applicants=40,
        responsible=konsult,
        colleagues=[],
    )
    assert Assignment.objects.get(pk=assignment.pk).applicants == 40


@pytest.mark.django_db
def test_a_konsult_registers_only_assignments_they_are_on(konsult, konsult2, stora):
    manager = ManagerFactory()
    fields = {
        "organisation": manager.organisation,
        "manager": manager,
        "role_title": "Rektor",
        "ordered_on": date(2026, 4, 1),
        "package": stora,
    }
    with pytest.raises(PermissionDenied, match="själv arbetar i"):
        services.create_assignment(by=konsult, responsible=konsult2, **fields)
    created = services.create_assignment(by=konsult, responsible=konsult2, colleagues=[konsult], **fields)
    assert on_it(created) == (konsult2.pk, [konsult.pk])


@pytest.mark.django_db
def test_a_samordnare_moves_it_audited_and_on_the_history(
    client, assignment, samordnare, konsult, konsult2, colleague, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="rekrytering.audit")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_assignment(assignment, by=samordnare, responsible=konsult2, colleagues=[colleague])
    assert on_it(assignment) == (konsult2.pk, [colleague.pk])
    [line] = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("assignment_responsibility")
    ]
    assert line == (
        f"assignment_responsibility user=samordnare assignment={assignment.number} "
        "responsible=konsult->konsult2 colleagues=none->kollega"
    )
    changes = [change for event in assignment_history(assignment) for change in event["changes"]]
    assert ("ansvarig konsult", str(konsult), str(konsult2)) in changes
    assert ("medarbetande konsulter", "–", str(colleague)) in changes
    client.force_login(konsult)
    page = client.get(assignment.get_absolute_url()).content.decode()
    assert f"medarbetande konsulter: <del>–</del> → {colleague}" in page


# --- The form --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_shows_a_konsult_who_is_on_it_read_only(client, assignment, konsult, samordnare):
    client.force_login(konsult)
    html = client.get(reverse("assignment-edit", args=[assignment.pk])).content.decode()
    # The names as text, no list to choose from, and why.
    assert f'id="id_responsible" class="readonly">{konsult} ({konsult.initials})</output>' in html
    assert '<output id="id_colleagues" class="readonly">–</output>' in html
    assert 'name="responsible"' not in html and 'name="colleagues"' not in html
    assert "Ansvarig och medarbetande ändras av samordnare, chef eller administratör" in html
    client.force_login(samordnare)
    html = client.get(reverse("assignment-edit", args=[assignment.pk])).content.decode()
    assert '<select name="responsible"' in html and "ändras av samordnare" not in html


@pytest.mark.django_db
def test_the_form_keeps_a_departed_colleague(client, assignment, konsult, colleague):
    """Read-only fields must validate even when someone on the assignment has left."""
    assignment.colleagues.set([colleague])
    colleague.is_active = False
    colleague.save()
    client.force_login(konsult)
    response = client.post(
        reverse("assignment-edit", args=[assignment.pk]), edit_data(assignment, role_title="Rektor")
    )
    assert response.status_code == 302
    assert on_it(assignment) == (konsult.pk, [colleague.pk])
    assert Assignment.objects.get(pk=assignment.pk).role_title == "Rektor"


# --- The API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_refuses_a_konsult_with_a_swedish_403(assignment, konsult, konsult2):
    api = APIClient()
    api.force_authenticate(konsult)
    url = f"/api/v1/assignments/{assignment.pk}/"
    for body in ({"responsible": konsult2.pk}, {"colleagues": [konsult2.pk]}):
        response = api.patch(url, body, format="json")
        assert response.status_code == 403, response.data
        assert "Bara samordnare, chef och administratör" in response.data["detail"]
    assert on_it(assignment) == (konsult.pk, [])
    # What they read, they may write back; other fields they still change.
    body = api.get(url).data
    body["notes"] = "Intervjuer vecka 12."
    assert api.put(url, body, format="json").status_code == 200
    assert api.patch(url, {"applicants": 7}, format="json").status_code == 200


def test_the_schema_documents_the_rule():
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    operation = schema["paths"]["/api/v1/assignments/{id}/"]["patch"]
    assert "ansvarig" in operation["responses"]["403"]["description"]
    fields = schema["components"]["schemas"]["PatchedAssignmentRequest"]["properties"]
    assert "samordnare, chef och administratör" in fields["responsible"]["description"]
    assert "samordnare, chef och administratör" in fields["colleagues"]["description"]


# --- Pages and API agree, role by role --------------------------------------------------------

ROLES = [
    # (who, may they open the edit page / PATCH at all, may they change who is on it)
    ("konsult", True, False),  # responsible for it
    ("kollega", True, False),  # a colleague on it
    ("konsult2", False, False),  # not on it
    ("samordnare", True, True),
    ("chef", True, True),
    ("admin_user", True, True),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "edits", "moves"), ROLES)
@pytest.mark.parametrize("channel", ["page", "api"])
@pytest.mark.parametrize("field", ["responsible", "colleagues"])
def test_pages_and_api_agree(request, client, stora, konsult, colleague, who, edits, moves, channel, field):
    user = colleague if who == "kollega" else request.getfixturevalue(who)
    assignment = AssignmentFactory(responsible=konsult, package=stora)
    assignment.colleagues.set([colleague])
    target = UserFactory(username="ny-ansvarig", initials="NYA")
    change = (
        {"responsible": target.pk} if field == "responsible" else {"colleagues": [colleague.pk, target.pk]}
    )
    if channel == "page":
        client.force_login(user)
        response = client.post(
            reverse("assignment-edit", args=[assignment.pk]), edit_data(assignment, **change)
        )
        assert response.status_code == (302 if edits else 403)  # the read-only fields ignore the change
    else:
        api = APIClient()
        api.force_authenticate(user)
        response = api.patch(f"/api/v1/assignments/{assignment.pk}/", change, format="json")
        assert response.status_code == (200 if moves else 403), response.data
    expected = (
        (target.pk, [colleague.pk])
        if field == "responsible"
        else (konsult.pk, sorted([colleague.pk, target.pk]))
    )
    assert on_it(assignment) == (expected if moves else (konsult.pk, [colleague.pk]))
