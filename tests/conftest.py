import openpyxl.utils.datetime  # noqa: F401 - first import outside freezegun (see below)
import pandas  # noqa: F401 - likewise: its C date types crash when first imported under freeze_time
import pytest

from assignments.models import User
from tests.factories import HourlyRateFactory, PackageFactory, PriceListFactory, UnitFactory, UserFactory

# openpyxl keys its date formats by the date classes it sees when first imported: imported first
# inside a freeze_time test, the keys were freezegun's fake classes and a real date from the
# database could not be written ("Could not get time format for None"). Importing it here first
# keeps the real classes, whichever test runs first.


@pytest.fixture
def unit(db):
    return UnitFactory(name="Enhet 1")


@pytest.fixture
def konsult(db, unit):
    return UserFactory(username="konsult", role=User.Role.KONSULT, unit=unit, initials="KON")


@pytest.fixture
def konsult2(db, unit):
    return UserFactory(username="konsult2", role=User.Role.KONSULT, unit=unit, initials="KO2")


@pytest.fixture
def samordnare(db, unit):
    return UserFactory(username="samordnare", role=User.Role.SAMORDNARE, unit=unit, initials="SAM")


@pytest.fixture
def chef(db, unit):
    return UserFactory(username="chef", role=User.Role.CHEF, unit=unit, initials="CHE")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=User.Role.ADMIN, initials="ADM")


@pytest.fixture
def price_list_2026(db):
    price_list = PriceListFactory(year=2026)
    PackageFactory(price_list=price_list)
    PackageFactory(
        price_list=price_list,
        code="chef",
        name="Chefspaket",
        price=35000,
        is_manager_recruitment=True,
        standard_hours=36,
        sends_match_survey=True,
    )
    PackageFactory(
        price_list=price_list,
        code="lilla",
        name="Lilla paketet",
        price=12000,
        standard_hours=15,
        is_whole_process=False,
    )
    HourlyRateFactory(price_list=price_list)
    return price_list


@pytest.fixture(autouse=True)
def _celery_eager_unless_integration(request, settings):
    """Tasks run in-process in unit tests, even in CI where REDIS_URL names a real broker.

    Tests marked `integration` run against a real worker instead.
    """
    from rekrytering.celery import app

    eager = request.node.get_closest_marker("integration") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache holds the survey pages' per-IP counters: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _same_fake_names(request):
    """factory_boy's Faker draws the same names in every run of a test, so a test that passes once
    passes again (a name that happens to match what a test looks for would otherwise come and go)."""
    import factory.random

    factory.random.reseed_random(request.node.nodeid)
    yield
