"""Browser tests: Playwright's sync API drives Debian's Chromium (headless) against the live server.

Chromium is never downloaded: the tests use the system browser (``apt-get install -y chromium``) and
skip with that hint when it is missing. ``REKRYTERING_CHROMIUM`` points at another executable (or at a
path that does not exist, to try the skip).
"""

import os
import re
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop "running" in the test thread, which makes Django
# refuse ORM calls there (SynchronousOnlyOperation). The calls are synchronous and safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ENV = "REKRYTERING_CHROMIUM"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = (
    "Chromium saknas ({where}): webbläsartesterna hoppas över. "
    "Installera Debians Chromium med `apt-get install -y chromium` "
    f"(eller peka ut en annan körbar fil med {CHROMIUM_ENV}=/sökväg/till/chromium)."
)
DEFAULT_TIMEOUT_MS = 10_000


def find_chromium() -> tuple[str | None, str]:
    """The Chromium executable to use, or None and where we looked."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        ok = os.path.isfile(configured) and os.access(configured, os.X_OK)
        return (configured if ok else None), f"{CHROMIUM_ENV}={configured}"
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate, candidate
    return None, "varken `chromium` i PATH eller /usr/bin/chromium"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    executable, where = find_chromium()
    if executable is None:
        pytest.skip(MISSING_CHROMIUM.format(where=where))
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python-paketet playwright saknas")
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def artifacts_dir(request) -> Path:
    return request.config.rootpath / "test-artifacts"


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:120]


@pytest.fixture
def browser_context_options():
    """Swedish user in Stockholm on an ordinary laptop screen; tests override the viewport."""
    return {
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def page(browser, live_server, request, artifacts_dir, browser_context_options):
    """A fresh browser context per test; a full-page screenshot lands in test-artifacts/ on failure."""
    context = browser.new_context(base_url=live_server.url, **browser_context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        artifacts_dir.mkdir(exist_ok=True)
        target = artifacts_dir / f"{_safe_name(request.node.nodeid)}-{time.strftime('%Y%m%d-%H%M%S')}.png"
        try:
            page.screenshot(path=str(target), full_page=True)
            print(f"Skärmbild vid fel: {target}")
        except Exception as error:  # the page may be gone; the failure itself matters more
            print(f"Kunde inte spara skärmbild: {error}")
    context.close()


@pytest.fixture
def page_problems(page):
    """JavaScript errors, Content-Security-Policy violations and server errors (5xx, and 4xx on
    static files) seen by the page."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript: {error}"))

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    page.on("console", on_console)

    def on_response(response):
        if response.status >= 500 or (response.status >= 400 and "/static/" in response.url):
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("response", on_response)
    return problems


@pytest.fixture
def demo_data(transactional_db):
    """The real demo loader inside the test database: users (password demo), registers, price lists
    for last year and this year and about a thousand assignments a year with hours."""
    from assignments.demo import load_demo

    load_demo(stdout=lambda line: None)


@pytest.fixture
def minimal_data(transactional_db):
    """The least the create form needs: this year's price list, an organisation with a manager,
    a sector, a time category and the konsult (password demo)."""
    from django.utils import timezone

    from assignments.models import User
    from tests.factories import (
        HourlyRateFactory,
        ManagerFactory,
        OrganisationFactory,
        PackageFactory,
        PriceListFactory,
        SectorFactory,
        TimeCategoryFactory,
        UnitFactory,
        UserFactory,
    )

    year = timezone.localdate().year
    price_list = PriceListFactory(year=year)
    PackageFactory(price_list=price_list, price=Decimal("28000"))
    HourlyRateFactory(price_list=price_list)
    ManagerFactory(organisation=OrganisationFactory(name="Farsta stadsdelsförvaltning"))
    SectorFactory(name="Förskola")
    TimeCategoryFactory(name="Intern tid")
    UserFactory(
        username="konsult",
        first_name="Klara",
        last_name="Konsultsson",
        initials="KK",
        role=User.Role.KONSULT,
        unit=UnitFactory(name="Enhet 1"),
    )
