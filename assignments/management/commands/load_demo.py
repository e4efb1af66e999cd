from django.core.management.base import BaseCommand, CommandError

from assignments.demo import load_demo


class Command(BaseCommand):
    help = "Skapar demodata (användare, prislistor, fiktiva uppdrag). Kan köras flera gånger."

    def handle(self, *args, **options):
        try:
            load_demo(stdout=lambda line: self.stdout.write(line))
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                "Demodata klar. Logga in som konsult, samordnare, chef eller admin (lösenord demo)."
            )
        )
