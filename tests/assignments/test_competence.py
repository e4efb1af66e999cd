"""The competence map (kompetenskarta): the service's rules and history, the selectors, the pages."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assignments import services
from assignments.competence import competence_history, competence_map, consultants_allowed, experience
from assignments.models import Assignment, ConsultantCompetence, Organisation, User
from tests.factories import (
    AssignmentFactory,
    ConsultantCompetenceFactory,
    OrganisationFactory,
    PackageFactory,
    SectorFactory,
    UserFactory,
)


@pytest.fixture
def register(db):
    stora = PackageFactory(code="stora", name="Stora paketet")
    chef = PackageFactory(code="chef", name="Chefspaket", is_manager_recruitment=True)
    farsta = OrganisationFactory(name="Farsta stadsdelsförvaltning", kind=Organisation.Kind.SDF)
    bromma = OrganisationFactory(name="Bromma stadsdelsförvaltning", kind=Organisation.Kind.SDF)
    kultur = OrganisationFactory(name="Kulturförvaltningen", kind=Organisation.Kind.FACK)
    skola, forskola = SectorFactory(name="Skola"), SectorFactory(name="Förskola")
    admin = UserFactory(username="adm", role=User.Role.ADMIN, password=None)
    return {
        "stora": stora,
        "chef": chef,
        "farsta": farsta,
        "bromma": bromma,
        "kultur": kultur,
        "skola": skola,
        "forskola": forskola,
        "admin": admin,
    }


def save(user, r, **changes):
    values = {
        "package_codes": ["stora"],
        "manager_certified": False,
        "test_certified": False,
        "known_sectors": [],
        "known_organisations": [],
        "areas": [],
        "wishes": "",
        "by": r["admin"],
    }
    values.update(changes)
    return services.save_competence(user, **values)


def closed(responsible, organisation, sector, n=1):
    for _ in range(n):
        AssignmentFactory(
            responsible=responsible,
            organisation=organisation,
            sector=sector,
            status=Assignment.Status.AVSLUTAD,
            outcome=Assignment.Outcome.TILLSATT,
            closed_on=date(2026, 4, 1),
        )


# --- The service ----------------------------------------------------------------------------


def test_save_competence_stores_everything_with_one_history_record(register):
    r = register
    anna = UserFactory(username="anna", role=User.Role.KONSULT)
    competence = save(
        anna,
        r,
        package_codes=["stora", "chef", " stora "],
        manager_certified=True,
        known_sectors=[r["skola"]],
        known_organisations=[r["kultur"]],
        areas=[r["farsta"], r["bromma"]],
        wishes="  Fler chefsrekryteringar.  ",
    )
    competence.refresh_from_db()
    assert competence.package_codes == ["chef", "stora"]
    assert competence.manager_certified and not competence.test_certified
    assert list(competence.known_sectors.all()) == [r["skola"]]
    assert list(competence.known_organisations.all()) == [r["kultur"]]
    assert set(competence.areas.all()) == {r["farsta"], r["bromma"]}
    assert competence.wishes == "Fler chefsrekryteringar."
    assert competence.history.count() == 1
    assert competence.history.get().history_user == r["admin"]

    # Unchanged: no new record. One change to a many-to-many field: one record.
    save(
        anna,
        r,
        package_codes=["chef", "stora"],
        manager_certified=True,
        known_sectors=[r["skola"]],
        known_organisations=[r["kultur"]],
        areas=[r["bromma"], r["farsta"]],
        wishes="Fler chefsrekryteringar.",
    )
    assert competence.history.count() == 1
    save(
        anna,
        r,
        package_codes=["chef", "stora"],
        manager_certified=True,
        known_sectors=[r["skola"], r["forskola"]],
        known_organisations=[],
        areas=[r["bromma"], r["farsta"]],
        wishes="Fler chefsrekryteringar.",
    )
    assert competence.history.count() == 2


def test_history_names_what_changed(register, django_assert_max_num_queries):
    r = register
    anna = UserFactory(username="anna", role=User.Role.KONSULT)
    save(anna, r, areas=[r["farsta"]])
    save(anna, r, areas=[r["farsta"], r["bromma"]], manager_certified=True, package_codes=["stora", "chef"])
    save(anna, r, areas=[r["bromma"]], manager_certified=True, package_codes=["stora", "chef"], wishes="Mer")
    competence = ConsultantCompetence.objects.get(user=anna)
    with django_assert_max_num_queries(8):
        events = competence_history(competence)
    assert [e["what"] for e in events] == ["Ändrat", "Ändrat", "Skapat"]
    newest, middle, first = events
    assert newest["changes"] == [
        (
            "Arbetar i (stadsdelar)",
            "Bromma stadsdelsförvaltning, Farsta stadsdelsförvaltning",
            "Bromma stadsdelsförvaltning",
        ),
        ("Önskemål", "–", "Mer"),
    ]
    assert ("Certifierad för chefsrekrytering", "Nej", "Ja") in middle["changes"]
    assert ("Paket", "Stora paketet", "Chefspaket, Stora paketet") in middle["changes"]
    assert first["who"] == r["admin"]
    assert ("Arbetar i (stadsdelar)", "", "Farsta stadsdelsförvaltning") in first["changes"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"package_codes": ["stora", "finns_ej"]},
            "package_codes",
            "Paketkoden finns_ej finns inte i någon prislista.",
        ),
        ({"areas": "kultur"}, "areas", "Kulturförvaltningen är inte en stadsdelsförvaltning."),
        ({"wishes": "x" * 1001}, "wishes", "Önskemålen får vara högst 1 000 tecken (nu 1001)."),
    ],
)
def test_save_competence_refuses_bad_input_in_swedish(register, changes, field, message):
    r = register
    anna = UserFactory(username="anna", role=User.Role.KONSULT)
    if changes.get("areas") == "kultur":
        changes = {"areas": [r["farsta"], r["kultur"]]}
    with pytest.raises(ValidationError) as error:
        save(anna, r, **changes)
    assert error.value.message_dict[field] == [message]
    assert not ConsultantCompetence.objects.exists()


def test_save_competence_is_only_for_active_consultants(register):
    chef = UserFactory(username="chefen", role=User.Role.CHEF)
    with pytest.raises(ValidationError) as error:
        save(chef, register)
    assert "gäller aktiva rekryteringskonsulter och samordnare" in error.value.message_dict["user"][0]


def test_save_competence_is_one_transaction(register, monkeypatch):
    """A failure while the many-to-many fields are set leaves the earlier line as it was."""
    r = register
    anna = UserFactory(username="anna", role=User.Role.KONSULT)
    save(anna, r, areas=[r["farsta"]], wishes="Före")

    def broken(self, objs, **kwargs):
        raise RuntimeError("disk full")

    # The manager class is made once per field: this breaks only `areas`, set last.
    monkeypatch.setattr(type(ConsultantCompetence.objects.get(user=anna).areas), "set", broken)
    with pytest.raises(RuntimeError):
        save(anna, r, areas=[r["bromma"]], wishes="Efter")
    competence = ConsultantCompetence.objects.get(user=anna)
    assert competence.wishes == "Före"
    assert list(competence.areas.all()) == [r["farsta"]]
    assert competence.history.count() == 1


# --- The selectors ----------------------------------------------------------------------------


def test_consultants_allowed_gives_manager_levels_only_to_the_certified(register):
    r = register
    certified = UserFactory(username="cert", first_name="Cert", role=User.Role.KONSULT)
    plain = UserFactory(username="plain", first_name="Plain", role=User.Role.KONSULT)
    coordinator = UserFactory(username="samo", first_name="Samo", role=User.Role.SAMORDNARE)
    no_stora = UserFactory(username="nostora", first_name="Nostora", role=User.Role.KONSULT)
    gone = UserFactory(username="gone", first_name="Gone", role=User.Role.KONSULT)
    UserFactory(username="unmapped", first_name="Unmapped", role=User.Role.KONSULT)
    save(certified, r, package_codes=["stora", "chef"], manager_certified=True)
    save(plain, r, package_codes=["stora", "chef"])  # the package is given but not the certificate
    save(coordinator, r, package_codes=["stora"], manager_certified=True)
    save(no_stora, r, package_codes=["chef"], manager_certified=True)
    save(gone, r, package_codes=["stora"], manager_certified=True)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    def names(package, level):
        return [u.username for u in consultants_allowed(package, level)]

    assert names(r["stora"], Assignment.Level.MEDARBETARE) == ["cert", "plain", "samo"]
    assert names(r["stora"], Assignment.Level.CHEF) == ["cert", "samo"]
    assert names(r["stora"], Assignment.Level.HOGRE_CHEF) == ["cert", "samo"]
    assert names(r["chef"], Assignment.Level.MEDARBETARE) == ["cert", "nostora"]
    assert names(r["chef"], Assignment.Level.CHEF) == ["cert", "nostora"]


def test_experience_counts_closed_assignments_as_responsible(register):
    r = register
    anna = UserFactory(username="anna", role=User.Role.KONSULT)
    closed(anna, r["farsta"], r["skola"], 3)
    closed(anna, r["bromma"], r["forskola"], 1)
    closed(anna, r["kultur"], r["skola"], 1)
    AssignmentFactory(responsible=anna, organisation=r["kultur"], sector=r["forskola"])  # still open
    counted = experience([anna.pk], top=2)[anna.pk]
    assert counted["sectors"] == [("Skola", 4), ("Förskola", 1)]
    assert counted["organisations"] == [
        ("Farsta stadsdelsförvaltning", 3),
        ("Bromma stadsdelsförvaltning", 1),
    ]


def test_competence_map_filters_and_counts(register):
    r = register
    anna = UserFactory(username="anna", first_name="Anna", role=User.Role.KONSULT)
    bo = UserFactory(username="bo", first_name="Bo", role=User.Role.KONSULT)
    UserFactory(username="cia", first_name="Cia", role=User.Role.KONSULT)  # nothing entered
    UserFactory(username="chefen", first_name="Chefen", role=User.Role.CHEF)  # not in the map
    save(anna, r, package_codes=["stora", "chef"], manager_certified=True, known_sectors=[r["forskola"]])
    norrmalm = OrganisationFactory(name="Norrmalms stadsdelsförvaltning", kind=Organisation.Kind.SDF)
    save(bo, r, package_codes=["stora"], areas=[norrmalm, r["farsta"]])
    closed(bo, r["kultur"], r["skola"], 2)

    rows = competence_map()
    assert [row.user.username for row in rows] == ["anna", "bo", "cia"]
    anna_row, bo_row, cia_row = rows
    assert anna_row.packages == ["Chefspaket", "Stora paketet"] and anna_row.manager_certified
    assert bo_row.districts == ["Farsta", "Norrmalm"] and bo_row.counted_sectors == [("Skola", 2)]
    assert cia_row.competence is None and cia_row.packages == [] and cia_row.known_sectors == []
    assert [row.user.username for row in competence_map(manager_only=True)] == ["anna"]
    assert [row.user.username for row in competence_map(package_code="stora")] == ["anna", "bo"]
    # A sector matches what is entered and what the register counts.
    assert [row.user.username for row in competence_map(sector=r["forskola"])] == ["anna"]
    assert [row.user.username for row in competence_map(sector=r["skola"])] == ["bo"]


# --- The pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [User.Role.KONSULT, User.Role.SAMORDNARE, User.Role.CHEF, User.Role.ADMIN])
def test_every_staff_member_reads_the_map_and_only_the_admin_edits(client, register, role):
    r = register
    anna = UserFactory(username="anna", first_name="Anna", last_name="Al", role=User.Role.KONSULT)
    save(anna, r, package_codes=["chef"], manager_certified=True, wishes="Mer äldreomsorg")
    client.force_login(UserFactory(username=f"u-{role}", role=role))
    page = client.get(reverse("competence-map"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Anna Al" in html and "Chefspaket" in html and "Mer äldreomsorg" in html
    assert "Certifierad för chefsrekrytering" in html
    edit_url = reverse("competence-edit", args=[anna.pk])
    assert (edit_url in html) == (role == User.Role.ADMIN)
    detail = client.get(reverse("competence-detail", args=[anna.pk]))
    assert detail.status_code == 200 and "Historik" in detail.content.decode()
    assert client.get(edit_url).status_code == (200 if role == User.Role.ADMIN else 403)
    assert client.post(edit_url, {"wishes": "Hack"}).status_code in (
        (302,) if role == User.Role.ADMIN else (403,)
    )


def test_the_admin_edits_a_line_and_sees_the_history(client, register):
    r = register
    anna = UserFactory(username="anna", first_name="Anna", role=User.Role.KONSULT)
    client.force_login(r["admin"])
    url = reverse("competence-edit", args=[anna.pk])
    response = client.post(
        url,
        {
            "package_codes": ["stora", "chef"],
            "manager_certified": "on",
            "known_sectors": [r["skola"].pk],
            "known_organisations": [r["kultur"].pk],
            "areas": [r["farsta"].pk],
            "wishes": "Fler skolrekryteringar",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "competence-detail", args=[anna.pk]
    )
    competence = ConsultantCompetence.objects.get(user=anna)
    assert competence.package_codes == ["chef", "stora"] and competence.manager_certified
    assert list(competence.areas.all()) == [r["farsta"]]
    detail = client.get(reverse("competence-detail", args=[anna.pk])).content.decode()
    assert "Fler skolrekryteringar" in detail and "Skapat" in detail and str(r["admin"]) in detail
    # A district list that is not a district (a forged POST) is refused by the form, in Swedish.
    refused = client.post(url, {"areas": [r["kultur"].pk]})
    assert refused.status_code == 200
    assert "Välj ett giltigt alternativ" in refused.content.decode()
    assert client.get(reverse("competence-edit", args=[r["admin"].pk])).status_code == 404


def test_map_page_queries_do_not_grow_with_the_consultants(client, register, django_assert_max_num_queries):
    r = register
    client.force_login(UserFactory(username="reader", role=User.Role.KONSULT))

    def add(n):
        for _i in range(n):
            user = UserFactory(role=User.Role.KONSULT)
            competence = ConsultantCompetenceFactory(user=user, package_codes=["stora", "chef"])
            competence.known_sectors.set([r["skola"]])
            competence.known_organisations.set([r["kultur"]])
            competence.areas.set([r["farsta"], r["bromma"]])
            closed(user, r["farsta"], r["forskola"], 1)

    add(2)
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse("competence-map")).status_code == 200
    add(10)
    with django_assert_max_num_queries(len(few)) as many:
        page = client.get(reverse("competence-map"))
    assert page.content.decode().count("Farsta stadsdelsförvaltning (1)") == 12
    assert len(many) == len(few)


def test_the_user_register_links_each_consultant_to_their_competence(client, register):
    r = register
    anna = UserFactory(username="anna", role=User.Role.KONSULT)
    samo = UserFactory(username="samo", role=User.Role.SAMORDNARE)
    chef = UserFactory(username="chefen", role=User.Role.CHEF)
    client.force_login(r["admin"])
    html = client.get(reverse("user-list")).content.decode()
    assert reverse("competence-edit", args=[anna.pk]) in html
    assert reverse("competence-edit", args=[samo.pk]) in html
    assert reverse("competence-edit", args=[chef.pk]) not in html
    assert reverse("competence-map") in client.get(reverse("settings-home")).content.decode()
