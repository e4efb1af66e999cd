"""`manage.py import_assignments FILE [--user USERNAME]`: the Access import from the shell."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assignments.importing import import_assignments
from assignments.models import User


class Command(BaseCommand):
    help = "Importerar uppdrag från en .xlsx- eller .csv-fil (exporten ur Access). Allt eller inget."

    def add_arguments(self, parser):
        parser.add_argument("file", help="En .xlsx-fil, eller en semikolonseparerad .csv-fil i UTF-8")
        parser.add_argument(
            "--user", help="Användaren som står som ändrare i historiken (standard: första administratören)"
        )

    def handle(self, *args, file, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Filen {file} finns inte.")
        by = self._user(user)

        def progress(done, total):
            text = f"Sparar {total} rader …" if done == total else f"Kontrollerat {done} av {total} rader"
            self.stderr.write(f"\r{text}", ending="")
            self.stderr.flush()

        with path.open("rb") as handle:
            result = import_assignments(file=handle, filename=path.name, by=by, progress=progress)
        self.stderr.write("")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            self.stderr.write(self.style.ERROR(f"{len(result.errors)} fel. Ingenting sparades."))
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Klart: {result.created} nya, {result.updated} ändrade, "
                f"{result.unchanged} oförändrade uppdrag."
            )
        )

    def _user(self, username):
        if username:
            by = User.objects.filter(username=username).first()
            if by is None:
                raise CommandError(f"Det finns ingen användare {username}.")
            return by
        by = User.objects.filter(role=User.Role.ADMIN).order_by("id").first()
        by = by or User.objects.filter(is_superuser=True).order_by("id").first()
        if by is None:
            raise CommandError("Ange --user: det finns ingen administratör att registrera importen på.")
        return by
