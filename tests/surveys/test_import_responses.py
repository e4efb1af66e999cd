import io
from datetime import date

import pytest
from django.core.management import call_command

from surveys.importing import import_responses
from surveys.models import Answer, Response
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory
from tests.spreadsheets import CountingFile


def run(text):
    return import_responses(file=io.BytesIO(("\ufeff" + text).encode("utf-8")))


@pytest.fixture
def assignment(db, konsult):
    return AssignmentFactory(
        number="2024-0007",
        responsible=konsult,
        package=PackageFactory(price_list=PriceListFactory(year=2024)),
    )


@pytest.mark.django_db
def test_good_file(assignment):
    text = (
        "Enkät;Besvarad;Uppdragsnummer;helhet;nps;bemotande;kommentar;info_kbr;helhetsomdome\n"
        "kundenkat;2024-03-01;2024-0007;9;10;10;Bra;;\n"
        "kandidatenkat;2024-03-02;2024-0007;;;;;Ja;8\n"
        "kundenkat;2024-04-01;;5;;;;;\n"
    )
    result = run(text)
    assert result.errors == [] and result.created == 3
    customer = Response.objects.get(kind="kundenkat", answered_on="2024-03-01")
    assert customer.assignment == assignment and customer.source == "import"
    assert dict(customer.answers.values_list("question_key", "number")) == {
        "helhet": 9,
        "nps": 10,
        "bemotande": 10,
        "kommentar": None,
    }
    candidate = Response.objects.get(kind="kandidatenkat")
    # Anonymous: nothing of the assignment the file names, and the month only.
    assert (candidate.assignment, candidate.consultant, candidate.unit, candidate.package_code) == (
        None,
        None,
        None,
        "",
    )
    assert candidate.answered_on == date(2024, 3, 1)
    assert Answer.objects.get(response=candidate, question_key="info_kbr").yes is True


@pytest.mark.django_db
def test_bad_rows_listed_and_nothing_saved(assignment):
    text = (
        "Enkät;Besvarad;Uppdragsnummer;helhet;nps;okand\n"
        "kundenkat;2024-03-01;;11;;\n"
        "fel;2024-03-01;;;;\n"
        "kundenkat;1 mars;2099-0001;9;;\n"
        "kundenkat;2024-03-01;;;;x\n"
    )
    result = run(text)
    found = {(e.line, e.column) for e in result.errors}
    assert {(2, "helhet"), (3, "Enkät"), (4, "Besvarad"), (4, "Uppdragsnummer"), (5, "okand")} <= found
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_command_exit_code(assignment, tmp_path, capsys):
    bad = tmp_path / "svar.csv"
    bad.write_text("Enkät;Besvarad;helhet\nkundenkat;2024-01-01;0\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_responses", str(bad))
    assert exit_info.value.code == 1
    assert "Rad 2, kolumn helhet" in capsys.readouterr().out
    bad.write_text("Enkät;Besvarad;helhet\nkundenkat;2024-01-01;7\n", encoding="utf-8")
    call_command("import_responses", str(bad))
    assert "1 svar importerade" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_page(client, admin_user, konsult, assignment):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(konsult)
    assert client.get(reverse("response-import")).status_code == 403
    client.force_login(admin_user)
    bad = SimpleUploadedFile("svar.csv", "Enkät;Besvarad;helhet\nkundenkat;2024-01-01;0\n".encode())
    page = client.post(reverse("response-import"), {"file": bad}).content.decode()
    assert "ingenting sparades" in page and "ska vara ett heltal från 1 till 10" in page
    good = SimpleUploadedFile("svar.csv", "Enkät;Besvarad;helhet\nkundenkat;2024-01-01;9\n".encode())
    assert client.post(reverse("response-import"), {"file": good}).status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_load_questionnaires_command(capsys):
    from surveys.models import Questionnaire

    call_command("load_questionnaires", "2025")
    call_command("load_questionnaires", "2025")
    assert Questionnaire.objects.filter(year=2025).count() == 4
    assert (
        not Questionnaire.objects.get(kind="kundenkat", year=2025).questions.filter(key="bemotande").exists()
    )
    assert Questionnaire.objects.get(kind="kandidatenkat", year=2025).anonymous


# --- Upload limits (rekrytering.uploads) ----------------------------------------------------

LONG_CSV = "Enkät;Besvarad;helhet\n".encode() + b"kundenkat;2024-01-01;9\n" * 200_000  # 4.6 MB


@pytest.mark.django_db
def test_over_long_file_is_refused_before_it_is_read(assignment):
    file = CountingFile(LONG_CSV)
    result = import_responses(file=file, filename="svar.csv")
    assert [str(e) for e in result.errors] == [
        "CSV-filen har fler än 50\xa0000 rader (rubrikraden medräknad). "
        "Dela upp den och importera delarna var för sig."
    ]
    # Counted a megabyte at a time up to the limit, never decoded or parsed as a whole.
    assert file.bytes_read <= 3 * 1024 * 1024 < len(LONG_CSV) and result.created == 0
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_import_page_refuses_an_over_long_file(client, admin_user, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.UPLOAD_MAX_ROWS = 1000
    client.force_login(admin_user)
    response = client.post(reverse("response-import"), {"file": SimpleUploadedFile("svar.csv", LONG_CSV)})
    page = response.content.decode()
    assert response.status_code == 200 and "CSV-filen har fler än 1\xa0000 rader" in page
    assert Response.objects.count() == 0
