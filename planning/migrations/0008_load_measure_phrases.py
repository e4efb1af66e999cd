from django.db import migrations


def load(apps, schema_editor):
    from planning.phrases import load_phrases

    load_phrases(apps.get_model("planning", "MeasurePhrase"))


def unload(apps, schema_editor):
    apps.get_model("planning", "MeasurePhrase").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("planning", "0007_measure_phrases")]

    operations = [migrations.RunPython(load, unload)]
