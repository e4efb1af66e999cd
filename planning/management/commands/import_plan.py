import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planning.excel import import_plan
from planning.services import accept_all_proposals, link_responsibles, propose_measures


class Command(BaseCommand):
    help = (
        "Skapar årets verksamhetsplan från en Excel-fil i exportens format (utfallskolumnerna får "
        "saknas). Allt eller inget. Indikatorer utan mått får förslag på mått ur sin lydelse."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("file")
        parser.add_argument(
            "--bind", action="store_true", help="Godta alla förslag på mått direkt (utan granskning)."
        )

    def handle(self, *args, year, file, bind=False, **options):
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
        link_responsibles(plan)  # the activities' initials, as the upload does
        proposals = propose_measures(plan)
        if bind:
            accepted = accept_all_proposals(plan, by=None)
            self.stdout.write(f"{accepted} förslag på mått godtagna.")
        else:
            self.stdout.write(
                f"{len(proposals)} förslag på mått att granska på planens sida (eller kör med --bind)."
            )
