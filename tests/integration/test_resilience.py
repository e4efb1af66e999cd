"""Resilience against real PostgreSQL and Redis (CI): a stopped broker, a failing mail server, and a
worker killed in the middle of a send or right after the mail server accepted the message.

Each test runs its own Redis server on a free port (so stopping it disturbs nothing else) and, where
a worker must die, a real `celery worker` process. The mail server is a tiny SMTP sink in the test:
the one boundary we stand in for.
"""

import email
import email.policy
import logging
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assignments import services as assignment_services
from rekrytering.celery import app
from surveys import tasks
from surveys.models import Invitation, Response
from surveys.services import questionnaire_for, questions_for
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory
from tests.integration.postgres import url_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL är inte satt: ingen riktig broker"),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server saknas"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class OwnRedis:
    """A Redis server of the test's own, which it can stop and start again on the same port."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def _ping(self):
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"

    def start(self):
        options = {"port": self.port, "bind": "127.0.0.1", "save": "", "appendonly": "no", "daemonize": "yes"}
        options.update({"dir": self.directory, "logfile": self.directory / "redis.log"})
        command = ["redis-server"] + [
            part for key, value in options.items() for part in (f"--{key}", str(value))
        ]
        subprocess.run(command, check=True)
        assert wait_for(self._ping, 10), "Redis startade inte"

    def stop(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        assert wait_for(lambda: not self._ping(), 10), "Redis stannade inte"


@pytest.fixture
def own_redis(tmp_path, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("Workertesterna behöver PostgreSQL")
    redis = OwnRedis(tmp_path)
    redis.start()
    previous = app.conf.broker_url
    app.conf.broker_url = redis.url
    app._after_fork()  # forget pooled connections to the old broker
    yield redis
    redis.stop()
    app.conf.broker_url = previous
    app._after_fork()


def closed_hire(konsult):
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    assignment = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 2))
    with transaction.atomic():
        assignment_services.close_assignment(
            assignment,
            by=konsult,
            outcome="tillsatt",
            closed_on=date(2026, 4, 20),
            candidate_name="Kim Kandidat",
            candidate_email="kim@example.org",
            candidate_start=date(2026, 6, 1),
        )
    return assignment


def test_closing_with_redis_stopped_sends_once_redis_is_back(own_redis, konsult, settings, caplog):
    from celery.contrib.testing.worker import start_worker

    # (An in-thread Celery worker of an earlier test leaves the root logger at ERROR.)
    caplog.set_level(logging.WARNING, logger="rekrytering.celery")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    app.conf.task_always_eager = False
    own_redis.stop()
    started = time.monotonic()
    assignment = closed_hire(konsult)  # the enqueue after commit fails: logged, not raised
    assert time.monotonic() - started < 10
    assignment.refresh_from_db()
    assert assignment.status == "avslutad"
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["scheduled", "scheduled"]
    assert any("left to the sweep" in r.getMessage() for r in caplog.records)

    own_redis.start()
    app._after_fork()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20):
        tasks.send_due_invitations.delay()  # what beat does every SURVEY_SWEEP_SECONDS
        assert wait_for(lambda: Invitation.objects.filter(status="sent").count() == 2)
        tasks.send_due_invitations.delay()  # a second sweep finds nothing more to send
        time.sleep(1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([assignment.manager.email, "kim@example.org"])


def test_failing_smtp_retries_with_backoff_then_shows_failed(own_redis, konsult, settings):
    from celery.contrib.testing.worker import start_worker

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.SURVEY_SEND_MAX_TRIES = 3
    settings.SURVEY_RETRY_BASE_SECONDS = 0.2
    app.conf.task_always_eager = False
    invitation = Invitation.objects.create(
        questionnaire=questionnaire_for("kundenkat", 2026),
        recipient_name="Beställare",
        email="bestallare@example.org",
        send_at=timezone.now(),
    )
    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=20):
        tasks.send_invitation.delay(invitation.pk)
        assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == "failed")
    invitation.refresh_from_db()
    assert invitation.attempts == 3
    assert "ConnectionRefusedError" in invitation.last_error


# --- A worker killed in the middle of a send ------------------------------------------------


class SMTPSink(socketserver.ThreadingTCPServer):
    """Accepts mail like a server would.

    With `stall_first` the first connection hangs before the greeting until released; with
    `after_accept` that function is called once, right after the first message was answered 250
    and before the client gets an answer to anything more (so it cannot finish the conversation).
    """

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, *, stall_first=False, after_accept=None):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.messages = []
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.first = stall_first
        self.after_accept = after_accept
        self.lock = threading.Lock()


class SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        with server.lock:
            stall, server.first = server.first, False
        if stall:
            server.stalled.set()
            server.release.wait(60)
            return
        self.wfile.write(b"220 sink\r\n")
        try:
            self.converse()
        except ConnectionResetError:  # the client was killed
            pass

    def converse(self):
        server = self.server
        recipients, data = [], None
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data is not None:
                if line == ".":
                    server.messages.append((recipients, "\n".join(data)))
                    data, recipients = None, []
                    self.wfile.write(b"250 queued\r\n")
                    with server.lock:
                        hook, server.after_accept = server.after_accept, None
                    if hook:
                        hook()
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250 sink\r\n")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                data = []
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def start_worker_process(redis_url, smtp_port, log):
    env = {
        **os.environ,
        "DATABASE_URL": url_for(django_settings.DATABASES["default"]["NAME"]),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "60",
        "SURVEY_SWEEP_SECONDS": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "rekrytering", "worker", "--beat", "--pool", "solo",
        "--scheduler", "celery.beat:PersistentScheduler", "--schedule", str(log.parent / "beat-schedule"),
        "--loglevel", "INFO",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def kill(process):
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def test_worker_killed_mid_send_sends_nothing_twice(own_redis, tmp_path):
    began = timezone.now()
    sink = SMTPSink(stall_first=True)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    invitation = Invitation.objects.create(
        questionnaire=questionnaire_for("kundenkat", 2026),
        recipient_name="Beställare",
        email="bestallare@example.org",
        send_at=timezone.now() - timedelta(minutes=1),
    )
    log = tmp_path / "worker.log"
    first = start_worker_process(own_redis.url, sink.server_address[1], log)
    try:
        assert sink.stalled.wait(60), log.read_text()
        # The send holds the invitation's row lock while it talks to the mail server: kill it there.
        kill(first)
    finally:
        if first.poll() is None:
            kill(first)
    sink.release.set()
    assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == "scheduled", 10)
    assert sink.messages == []
    armed = Invitation.objects.get(pk=invitation.pk).token_hash
    assert armed  # the link was committed before the mail server was contacted

    second = start_worker_process(own_redis.url, sink.server_address[1], log)
    try:
        assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == "sent", 60), (
            log.read_text()
        )
        time.sleep(4)  # several more sweeps, and the killed worker's message is still about
    finally:
        kill(second)
        sink.shutdown()
    assert [recipients for recipients, _ in sink.messages] == [["bestallare@example.org"]]
    assert Invitation.hash_token(link_in(sink.messages[0][1])) == armed
    # The killed workers' database sessions end before the test database is dropped.
    assert wait_for(lambda: _sessions_since(began) == 0, 20)


def test_worker_killed_after_the_mail_server_accepted_leaves_one_working_link(own_redis, tmp_path):
    """The mail server answers 250 to DATA and the worker dies before it can commit anything more.

    The customer already has the message, so the link in it must work at once, before any re-send,
    and the re-send the sweep makes must carry the same link.
    """
    began = timezone.now()
    workers = []
    sink = SMTPSink(after_accept=lambda: os.killpg(workers[0].pid, signal.SIGKILL))
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    invitation = Invitation.objects.create(
        questionnaire=questionnaire_for("kundenkat", 2026),
        recipient_name="Beställare",
        email="bestallare@example.org",
        send_at=timezone.now() - timedelta(minutes=1),
    )
    log = tmp_path / "worker.log"
    try:
        workers.append(start_worker_process(own_redis.url, sink.server_address[1], log))
        assert wait_for(lambda: workers[0].poll() is not None, 60), log.read_text()
        assert len(sink.messages) == 1
        first_link = link_in(sink.messages[0][1])
        invitation.refresh_from_db()
        assert invitation.status == "scheduled"  # nothing was committed after the send
        # The link in the delivered message works before anything is sent again.
        page = Client().get(reverse("survey-answer", args=[first_link]))
        assert page.status_code == 200, page.content.decode()[:500]

        workers.append(start_worker_process(own_redis.url, sink.server_address[1], log))
        assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == "sent", 60), (
            log.read_text()
        )
        time.sleep(4)  # several more sweeps: nothing more goes out
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill(worker)
        sink.shutdown()
    assert [recipients for recipients, _ in sink.messages] == [["bestallare@example.org"]] * 2
    assert {link_in(message) for _, message in sink.messages} == {first_link}
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts, invitation.reminders_sent) == ("sent", 0, 0)

    answered = Client().post(reverse("survey-answer", args=[first_link]), valid_answers(invitation))
    assert answered.status_code == 302 and answered["Location"] == reverse("survey-thanks")
    invitation.refresh_from_db()
    assert invitation.status == "answered"
    assert Response.objects.filter(questionnaire=invitation.questionnaire).count() == 1
    assert wait_for(lambda: _sessions_since(began) == 0, 20)


def link_in(raw_message: str) -> str:
    """The survey token in a message as the mail server received it."""
    body = email.message_from_string(raw_message, policy=email.policy.default).get_content()
    return re.search(r"https?://\S+/enkat/([A-Za-z0-9_-]+)/", body).group(1)


def valid_answers(invitation) -> dict:
    """A complete answer to the invitation's questions, as the survey page posts it."""
    values = {"scale": "8", "nps": "9", "yesno": "nej", "text": "Bra stöd."}
    return {question.key: values[question.type] for question in questions_for(invitation)}


def _sessions_since(began) -> int:
    """Database sessions other than ours opened since `began` (the worker processes')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_start >= %s",
            [began],
        )
        return cursor.fetchone()[0]
