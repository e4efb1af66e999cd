"""`manage.py export_assignments FILE [--year YYYY]`: the register in the import's layout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assignments.exporting import write_csv, write_xlsx
from assignments.models import Assignment
from rekrytering.audit import log_export


class Command(BaseCommand):
    help = (
        "Exporterar uppdrag i importformatet: .xlsx om filnamnet slutar så, annars semikolonseparerad "
        "CSV (UTF-8 med BOM, decimalkomma). Filen går att importera tillbaka."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--year", type=int, help="Bara uppdrag beställda detta år")

    def handle(self, *args, file, year=None, **options):
        queryset = Assignment.objects.all()
        if year:
            queryset = queryset.filter(ordered_on__year=year)
        path = Path(file)
        if not path.parent.is_dir():
            raise CommandError(f"Mappen {path.parent} finns inte.")
        writer = write_xlsx if path.suffix.lower() == ".xlsx" else write_csv
        with path.open("wb") as handle:
            count = writer(queryset, handle)
        log_export(user=None, what=f"export_assignments {path.name}", rows=count)
        self.stdout.write(self.style.SUCCESS(f"{count} uppdrag exporterade till {path}."))
