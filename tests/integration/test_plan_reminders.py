"""Issue 14's reminders end to end: a real Celery beat (ticking every second) and a real worker, in
processes of their own against the test database and Redis, e-mail a goal's responsible what is
still missing before the tertial's deadline, once however many times beat looks.

Runs on PostgreSQL with REDIS_URL set (as in CI); the e-mails go to the file backend."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from planning import services
from planning.models import Goal, PlanReminder
from tests.factories import UserFactory
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL är inte satt: ingen riktig broker"),
]
ROOT = Path(__file__).resolve().parents[2]


def database_url():
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    return None


def mails(mail_dir: Path) -> list[str]:
    """Every message the file backend wrote (one file per connection, messages split by its line)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        parts = path.read_text(encoding="utf-8", errors="replace").split("-" * 79)
        messages += [part.strip() for part in parts if part.strip()]
    return messages


@pytest.fixture
def plan_due_today(transactional_db):
    """Last year's plan: T3's deadline (10 January by the plan's rule) is today's reminder occasion,
    before or after it, whatever day the test runs."""
    today = timezone.localdate()
    plan = PlanFactory(year=today.year - 1)
    due = services.deadlines(plan)[3].due_on
    days = (due - today).days
    occasion = {
        "PLAN_REMINDER_DAYS_BEFORE": str(max(days, 0)),
        "PLAN_REMINDER_DAYS_AFTER": str(max(-days, 0)),
    }
    if days > 0:
        occasion["PLAN_REMINDER_DAYS_AFTER"] = "400"  # only the one before
    elif days < 0:
        occasion["PLAN_REMINDER_DAYS_BEFORE"] = "400"
    return plan, occasion


@pytest.fixture
def celery_processes(plan_due_today, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Worker och beat i egna processer behöver PostgreSQL (en SQLite-testdatabas ligger i minnet)"
        )
    _plan, occasion = plan_due_today
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SITE_URL": "https://rekrytering.example.org",
        "PLAN_REMINDER_SWEEP_SECONDS": "1",
        "PLAN_REMINDER_HOUR": "0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **occasion,
    }
    celery = [sys.executable, "-m", "celery", "-A", "rekrytering"]
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("worker", "beat")}
    processes = [
        subprocess.Popen(
            celery + ["worker", "--pool=solo", "--loglevel=INFO", "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env=env,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            celery
            + [
                "beat",
                "--loglevel=INFO",
                "-s",
                str(tmp_path / "beat-schedule"),
                "--scheduler",
                "celery.beat:PersistentScheduler",
            ],
            cwd=ROOT,
            env=env,
            stdout=logs["beat"],
            stderr=subprocess.STDOUT,
        ),
    ]
    yield mail_dir
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    for name, log in logs.items():
        log.close()
        print(f"--- {name}.log\n" + (tmp_path / f"{name}.log").read_text()[-3000:])


def test_beat_and_a_worker_remind_the_responsible_once(plan_due_today, celery_processes):
    plan, _occasion = plan_due_today
    mail_dir = celery_processes
    klara = UserFactory(username="klara", first_name="Klara", email="klara@example.org")
    done = UserFactory(username="bo", first_name="Bo", email="bo@example.org")
    goal = GoalFactory(plan=plan, level=Goal.Level.ENHET, title="Nöjda kunder", responsible=klara)
    IndicatorFactory(goal=goal, name="Sjukfrånvaro", periodicity="ar")
    ActivityFactory(goal=goal, text="Ta fram en kommunikationsplan")
    finished = GoalFactory(plan=plan, level=Goal.Level.ENHET, title="Klart mål", responsible=done)
    services.assess_goal(finished, tertial=3, assessment="uppfyllt", analysis="", by=done)

    messages = wait_for(lambda: mails(mail_dir), timeout=90)
    assert messages, "no reminder was e-mailed"
    time.sleep(5)  # five more beat ticks: nothing more is sent
    messages = mails(mail_dir)
    assert len(messages) == 1, messages
    (message,) = messages
    assert "To: klara@example.org" in message
    assert "Nöjda kunder" in message and "Bedömning och analys av målet" in message
    assert "Utfall: Sjukfrånvaro" in message and "Status: Ta fram en kommunikationsplan" in message
    assert f"https://rekrytering.example.org/plan/{plan.pk}/t3/#mal-{goal.pk}" in message
    reminder = PlanReminder.objects.get()
    assert (reminder.user, reminder.tertial, reminder.status, reminder.items) == (klara, 3, "sent", 3)
    assert reminder.sent_at > timezone.now() - timedelta(minutes=5)
