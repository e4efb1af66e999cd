"""The import_assignments and export_assignments commands: thin wrappers, exit code 1 on errors."""

import pytest
from django.core.management import CommandError, call_command

from assignments.models import Assignment
from tests.assignments.test_import import GOOD, row, write_csv_file
from tests.factories import PackageFactory, PriceListFactory, SectorFactory


@pytest.fixture
def ready(db, admin_user, konsult, price_list_2026):
    SectorFactory(name="Skola")
    PackageFactory(price_list=PriceListFactory(year=2025))


def test_import_exits_1_and_lists_every_error(ready, tmp_path, capsys):
    path = write_csv_file(
        tmp_path / "bad.csv", [row(Konsult="okänd"), row(Uppdragsnummer="2026-0102", Pris="x")]
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_assignments", str(path))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert 'Rad 2, kolumn Konsult: "okänd" är varken användarnamn eller initialer' in err
    assert "Rad 3, kolumn Pris: ”x” är inget tal" in err
    assert "2 fel. Ingenting sparades." in err
    assert not Assignment.objects.exists()


def test_import_prints_progress_and_counts(ready, tmp_path, capsys):
    rows = [row(Uppdragsnummer=f"2026-{i:04d}") for i in range(1, 601)]
    call_command("import_assignments", str(write_csv_file(tmp_path / "u.csv", rows)), "--user", "admin")
    out, err = capsys.readouterr()
    assert "Klart: 600 nya, 0 ändrade, 0 oförändrade uppdrag." in out
    assert "Kontrollerat 500 av 600 rader" in err and "Sparar 600 rader" in err
    assert Assignment.objects.get(number="2026-0001").history.get().history_user.username == "admin"


def test_import_refuses_a_missing_file_or_user(ready, tmp_path):
    with pytest.raises(CommandError, match="finns inte"):
        call_command("import_assignments", str(tmp_path / "nej.csv"))
    path = write_csv_file(tmp_path / "u.csv", [GOOD])
    with pytest.raises(CommandError, match="ingen användare nobody"):
        call_command("import_assignments", str(path), "--user", "nobody")


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_then_import(ready, tmp_path, capsys, suffix):
    call_command(
        "import_assignments",
        str(
            write_csv_file(
                tmp_path / "in.csv",
                [
                    GOOD,
                    row(
                        Uppdragsnummer="2025-0007",
                        Beställningsdatum="2025-02-03",
                        Avslutsdatum="2025-04-01",
                        Fakturerad="",
                    ),
                ],
            )
        ),
    )
    capsys.readouterr()
    target = tmp_path / f"out.{suffix}"
    call_command("export_assignments", str(target), "--year", "2026")
    assert "1 uppdrag exporterade" in capsys.readouterr().out
    if suffix == "csv":
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and b";1,5;" in data  # BOM and decimal comma
    history = Assignment.history.count()
    call_command("import_assignments", str(target))
    assert "Klart: 0 nya, 0 ändrade, 1 oförändrade uppdrag." in capsys.readouterr().out
    assert Assignment.history.count() == history

    call_command("export_assignments", str(tmp_path / "none.csv"), "--year", "2001")
    assert (tmp_path / "none.csv").read_text(encoding="utf-8-sig").count("\n") == 1
