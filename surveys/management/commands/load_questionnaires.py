from django.core.management.base import BaseCommand
from django.utils import timezone

from surveys.questionnaires import seed_all


class Command(BaseCommand):
    help = "Skapar årets versioner av enkäterna från de publicerade frågorna (om de saknas)."

    def add_arguments(self, parser):
        parser.add_argument("year", nargs="?", type=int, help="År (standard: i år)")

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year
        for questionnaire in seed_all(year):
            self.stdout.write(f"{questionnaire}: {questionnaire.questions.count()} frågor")
