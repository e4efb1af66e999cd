"""Activities imported before the responsible person existed: the first of the initials in their
`responsible` text that a user has (User.initials, case-insensitive) becomes the person.

The rule as planning.services.initials_in has it (a migration keeps its own copy of it)."""

import re

from django.db import migrations

SEPARATORS = re.compile(r"[\s,;/&()+]+")


def initials_in(text: str) -> list[str]:
    return [part for part in SEPARATORS.split(text or "") if part and part.lower() != "och"]


def link(apps, schema_editor):
    Activity = apps.get_model("planning", "Activity")
    User = apps.get_model("assignments", "User")
    users = {u.initials.lower(): u.pk for u in User.objects.exclude(initials="").filter(is_active=True)}
    if not users:
        return
    for activity in Activity.objects.filter(responsible_user__isnull=True).exclude(responsible=""):
        found = next((users[i.lower()] for i in initials_in(activity.responsible) if i.lower() in users), None)
        if found:
            Activity.objects.filter(pk=activity.pk).update(responsible_user_id=found)


class Migration(migrations.Migration):
    dependencies = [("planning", "0005_responsibles_deadlines_review")]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
