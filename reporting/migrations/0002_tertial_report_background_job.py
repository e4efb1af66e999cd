"""The tertial report stands on rekrytering.jobs.BackgroundJob: its progress step/steps keeps its
values under the job's names processed/total, and its state the job's choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="tertialreport", old_name="step", new_name="processed"),
        migrations.RenameField(model_name="tertialreport", old_name="steps", new_name="total"),
        migrations.AlterField(
            model_name="tertialreport",
            name="processed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="tertialreport",
            name="total",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="tertialreport",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Väntar"),
                    ("running", "Pågår"),
                    ("done", "Klar"),
                    ("failed", "Fel i filen"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
    ]
