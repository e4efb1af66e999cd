import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.importing import import_responses


class Command(BaseCommand):
    help = "Importerar tidigare enkätsvar från den gamla enkätverktygets CSV-export. Allt eller inget."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Filen {file} finns inte.")
        with path.open("rb") as handle:
            result = import_responses(file=handle, filename=path.name)
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            self.stdout.write(f"{len(result.errors)} fel. Ingenting sparades.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"{result.created} svar importerade."))
