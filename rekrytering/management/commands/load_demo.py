from django.core.management.base import BaseCommand, CommandError

from rekrytering.demo import load_all


class Command(BaseCommand):
    help = "Skapar demodata (användare, prislistor, fiktiva uppdrag, enkätsvar …). Kan köras flera gånger."

    def handle(self, *args, **options):
        try:
            load_all(stdout=lambda line: self.stdout.write(line))
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                "Demodata klar. Logga in som konsult, samordnare, chef eller admin (lösenord demo)."
            )
        )
