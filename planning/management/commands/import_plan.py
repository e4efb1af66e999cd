import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planning.excel import import_plan


class Command(BaseCommand):
    help = "Skapar årets verksamhetsplan från en Excel-fil i exportens format. Allt eller inget."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("file")

    def handle(self, *args, year, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Filen {file} finns inte.")
        with path.open("rb") as handle:
            result = import_plan(year=year, file=handle)
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            self.stdout.write(f"{len(result.errors)} fel. Ingenting sparades.")
            sys.exit(1)
        plan = result.plan
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan} skapad: {plan.goals.count()} mål, "
                f"{sum(g.indicators.count() for g in plan.goals.all())} indikatorer."
            )
        )
