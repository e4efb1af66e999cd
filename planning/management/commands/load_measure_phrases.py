from django.core.management.base import BaseCommand

from planning.models import MeasurePhrase
from planning.phrases import PHRASES, load_phrases


class Command(BaseCommand):
    help = (
        "Läser in frastabellen för förslag på mått från planning/data/measure_phrases.yaml och "
        "ersätter tabellens rader (ändringar gjorda i admin försvinner)."
    )

    def handle(self, *args, **options):
        count = load_phrases(MeasurePhrase)
        self.stdout.write(self.style.SUCCESS(f"{count} fraser inlästa från {PHRASES.name}."))
