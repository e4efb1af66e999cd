"""The package filters of the assignment list and the survey results name each year's own packages."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from assignments.selectors import package_choices
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory


@pytest.fixture
def lists(db):
    """2021 names the manager package "Rekrytering chef" and sells Lärarpaket; 2025 and 2026 call
    it "Chefspaket" and no longer sell Lärarpaket."""
    old, mid, new = (PriceListFactory(year=y) for y in (2021, 2025, 2026))
    packages = {
        "chef-2021": PackageFactory(price_list=old, code="chef", name="Rekrytering chef"),
        "larare-2021": PackageFactory(price_list=old, code="larare", name="Lärarpaket"),
        "stora-2021": PackageFactory(price_list=old, code="stora", name="Stora paketet"),
        "chef-2025": PackageFactory(price_list=mid, code="chef", name="Chefspaket"),
        "stora-2025": PackageFactory(price_list=mid, code="stora", name="Stora paketet"),
        "chef-2026": PackageFactory(price_list=new, code="chef", name="Chefspaket"),
        "stora-2026": PackageFactory(price_list=new, code="stora", name="Stora paketet"),
    }
    return packages


def test_a_year_shows_its_own_price_list(lists, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert package_choices(2021) == [
            ("larare", "Lärarpaket"),
            ("chef", "Rekrytering chef"),
            ("stora", "Stora paketet"),
        ]
    assert package_choices(2026) == [("chef", "Chefspaket"), ("stora", "Stora paketet")]


def test_without_a_year_each_code_once_with_the_other_years_names(lists):
    assert package_choices() == [
        ("chef", "Chefspaket (2021: Rekrytering chef)"),
        ("larare", "Lärarpaket (2021)"),
        ("stora", "Stora paketet"),
    ]
    # A year without a price list falls back to every year's names.
    assert package_choices(2019) == package_choices()


def test_a_saved_choice_outside_the_year_stays_choosable(lists):
    assert package_choices(2026, keep="larare") == [
        ("chef", "Chefspaket"),
        ("larare", "Lärarpaket (2021)"),
        ("stora", "Stora paketet"),
    ]
    # An unknown code is not invented.
    assert [code for code, _ in package_choices(2026, keep="finns-inte")] == ["chef", "stora"]


def test_the_assignment_list_names_the_chosen_years_packages(client, chef, lists):
    AssignmentFactory(package=lists["chef-2021"], ordered_on="2021-03-01", role_title="Rektor")
    AssignmentFactory(package=lists["chef-2026"], ordered_on="2026-03-01", role_title="Förskolechef")
    client.force_login(chef)
    page = client.get(reverse("assignment-list"), {"year": "2021"}).content.decode()
    assert '<option value="chef">Rekrytering chef</option>' in page and "Chefspaket" not in page
    page = client.get(reverse("assignment-list"), {"year": "2026"}).content.decode()
    assert '<option value="chef">Chefspaket</option>' in page and "Rekrytering chef" not in page
    page = client.get(reverse("assignment-list"), {"visa": "alla"}).content.decode()
    assert '<option value="chef">Chefspaket (2021: Rekrytering chef)</option>' in page
    # Old links (?package=chef) filter by the code as before, in every year.
    response = client.get(reverse("assignment-list"), {"visa": "alla", "package": "chef"})
    assert {a.role_title for a in response.context["assignments"]} == {"Rektor", "Förskolechef"}
    assert '<option value="chef" selected>Chefspaket (2021: Rekrytering chef)</option>' in (
        response.content.decode()
    )
    # A saved filter with a package the year does not sell is still valid (no error, the option kept).
    response = client.get(reverse("assignment-list"), {"year": "2026", "package": "larare"})
    page = response.content.decode()
    assert '<option value="larare" selected>Lärarpaket (2021)</option>' in page
    assert list(response.context["assignments"]) == []


@freeze_time("2026-12-07")  # the results form offers the last eight years
def test_the_survey_results_name_the_chosen_years_packages(client, chef, lists):
    client.force_login(chef)
    page = client.get(reverse("survey-results"), {"year": 2021, "period": "year"}).content.decode()
    assert '<option value="chef">Rekrytering chef</option>' in page and "Chefspaket" not in page
    page = client.get(
        reverse("survey-results"), {"year": 2026, "period": "year", "package": "chef"}
    ).content.decode()
    assert '<option value="chef" selected>Chefspaket</option>' in page and "Rekrytering chef" not in page
