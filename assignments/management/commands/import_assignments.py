"""`manage.py import_assignments FILE [--user USERNAME] [--confirm-new-names] [--create-price-lists]`:
the Access import from the shell.

Without the flags, a new organisation or manager whose name looks like a known one, and a year
without a price list, stop the import with the names and the price lists the file would make
listed; run again with the flag to confirm them.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assignments.importing import Confirmations, import_assignments
from assignments.models import User
from rekrytering.numbers import format_kr


class Command(BaseCommand):
    help = "Importerar uppdrag från en .xlsx- eller .csv-fil (exporten ur Access). Allt eller inget."

    def add_arguments(self, parser):
        parser.add_argument("file", help="En .xlsx-fil, eller en semikolonseparerad .csv-fil i UTF-8")
        parser.add_argument(
            "--user", help="Användaren som står som ändrare i historiken (standard: första administratören)"
        )
        parser.add_argument(
            "--confirm-new-names",
            action="store_true",
            help="Skapa nya organisationer och beställare även när namnet liknar ett som finns",
        )
        parser.add_argument(
            "--create-price-lists",
            action="store_true",
            help="Skapa prislistor ur filens paket och priser för år som saknar prislista",
        )

    def handle(self, *args, file, user=None, confirm_new_names=False, create_price_lists=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Filen {file} finns inte.")
        by = self._user(user)

        def progress(done, total):
            text = f"Sparar {total} rader …" if done == total else f"Kontrollerat {done} av {total} rader"
            self.stderr.write(f"\r{text}", ending="")
            self.stderr.flush()

        with path.open("rb") as handle:
            result = import_assignments(
                file=handle,
                filename=path.name,
                by=by,
                progress=progress,
                confirmed=Confirmations(
                    names=None if confirm_new_names else frozenset(),
                    price_lists=None if create_price_lists else [],
                ),
            )
        self.stderr.write("")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            self._confirmation_help(result.confirmation)
            self.stderr.write(self.style.ERROR(f"{len(result.errors)} fel. Ingenting sparades."))
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Klart: {result.created} nya, {result.updated} ändrade, "
                f"{result.unchanged} oförändrade uppdrag."
            )
        )
        created = result.created_names
        if created["price_lists"]:
            self.stdout.write("Nya prislistor:")
            self._price_lists(created["price_lists"], self.stdout)
        if created["organisations"]:
            self.stdout.write("Nya organisationer: " + ", ".join(created["organisations"]) + ".")
        if created["managers"]:
            self.stdout.write("Nya beställare:")
            for manager in created["managers"]:
                self.stdout.write(f"  {manager['name']} <{manager['email']}>, {manager['organisation']}")

    def _confirmation_help(self, confirmation):
        if confirmation.get("names"):
            self.stderr.write(
                "Namn som liknar befintliga: rätta filen, eller kör igen med --confirm-new-names "
                "för att skapa dem som nya."
            )
        if confirmation.get("price_lists"):
            self.stderr.write("Prislistor som skapas ur filen med --create-price-lists (år, paket, pris):")
            self._price_lists(confirmation["price_lists"], self.stderr)

    def _price_lists(self, packages, out):
        for package in packages:
            out.write(f"  {package['year']}  {package['package']}  {format_kr(package['price'])}")

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
