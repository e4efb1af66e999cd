from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from assignments.demo import load_demo


class Command(BaseCommand):
    help = "Skapar demodata (användare, prislistor, fiktiva uppdrag, enkätsvar …). Kan köras flera gånger."

    def handle(self, *args, **options):
        write = lambda line: self.stdout.write(line)  # noqa: E731
        try:
            load_demo(stdout=write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        # Each other app may bring demo data of its own in <app>/demo.py (found, not imported by name,
        # so the core app does not depend on the apps built on it).
        for config in apps.get_app_configs():
            if config.name == "assignments" or not find_spec(f"{config.name}.demo"):
                continue
            import_module(f"{config.name}.demo").load_demo(stdout=write)
        self.stdout.write(
            self.style.SUCCESS(
                "Demodata klar. Logga in som konsult, samordnare, chef eller admin (lösenord demo)."
            )
        )
