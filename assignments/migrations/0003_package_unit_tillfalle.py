"""The 2021 price list seeded KBR's unit as "tillfälle", which is not a choice; it is "tillfalle"."""

from django.db import migrations


def fix_unit(apps, schema_editor):
    for name in ("Package", "HistoricalPackage"):
        apps.get_model("assignments", name).objects.filter(unit="tillfälle").update(unit="tillfalle")


class Migration(migrations.Migration):
    dependencies = [("assignments", "0002_import_job_finish")]

    operations = [migrations.RunPython(fix_unit, migrations.RunPython.noop)]
