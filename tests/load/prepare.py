"""Prepares the database of the load test (run by scripts/load-test.sh, not by pytest).

    DATABASE_URL=postgres://…/rekrytering_ops_load python tests/load/prepare.py OUT.json [--tokens N]

Migrates, loads the demo data (users with password `demo`, a year of assignments, surveys) and
creates N survey invitations that are sent and open (status sent, link valid for
SURVEY_LINK_DAYS), each with a known token. Writes {"tokens": [...], "staff": [...], "password":
"demo"} to OUT.json for the locustfile. The database must be a scratch one: this refuses to run
on a database whose name does not start with `rekrytering_ops`.

The invitations are made the way `surveys.services` makes them: `_arm_token` gives each its salt
and token hash, and the token (an HMAC with SECRET_KEY) works only for a server with the same
SECRET_KEY, which is why the script exports one for both.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS_PER_ASSIGNMENT = ("kundenkat", "kandidatenkat", "matchningsenkat")


def create_invitations(count: int, *, seed: int = 2026) -> list[str]:
    """`count` open invitations with known tokens, for demo assignments (then without one)."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from assignments.models import Assignment
    from surveys.models import Invitation
    from surveys.services import _arm_token, questionnaire_for

    now = timezone.now()
    year = timezone.localdate().year
    questionnaires = {kind: questionnaire_for(kind, year) for kind in KINDS_PER_ASSIGNMENT}
    # One live (not cancelled) invitation per assignment and questionnaire: skip pairs in use.
    taken = set(
        Invitation.objects.filter(shared=False)
        .exclude(status=Invitation.Status.CANCELLED)
        .values_list("assignment_id", "questionnaire_id")
    )
    assignments = Assignment.objects.select_related("manager").order_by("-closed_on", "-id")
    planned = []
    for kind in KINDS_PER_ASSIGNMENT:
        questionnaire = questionnaires[kind]
        for assignment in assignments:
            if len(planned) >= count:
                break
            if (assignment.pk, questionnaire.pk) in taken:
                continue
            if kind == "kandidatenkat":
                name, email = "Kandidat Lasttest", f"kandidat-{assignment.pk}@example.org"
            else:
                name, email = assignment.manager.name, assignment.manager.email
            planned.append((questionnaire, assignment, name, email))
    # More than the assignments allow: customer surveys that belong to no assignment.
    for n in range(count - len(planned)):
        planned.append((questionnaires["kundenkat"], None, "Lasttest", f"lasttest-{n}@example.org"))

    tokens, invitations = [], []
    for questionnaire, assignment, name, email in planned:
        invitation = Invitation(
            questionnaire=questionnaire,
            assignment=assignment,
            recipient_name=name,
            email=email,
            status=Invitation.Status.SENT,
            send_at=now,
            sent_at=now,
            expires_at=now + timedelta(days=settings.SURVEY_LINK_DAYS),
        )
        tokens.append(_arm_token(invitation))
        invitations.append(invitation)
    with transaction.atomic():
        Invitation.objects.bulk_create(invitations, batch_size=500)
    random.Random(seed).shuffle(tokens)
    return tokens


def staff_usernames() -> list[str]:
    from assignments.demo import DEMO_USERS
    from assignments.models import User

    names = [row[0] for row in DEMO_USERS]
    active = set(User.objects.filter(username__in=names, is_active=True).values_list("username", flat=True))
    return [name for name in names if name in active]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the JSON file for the locustfile")
    parser.add_argument("--tokens", type=int, default=3000, help="how many open invitations (3000)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekrytering.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not str(name).startswith("rekrytering_ops"):
        print(f"prepare: vägrar: {connection.vendor} {name} är ingen lasttestdatabas", file=sys.stderr)
        return 2

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", stdout=quiet)
    tokens = create_invitations(args.tokens)
    # The planner's statistics as a database in use has them (autovacuum would take them a minute
    # or more after the bulk inserts): without them, counting an anonymous answer's peers among
    # the 1 500 open links walks them one by one (12 ms) instead of hashing them (2 ms).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    staff = staff_usernames()
    if not staff:
        print("prepare: inga demoanvändare att logga in med", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"tokens": tokens, "staff": staff, "password": "demo"}))
    print(
        f"prepare: {name}: {len(tokens)} öppna enkätlänkar, {len(staff)} demoanvändare "
        f"({time.monotonic() - started:.0f} s) → {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
