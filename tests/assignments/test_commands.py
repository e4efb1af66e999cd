import pytest
from django.core.management import call_command

from assignments.models import Assignment
from tests.assignments.test_import import GOOD, csv_bytes
from tests.factories import SectorFactory


@pytest.fixture
def ready(db, admin_user, konsult, price_list_2026):
    SectorFactory(name="Skola")


@pytest.mark.django_db
def test_import_command_exit_1_and_errors_on_bad_file(ready, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([{**GOOD, "Konsult": "okänd"}]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_assignments", str(path))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "Rad 2, kolumn Konsult:" in out and "Ingenting sparades" in out
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_then_import_command(ready, tmp_path, capsys, suffix):
    source = tmp_path / "in.csv"
    source.write_bytes(csv_bytes([GOOD]))
    call_command("import_assignments", str(source), "--user", "admin")
    assert "1 nya" in capsys.readouterr().out
    target = tmp_path / f"out.{suffix}"
    call_command("export_assignments", str(target), "--year", "2026")
    call_command("import_assignments", str(target))
    assert "0 nya, 0 ändrade, 1 oförändrade" in capsys.readouterr().out
    call_command("export_assignments", str(tmp_path / "none.csv"), "--year", "2001")
    assert (tmp_path / "none.csv").read_text(encoding="utf-8-sig").count("\n") == 1
