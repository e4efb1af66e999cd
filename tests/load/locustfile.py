"""The load test: staff browsing the assignment list and respondents answering surveys.

Run by scripts/load-test.sh (`make load`) against gunicorn on loopback, with the file that
tests/load/prepare.py wrote in LOAD_DATA (survey tokens, demo usernames, their password). Half the
simulated users are each kind:

- `Staff` logs in at /accounts/login/ (form with CSRF token, a demo user, password `demo`) and
  browses /uppdrag/: the first page, other pages, filters (status, year, search) and an assignment.
- `Respondent` takes a token nobody has used, opens the public page /enkat/<token>/, answers every
  question shown and posts; the answer must redirect to /enkat/tack/. A token works once, so a
  respondent that finds none left reports a failure ("enkätlänkar slut") and stops.

Every response is checked (status, and that the login and the answer really worked), so
"no failures" means every page answered as it should, not only that nothing returned 5xx.
"""

import csv
import itertools
import json
import logging
import os
import random
import re
import time
from collections import deque
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser
from locust.stats import calculate_response_time_percentile

log = logging.getLogger("lasttest")

_data_file = os.environ.get("LOAD_DATA")
if not _data_file:
    raise SystemExit("LOAD_DATA saknas: sökvägen till filen som tests/load/prepare.py skrev")
DATA = json.loads(Path(_data_file).read_text())
TOKENS = deque(DATA["tokens"])
STAFF = itertools.cycle(random.sample(DATA["staff"], len(DATA["staff"])))
PASSWORD = DATA["password"]

THIS_YEAR = date.today().year
STATUSES = ["pagaende", "oppna", "avslutad", "tillsatt", "forfragan"]
SEARCHES = ["lärare", "chef", "undersköterska", "controller", "skola", "ekonom", f"{THIS_YEAR}-"]
COMMENTS = ["Bra bemötande hela vägen.", "Tydlig planering, tack!", "Återkopplingen kom sent."]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGES = re.compile(r"Sida \d+ av (\d+)")
DETAIL = re.compile(r'href="/uppdrag/(\d+)/"')


# The summary has each request's figures twice: for the whole run, and "steady" for the time after
# LOAD_WARMUP seconds (default 15: every user started and logged in), without the start's burst of
# 25 logins, whose password hashing (PBKDF2, about 0.5 s of CPU each) queues everything behind it.
WARMUP = float(os.environ.get("LOAD_WARMUP", "15"))
SUMMARY_COLUMNS = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "50%",
    "95%",
    "99%",
    "Max",
    "Requests/s",
    "Steady Count",
    "Steady 50%",
    "Steady 95%",
    "Steady 99%",
]
_at_warmup: dict = {}
_failures_logged = 0


@events.request.add_listener
def _log_failure(request_type, name, exception=None, **kwargs):
    """The first failures are logged with their reason, so a failed run says what failed."""
    global _failures_logged
    if exception is not None and _failures_logged < 20:
        _failures_logged += 1
        log.warning("FEL %s %s: %s", request_type, name, exception)


@events.test_start.add_listener
def _note_warmup_end(environment, **kwargs):
    def note():
        for key, entry in [*environment.stats.entries.items(), (None, environment.stats.total)]:
            _at_warmup[key] = (entry.num_requests, dict(entry.response_times))

    gevent.spawn_later(WARMUP, note)


def _steady(key, entry) -> list:
    """Count and percentiles of the requests after the warm-up (empty if the run was shorter)."""
    if not _at_warmup:
        return ["", "", "", ""]
    count_then, times_then = _at_warmup.get(key, (0, {}))
    times = {ms: n - times_then.get(ms, 0) for ms, n in entry.response_times.items()}
    count = entry.num_requests - count_then
    if count <= 0:
        return [0, "", "", ""]
    return [count, *(calculate_response_time_percentile(times, count, p) for p in (0.5, 0.95, 0.99))]


@events.quitting.add_listener
def _write_summary(environment, **kwargs):
    """The final figures to LOAD_SUMMARY (CSV), written after the last request.

    (Locust's own --csv files are rewritten once a second while it runs, so they can miss the
    last second.)
    """
    path = os.environ.get("LOAD_SUMMARY")
    if not path or environment.stats is None:
        return
    entries = sorted(environment.stats.entries.items(), key=lambda item: (item[1].name, item[1].method))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(SUMMARY_COLUMNS)
        for key, entry in [*entries, (None, environment.stats.total)]:
            done = entry.num_requests > 0
            writer.writerow(
                [
                    entry.method or "",
                    entry.name,
                    entry.num_requests,
                    entry.num_failures,
                    entry.get_response_time_percentile(0.5) if done else 0,
                    entry.get_response_time_percentile(0.95) if done else 0,
                    entry.get_response_time_percentile(0.99) if done else 0,
                    round(entry.max_response_time or 0),
                    f"{entry.total_rps:.2f}",
                    *_steady(key, entry),
                ]
            )


class SurveyForm(HTMLParser):
    """The questions of the public survey form: radio groups with their values, and text areas."""

    def __init__(self):
        super().__init__()
        self.radios: dict[str, list[str]] = {}
        self.texts: list[str] = []
        self.has_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.has_form = True
        elif tag == "input" and attrs.get("type") == "radio" and attrs.get("name"):
            self.radios.setdefault(attrs["name"], []).append(attrs.get("value") or "")
        elif tag == "textarea" and attrs.get("name"):
            self.texts.append(attrs["name"])


def answers_for(html: str) -> dict[str, str] | None:
    form = SurveyForm()
    form.feed(html)
    if not form.has_form or not (form.radios or form.texts):
        return None
    data = {}
    for name, values in form.radios.items():
        if set(values) == {"ja", "nej"}:
            data[name] = "ja" if random.random() < 0.8 else "nej"
        else:
            # Mostly satisfied, as the real answers are; now and then anything on the scale.
            data[name] = random.choice(values[-3:] if random.random() < 0.9 else values)
    for name in form.texts:
        if random.random() < 0.4:
            data[name] = random.choice(COMMENTS)
    return data


def problem(response) -> str:
    """What went wrong: the status and where it redirects, or the connection error (status 0)."""
    if response.status_code == 0:
        return f"ingen förbindelse: {response.error!r}"
    return f"HTTP {response.status_code} {response.headers.get('Location', '')}".strip()


def expect_page(response, marker: str) -> bool:
    """A 200 with the page's marker, else a failure (a redirect here means the session was lost)."""
    if response.status_code != 200:
        response.failure(problem(response))
        return False
    if marker not in response.text:
        response.failure(f"sidan saknar {marker!r}")
        return False
    response.success()
    return True


class Staff(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.num_pages = 1
        self.assignment_ids: list[int] = []
        username = next(STAFF)
        with self.client.get(
            "/accounts/login/", name="/accounts/login/ GET", catch_response=True, allow_redirects=False
        ) as response:
            found = CSRF.search(response.text) if response.status_code == 200 else None
            if not found:
                response.failure(f"ingen inloggningssida ({problem(response)})")
                raise StopUser()
        with self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": found.group(1),
                "next": "",
            },
            name="/accounts/login/ POST",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            where = response.headers.get("Location", "")
            if response.status_code != 302 or "/accounts/login/" in where:
                response.failure(f"inloggningen misslyckades för {username} ({problem(response)})")
                raise StopUser()
        self.list_page({}, "/uppdrag/")

    def list_page(self, params: dict, name: str):
        with self.client.get(
            "/uppdrag/", params=params, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if expect_page(response, 'role="status"'):
                if not params:
                    found = PAGES.search(response.text)
                    self.num_pages = int(found.group(1)) if found else 1
                ids = [int(pk) for pk in DETAIL.findall(response.text)]
                if ids:
                    self.assignment_ids = ids

    @task(4)
    def first_page(self):
        self.list_page({}, "/uppdrag/")

    @task(3)
    def another_page(self):
        if self.num_pages > 1:
            self.list_page({"page": random.randint(2, self.num_pages)}, "/uppdrag/?page=N")

    @task(3)
    def filtered(self):
        params = random.choice(
            [
                {"status": random.choice(STATUSES)},
                {"year": random.choice([THIS_YEAR, THIS_YEAR - 1]), "status": random.choice(STATUSES)},
                {"q": random.choice(SEARCHES)},
            ]
        )
        self.list_page(params, "/uppdrag/?filter")

    @task(2)
    def assignment(self):
        if not self.assignment_ids:
            return
        pk = random.choice(self.assignment_ids)
        with self.client.get(
            f"/uppdrag/{pk}/", name="/uppdrag/[id]/", catch_response=True, allow_redirects=False
        ) as response:
            expect_page(response, "<h1")


class Respondent(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        # locust's --host is every user's; the survey pages may have processes of their own.
        if os.environ.get("LOAD_SURVEY_HOST"):
            self.client.base_url = os.environ["LOAD_SURVEY_HOST"]

    @task
    def answer(self):
        try:
            token = TOKENS.popleft()
        except IndexError:
            events.request.fire(
                request_type="TOKEN",
                name="enkätlänkar slut",
                response_time=0,
                response_length=0,
                exception=RuntimeError("alla förberedda enkätlänkar är använda: skapa fler (LOAD_TOKENS)"),
                context={},
            )
            raise StopUser() from None
        url = f"/enkat/{token}/"
        with self.client.get(
            url, name="/enkat/[token]/ GET", catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(problem(response))
                return
            data = answers_for(response.text)
            if data is None:
                response.failure("inget enkätformulär på sidan")
                return
            response.success()
        time.sleep(random.uniform(1, 3))  # reading and answering (gevent makes this cooperative)
        with self.client.post(
            url, data=data, name="/enkat/[token]/ POST", catch_response=True, allow_redirects=False
        ) as response:
            where = response.headers.get("Location", "")
            if response.status_code != 302 or not where.endswith("/enkat/tack/"):
                response.failure(f"svaret togs inte emot ({problem(response)})")
                return
            response.success()
        with self.client.get(
            "/enkat/tack/", name="/enkat/tack/", catch_response=True, allow_redirects=False
        ) as response:
            expect_page(response, "<h1")
