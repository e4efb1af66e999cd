from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planning.excel import export_plan
from planning.models import Plan


class Command(BaseCommand):
    help = "Exporterar avdelningens verksamhetsplan för ett år till Excel (Mål, Indikatorer, Aktiviteter)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("file")

    def handle(self, *args, year, file, **options):
        plan = Plan.objects.filter(year=year, unit__isnull=True).first()
        if plan is None:
            raise CommandError(f"Det finns ingen plan för {year}.")
        with Path(file).open("wb") as handle:
            export_plan(plan, handle)
        self.stdout.write(self.style.SUCCESS(f"{plan} exporterad till {file}."))
