"""Issue 3's end-to-end test: a real Celery worker and beat on Redis send the invitation, Chromium
answers it, and the answer shows in the department's results.

The worker and beat run as separate processes against the test database, so this runs only on
PostgreSQL with REDIS_URL set (as in CI).
"""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from assignments import services as assignment_services
from surveys.models import Invitation, Response
from surveys.services import questionnaire_for
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory, UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL är inte satt: ingen riktig broker"),
]
ROOT = Path(__file__).resolve().parents[2]


def database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_processes(transactional_db, tmp_path, live_server):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Worker och beat i egna processer behöver PostgreSQL (en SQLite-testdatabas ligger i minnet)"
        )
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SITE_URL": live_server.url,
        "SURVEY_SWEEP_SECONDS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    celery = [sys.executable, "-m", "celery", "-A", "rekrytering"]
    worker_log = (tmp_path / "worker.log").open("w")
    beat_log = (tmp_path / "beat.log").open("w")
    worker = subprocess.Popen(
        celery + ["worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    beat = subprocess.Popen(
        celery
        + [
            "beat",
            "--loglevel=WARNING",
            "-s",
            str(tmp_path / "beat-schedule"),
            "--scheduler",
            "celery.beat:PersistentScheduler",
        ],
        cwd=ROOT,
        env=env,
        stdout=beat_log,
        stderr=subprocess.STDOUT,
    )
    yield mail_dir
    for process in (beat, worker):
        process.terminate()
    for process in (beat, worker):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    worker_log.close()
    beat_log.close()
    for name in ("worker.log", "beat.log"):
        print(f"--- {name}\n" + (tmp_path / name).read_text()[-3000:])


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    return None


def mails(mail_dir):
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in mail_dir.glob("*.log"))


def test_close_send_answer_and_see_result(celery_processes, page, live_server, settings):
    from rekrytering.celery import app

    app.conf.task_always_eager = False
    settings.SITE_URL = live_server.url
    mail_dir = celery_processes
    konsult = UserFactory(username="konsult", role="konsult")
    UserFactory(username="chef", role="chef")
    today = timezone.localdate()
    package = PackageFactory(price_list=PriceListFactory(year=today.year), sends_candidate_survey=False)
    assignment = AssignmentFactory(responsible=konsult, package=package, ordered_on=today)

    # 1. Closing enqueues the send after commit; the worker sends it.
    assignment_services.close_assignment(assignment, by=konsult, outcome="ej_tillsatt", closed_on=today)
    body = wait_for(lambda: "/enkat/" in mails(mail_dir) and mails(mail_dir))
    assert body, "the worker sent no e-mail"
    assert Invitation.objects.get(assignment=assignment).status == "sent"

    # 2. Beat finds an invitation that is due without any message in the broker.
    other = AssignmentFactory(responsible=konsult, package=package, ordered_on=today)
    Invitation.objects.create(
        questionnaire=questionnaire_for("kundenkat", today.year),
        assignment=other,
        recipient_name="B",
        email="beat@example.org",
        send_at=timezone.now() - timedelta(minutes=1),
    )
    assert wait_for(lambda: Invitation.objects.get(assignment=other).status == "sent"), "beat did not sweep"

    # 3. Chromium answers the first link.
    token = re.search(r"/enkat/([A-Za-z0-9_-]+)/", body).group(1)
    page.goto(f"/enkat/{token}/")
    for fieldset in page.locator("fieldset.question").all():
        radios = fieldset.locator("input[type=radio]")
        (radios.nth(1) if fieldset.get_attribute("id") == "q-vill_bli_kontaktad" else radios.last).check(
            force=True
        )
    page.get_by_role("button", name="Skicka svar").click()
    page.wait_for_url("**/enkat/tack/")
    assert Response.objects.filter(kind="kundenkat").count() == 1

    # 4. The department's results show it.
    page.goto("/accounts/login/")
    page.fill("#id_username", "chef")
    page.fill("#id_password", "demo")
    page.get_by_role("button", name="Logga in").click()
    page.goto(f"/enkater/?year={today.year}&period=year")
    section = page.locator("section#h-kundenkat, section[aria-labelledby=h-kundenkat]").first
    text = section.inner_text()
    assert "NPS" in text and "100" in text
    assert re.search(r"Svar\s+1\b", text)
