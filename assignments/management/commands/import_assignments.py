import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assignments.importing import import_assignments
from assignments.models import User


class Command(BaseCommand):
    help = "Importerar uppdrag från en .xlsx- eller .csv-fil (exporten ur Access). Allt eller inget."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", help="Användaren som står som ändrare i historiken (standard: första admin)"
        )

    def handle(self, *args, file, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Filen {file} finns inte.")
        by = (
            User.objects.filter(username=user).first()
            if user
            else (
                User.objects.filter(role=User.Role.ADMIN).order_by("id").first()
                or User.objects.filter(is_superuser=True).order_by("id").first()
            )
        )
        if by is None:
            raise CommandError("Ange --user: det finns ingen administratör att registrera importen på.")

        def progress(done, total):
            self.stderr.write(f"\rKontrollerat {done} av {total} rader", ending="")
            self.stderr.flush()

        with path.open("rb") as handle:
            result = import_assignments(file=handle, filename=path.name, by=by, progress=progress)
        self.stderr.write("")
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            self.stdout.write(f"{len(result.errors)} fel. Ingenting sparades.")
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Klart: {result.created} nya, {result.updated} ändrade, "
                f"{result.unchanged} oförändrade uppdrag."
            )
        )
