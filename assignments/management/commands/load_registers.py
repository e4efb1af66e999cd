from django.core.management.base import BaseCommand

from assignments.demo import load_registers


class Command(BaseCommand):
    help = "Läser in grunddata: enheter, organisationer, verksamheter, tidkategorier och prislistan 2021."

    def handle(self, *args, **options):
        load_registers(stdout=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS("Grunddata klar."))
