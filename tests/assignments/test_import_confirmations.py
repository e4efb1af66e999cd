"""The Access import's confirmations: what it created, look-alike names ("menade du …?") and the
price lists of years before the first one, made from the file — on the function, the pages and
the command."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assignments.importing import Confirmations, import_assignments
from assignments.importing.names import edit_distance, similar
from assignments.models import Assignment, ImportJob, Manager, Organisation, Package, PriceList
from tests.assignments.test_import import GOOD, csv_bytes, row, write_csv_file
from tests.factories import ManagerFactory, OrganisationFactory, SectorFactory

KULTUR = "Kulturförvaltningen"
TYPO = "Kulturförvaltnngen"
MENADE = f'organisationen "{TYPO}" finns inte, men liknar "{KULTUR}" – menade du {KULTUR}?'


def run(path, by, confirmed=None):
    with open(path, "rb") as handle:
        return import_assignments(file=handle, filename=path.name, by=by, confirmed=confirmed)


@pytest.fixture
def admin(db, konsult, admin_user, price_list_2026):
    SectorFactory(name="Skola")
    return admin_user


# --- The distance -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (TYPO, KULTUR, True),  # a letter left out
        ("kulturförvaltningen", KULTUR, False),  # the same name: the import matches it anyway
        ("Kulturförvalntingen", KULTUR, True),  # two letters swapped: two edits in a long name
        ("Farsta stadsdelsförvaltning", "Farsta  stadsdelsförvaltning", True),
        ("Förvaltning 1", "Förvaltning 2", False),  # numbered units are different names
        ("Anna Berg", "Anna Borg", True),
        ("Anna Berg", "Anja Borg", False),  # two edits in a short name
        ("Ek AB", "Ekö AB", False),  # too short to tell
        ("Norrmalms stadsdelsförvaltning", "Östermalms stadsdelsförvaltning", False),
    ],
)
def test_similar(a, b, expected):
    assert similar(a, b) is expected


def test_edit_distance_stops_at_the_limit():
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("kitten", "sitting", 2) == 3  # limit + 1: more than the limit
    assert edit_distance("abc", "abcdefgh", 2) == 3


# --- (a) What the import created ----------------------------------------------------------------


def test_result_lists_the_organisations_and_managers_created(admin, tmp_path):
    known = OrganisationFactory(name="Utbildningsförvaltningen")
    ManagerFactory(name="Karin Känd", email="karin@example.org", organisation=known)
    rows = [
        GOOD,
        row(
            Uppdragsnummer="2026-0102",
            Kund="Helt Ny Förvaltning",
            **{"Beställarens e-post": "ny@example.org"},
        ),
        row(
            Uppdragsnummer="2026-0103",
            Kund="Utbildningsförvaltningen",
            Beställare="Karin Känd",
            **{"Beställarens e-post": "karin@example.org"},
        ),
    ]
    result = run(write_csv_file(tmp_path / "u.csv", rows), admin)
    assert result.errors == [] and result.created == 3
    assert result.created_organisations == ["Farsta stadsdelsförvaltning", "Helt Ny Förvaltning"]
    assert result.created_managers == [
        {
            "name": "Berit Beställare",
            "email": "berit.bestallare@example.org",
            "organisation": "Farsta stadsdelsförvaltning",
        },
        {"name": "Berit Beställare", "email": "ny@example.org", "organisation": "Helt Ny Förvaltning"},
    ]
    assert result.created_price_lists == []
    # Imported again: nothing new.
    again = run(write_csv_file(tmp_path / "u2.csv", rows), admin)
    assert again.created_names == {"organisations": [], "managers": [], "price_lists": []}


# --- (b) Look-alike names -----------------------------------------------------------------------


def test_a_look_alike_organisation_is_an_error_until_confirmed(admin, tmp_path):
    OrganisationFactory(name=KULTUR)
    rows = [GOOD, row(Uppdragsnummer="2026-0102", Kund=TYPO), row(Uppdragsnummer="2026-0103", Kund=TYPO)]
    path = write_csv_file(tmp_path / "u.csv", rows)
    result = run(path, admin)
    assert [str(e) for e in result.errors] == [
        f"Rad 3, kolumn Kund: {MENADE} Rätta namnet i filen, eller bekräfta att en ny organisation ska "
        "skapas. Namnet står på 2 rader i filen."
    ]
    assert result.needs_only_confirmation
    assert result.confirmation == {
        "names": [
            {
                "key": "organisation:kulturförvaltnngen",
                "kind": "organisation",
                "name": TYPO,
                "similar_to": KULTUR,
                "line": 3,
                "email": "",
                "organisation": "",
            }
        ]
    }
    assert not Assignment.objects.exists() and not Organisation.objects.filter(name=TYPO).exists()

    # Confirming another name settles nothing; confirming this one imports the file.
    assert run(path, admin, Confirmations(names=frozenset({"organisation:annan"}))).errors
    result = run(path, admin, Confirmations(names=frozenset({"organisation:kulturförvaltnngen"})))
    assert result.errors == [] and result.created == 3
    assert TYPO in result.created_organisations
    assert Assignment.objects.get(number="2026-0102").organisation.name == TYPO


def test_a_look_alike_with_other_errors_needs_more_than_confirmation(admin, tmp_path):
    OrganisationFactory(name=KULTUR)
    path = write_csv_file(tmp_path / "u.csv", [row(Kund=TYPO, Konsult="okänd")])
    result = run(path, admin)
    assert len(result.errors) == 2 and not result.needs_only_confirmation
    assert result.confirmation["names"][0]["similar_to"] == KULTUR


def test_a_rarer_spelling_in_the_same_file_is_questioned(admin, tmp_path):
    rows = [
        row(Uppdragsnummer="2026-0101", Kund=KULTUR),
        row(Uppdragsnummer="2026-0102", Kund=KULTUR),
        row(Uppdragsnummer="2026-0103", Kund=TYPO),
    ]
    result = run(write_csv_file(tmp_path / "u.csv", rows), admin)
    assert [(e.line, e.column) for e in result.errors] == [(4, "Kund")]
    assert MENADE in result.errors[0].message


def test_a_look_alike_manager_of_the_same_organisation_is_questioned(admin, tmp_path):
    farsta = OrganisationFactory(name="Farsta stadsdelsförvaltning")
    ManagerFactory(name="Berit Beställare", email="berit@example.org", organisation=farsta)
    typo = row(Beställare="Berit Beställarre", **{"Beställarens e-post": "berit.b@example.org"})
    result = run(write_csv_file(tmp_path / "u.csv", [typo]), admin)
    assert [str(e) for e in result.errors] == [
        'Rad 2, kolumn Beställare: beställaren "Berit Beställarre" (berit.b@example.org) finns inte, men '
        'liknar "Berit Beställare" i Farsta stadsdelsförvaltning – menade du Berit Beställare? Rätta namn '
        "och e-post i filen, eller bekräfta att en ny beställare ska skapas."
    ]
    assert result.confirmation["names"][0]["key"] == "manager:berit.b@example.org"
    # A known e-mail is the known manager, whatever the name; the same name is no look-alike.
    same_person = row(Beställare="Berit Beställare", **{"Beställarens e-post": "berit@example.org"})
    namesake = row(Uppdragsnummer="2026-0102", **{"Beställarens e-post": "berit2@example.org"})
    result = run(write_csv_file(tmp_path / "u2.csv", [same_person, namesake]), admin)
    assert result.errors == [] and Manager.objects.count() == 2


# --- (c) History before the first price list -----------------------------------------------------

HISTORY = [
    row(
        Uppdragsnummer="2019-0001",
        Beställningsdatum="2019-02-01",
        Avslutsdatum="2019-03-01",
        Fakturerad="2019-03-05",
        Paket="Stora paketet",
        Pris="23 000",
        Timmar_tillägg="2",
    ),
    row(
        Uppdragsnummer="2019-0002",
        Beställningsdatum="2019-05-01",
        Avslutsdatum="2019-06-01",
        Fakturerad="",
        Paket="stora",
        Pris="23 000",
    ),
    row(
        Uppdragsnummer="2019-0003",
        Beställningsdatum="2019-06-01",
        Avslutsdatum="2019-08-01",
        Fakturerad="",
        Paket="Stora paketet",
        Pris="25 000",
    ),  # a price agreed apart
    row(
        Uppdragsnummer="2019-0004",
        Beställningsdatum="2019-09-01",
        Avslutsdatum="2019-10-01",
        Fakturerad="",
        Paket="Övrig tjänst",
        Pris="800",
    ),
    row(
        Uppdragsnummer="2018-0001",
        Beställningsdatum="2018-09-01",
        Avslutsdatum="2018-10-01",
        Fakturerad="",
        Paket="Lärarpaket",
        Pris="19 500",
    ),
]
PROPOSED = [
    {"year": 2018, "code": "lararpaket", "package": "Lärarpaket", "price": "19500"},
    {"year": 2019, "code": "stora", "package": "Stora paketet", "price": "23000"},
    {"year": 2019, "code": "ovrig", "package": "Övrig tjänst", "price": "800"},
]


def test_years_without_a_price_list_are_listed_and_need_confirmation(admin, tmp_path):
    path = write_csv_file(tmp_path / "historik.csv", [GOOD, *HISTORY])
    result = run(path, admin)
    assert [str(e) for e in result.errors] == [
        "Rad 3, kolumn Beställningsdatum: det finns ingen prislista för 2018 och 2019. Prislistorna kan "
        "skapas ur filens paket och priser när du har bekräftat listan över dem (år, paket, pris)."
    ]
    assert result.needs_only_confirmation and result.confirmation == {"price_lists": PROPOSED}
    assert not PriceList.objects.filter(year__lt=2026).exists() and not Assignment.objects.exists()

    # A list other than the one shown is no confirmation of this one.
    changed = [{**PROPOSED[0], "price": "1"}, *PROPOSED[1:]]
    assert run(path, admin, Confirmations(price_lists=changed)).errors

    result = run(path, admin, Confirmations(price_lists=PROPOSED))
    assert result.errors == [] and result.created == 6
    assert result.created_price_lists == PROPOSED
    stora = Package.objects.get(price_list__year=2019, code="stora")
    # The known package of the nearest year lends its name, code and settings; the price is the file's.
    assert (stora.name, stora.price, stora.is_whole_process, stora.sends_customer_survey) == (
        "Stora paketet",
        Decimal("23000"),
        True,
        True,
    )
    assert stora.history.get().history_user == admin
    rate = Package.objects.get(price_list__year=2019, code="ovrig")
    assert rate.is_hourly_rate and rate.price == Decimal("800") and rate.unit == "timme"
    teacher = Package.objects.get(price_list__year=2018)
    assert (teacher.code, teacher.name, teacher.unit, teacher.is_hourly_rate) == (
        "lararpaket",
        "Lärarpaket",
        "uppdrag",
        False,
    )
    first = Assignment.objects.get(number="2019-0001")
    assert first.package == stora and first.ordered_on == date(2019, 2, 1) and first.price_reason == ""
    assert first.invoiced_amount == Decimal("23000") + 2 * Decimal("800")  # the new list's hourly rate
    assert Assignment.objects.get(number="2019-0002").package == stora  # by code
    apart = Assignment.objects.get(number="2019-0003")
    assert apart.price == Decimal("25000") and apart.price_reason == "Importerat från Access"


def test_the_command_flags_confirm_everything_listed(admin, tmp_path, capsys):
    OrganisationFactory(name=KULTUR)
    path = write_csv_file(tmp_path / "historik.csv", [row(Kund=TYPO), *HISTORY[:2]])
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_assignments", str(path))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert MENADE in err and "--confirm-new-names" in err
    assert "Prislistor som skapas ur filen med --create-price-lists (år, paket, pris):" in err
    assert "  2019  Stora paketet  23\xa0000\xa0kr" in err
    assert "2 fel. Ingenting sparades." in err
    with pytest.raises(SystemExit):  # one flag is not both confirmations
        call_command("import_assignments", str(path), "--confirm-new-names")
    assert not Assignment.objects.exists()

    call_command("import_assignments", str(path), "--confirm-new-names", "--create-price-lists")
    out = capsys.readouterr().out
    assert "Klart: 3 nya, 0 ändrade, 0 oförändrade uppdrag." in out
    assert "Nya prislistor:\n  2019  Stora paketet  23\xa0000\xa0kr" in out
    assert f"Nya organisationer: Farsta stadsdelsförvaltning, {TYPO}." in out
    assert "Nya beställare:\n  Berit Beställare <berit.bestallare@example.org>, " in out
    assert PriceList.objects.filter(year=2019).exists()


# --- The pages ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin, settings, tmp_path):
    from rekrytering.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(admin)
    yield client
    app.conf.task_always_eager = previous


def upload(client, data, capture):
    with capture(execute=True):
        return client.post(reverse("import-start"), {"file": SimpleUploadedFile("historik.csv", data)})


def test_upload_lists_what_to_confirm_and_confirming_imports(
    admin_client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    OrganisationFactory(name=KULTUR)
    response = upload(
        admin_client, csv_bytes([row(Kund=TYPO), *HISTORY[:2]]), django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.awaits_confirmation and job.file  # the upload is kept
    with django_assert_max_num_queries(8):
        page = admin_client.get(response.url).content.decode()
    assert "Bekräfta innan något sparas" in page
    assert f"menade du {KULTUR}?" in page
    assert "Nya namn som liknar befintliga" in page and TYPO in page
    assert '<td data-label="År">2019</td><td data-label="Paket">Stora paketet</td>' in page
    assert "23\xa0000\xa0kr" in page
    assert "Jag har kontrollerat listan: skapa de nya namnen och prislistorna" in page
    assert (
        '<td data-label="Resultat">Väntar på bekräftelse</td>'
        in admin_client.get(reverse("import-start")).content.decode()
    )

    # Without the box ticked: a Swedish message, nothing imported.
    confirm = reverse("import-confirm", args=[job.pk])
    page = admin_client.post(confirm, follow=True).content.decode()
    assert "Kryssa i rutan för att bekräfta listan innan du importerar." in page
    assert not Assignment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(confirm, {"confirm": "ja"})
    confirmed = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and response.url == reverse("import-detail", args=[confirmed.pk])
    assert confirmed.state == "done" and confirmed.created == 3 and not confirmed.file
    assert confirmed.confirmed == job.confirmation
    assert confirmed.created_names["organisations"] == ["Farsta stadsdelsförvaltning", TYPO]
    job.refresh_from_db()
    assert not job.file and not job.awaits_confirmation
    page = admin_client.get(response.url).content.decode()
    assert "Importen är klar" in page and "Nya prislistor ur filen" in page
    assert f"<li>{TYPO}</li>" in page
    assert f"<li>Berit Beställare (berit.bestallare@example.org), {TYPO}</li>" in page

    # Confirming the first job again: nothing to confirm.
    page = admin_client.post(confirm, {"confirm": "ja"}, follow=True).content.decode()
    assert "Importen väntar inte på någon bekräftelse." in page
    assert ImportJob.objects.count() == 2


def test_a_file_with_other_errors_is_not_kept_for_confirmation(
    admin_client, django_capture_on_commit_callbacks
):
    OrganisationFactory(name=KULTUR)
    response = upload(
        admin_client, csv_bytes([row(Kund=TYPO, Konsult="okänd")]), django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()
    assert job.state == "failed" and not job.file and not job.awaits_confirmation
    page = admin_client.get(response.url).content.decode()
    assert "Filen innehåller fel – ingenting sparades" in page
    assert f"menade du {KULTUR}?" in page
    assert "När de andra felen är rättade och filen uppladdad igen kan du bekräfta listan." in page
    assert 'name="confirm"' not in page


def test_done_page_says_when_nothing_new_was_created(admin_client, django_capture_on_commit_callbacks):
    OrganisationFactory(name="Farsta stadsdelsförvaltning")
    ManagerFactory(email="berit.bestallare@example.org")
    response = upload(admin_client, csv_bytes([GOOD]), django_capture_on_commit_callbacks)
    page = admin_client.get(response.url).content.decode()
    assert "Inga: alla organisationer i filen fanns redan." in page
    assert "Inga: alla beställare i filen fanns redan." in page


def test_only_admins_confirm(client, konsult, admin_user):
    job = ImportJob.objects.create(original_name="u.csv", created_by=admin_user)
    client.force_login(konsult)
    assert client.post(reverse("import-confirm", args=[job.pk]), {"confirm": "ja"}).status_code == 403


def test_a_kept_upload_nobody_confirms_is_deleted_after_a_day(
    admin_client, django_capture_on_commit_callbacks, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from rekrytering.privacy import purge_all

    upload(admin_client, csv_bytes(HISTORY[:1]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    stored = settings.MEDIA_ROOT / job.file.name
    assert job.awaits_confirmation and stored.exists()
    assert purge_all(timezone.now())["obekräftade importfiler raderade"] == 0
    done = purge_all(timezone.now() + timedelta(days=1, minutes=1))
    assert done["obekräftade importfiler raderade"] == 1
    job.refresh_from_db()
    assert not job.file and not stored.exists() and not job.awaits_confirmation
