"""Copying a price list to a new year with a raise: the preview, the rounding, the save."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assignments import services
from assignments.models import Package, PriceList
from tests.factories import PackageFactory, PriceListFactory


def prices(year):
    return dict(Package.objects.filter(price_list__year=year).values_list("name", "price"))


@pytest.mark.parametrize(
    ("price", "percent", "step", "expected"),
    [
        ("27000", "3", 1, "27810"),
        ("950", "3", 1, "979"),  # 978,50 rounds half up
        ("950", "3", 10, "980"),
        ("35000", "3", 100, "36100"),  # 36 050 → 36 100
        ("27000", "3", 100, "27800"),  # 27 810 → 27 800
        ("12000", "2.5", 1, "12300"),
        ("850.50", "0", 100, "850.50"),  # no raise: the price stays as it is
        ("1000", "-10", 1, "900"),
    ],
)
def test_raised_price(price, percent, step, expected):
    assert services.raised_price(Decimal(price), percent=Decimal(percent), step=step) == Decimal(expected)


def test_raised_price_refuses_other_steps():
    with pytest.raises(ValueError):
        services.raised_price(Decimal("100"), percent=Decimal("3"), step=5)


@pytest.mark.django_db
def test_preview_lists_old_and_new_prices_and_saves_nothing(price_list_2026):
    changes = services.price_list_copy_preview(from_year=2026, to_year=2027, percent=Decimal("3"), step=10)
    assert [(c.package.name, c.old, c.new, c.difference) for c in changes] == [
        ("Chefspaket", Decimal("35000"), Decimal("36050"), Decimal("1050")),
        ("Lilla paketet", Decimal("12000"), Decimal("12360"), Decimal("360")),
        ("Stora paketet", Decimal("27000"), Decimal("27810"), Decimal("810")),
        ("Övrig tjänst", Decimal("950"), Decimal("980"), Decimal("30")),
    ]
    assert not PriceList.objects.filter(year=2027).exists()
    assert prices(2026)["Övrig tjänst"] == Decimal("950")


@pytest.mark.django_db
def test_copy_with_raise_saves_the_previewed_prices(admin_user, price_list_2026):
    target = services.copy_price_list(
        from_year=2026, to_year=2027, percent=Decimal("3"), step=100, by=admin_user
    )
    assert target.year == 2027
    assert prices(2027) == {
        "Chefspaket": Decimal("36100"),
        "Lilla paketet": Decimal("12400"),
        "Stora paketet": Decimal("27800"),
        "Övrig tjänst": Decimal("1000"),
    }
    assert prices(2026)["Stora paketet"] == Decimal("27000")
    copied = Package.objects.get(price_list=target, code="chef")
    assert copied.is_manager_recruitment and copied.standard_hours == Decimal("36")
    assert copied.history.first().history_user == admin_user


@pytest.mark.django_db
def test_copy_to_a_year_with_a_list_is_refused_in_swedish(admin_user, price_list_2026):
    PriceListFactory(year=2027)
    with pytest.raises(ValidationError) as refused:
        services.price_list_copy_preview(from_year=2026, to_year=2027, percent=Decimal("3"))
    assert refused.value.messages == [
        "Det finns redan en prislista för 2027. Ändra priserna i den, "
        "eller välj ett annat år att kopiera till."
    ]
    with pytest.raises(ValidationError):
        services.copy_price_list(from_year=2026, to_year=2027, percent=Decimal("3"), by=admin_user)
    assert PriceList.objects.get(year=2027).packages.count() == 0


@pytest.mark.django_db
def test_copy_refuses_a_price_too_large_for_the_column(admin_user):
    PackageFactory(price_list=PriceListFactory(year=2026), price=Decimal("9999999999"))
    with pytest.raises(ValidationError, match="för stort för Stora paketet"):
        services.copy_price_list(from_year=2026, to_year=2027, percent=Decimal("100"), by=admin_user)
    assert not PriceList.objects.filter(year=2027).exists()


# --- The page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_without_choices_shows_the_form_only(client, admin_user, price_list_2026):
    client.force_login(admin_user)
    response = client.get(reverse("pricelist-copy", args=[2026]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="2027"' in html and "Förhandsgranska" in html
    assert "Spara prislistan" not in html


@pytest.mark.django_db
def test_preview_page_shows_each_package_and_saves_nothing(
    client, admin_user, price_list_2026, django_assert_max_num_queries
):
    client.force_login(admin_user)
    url = reverse("pricelist-copy", args=[2026])
    with django_assert_max_num_queries(8):
        response = client.get(url, {"to_year": "2027", "percent": "3", "step": "10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prislista 2027: förhandsgranskning" in html
    assert "27\xa0000\xa0kr" in html and "27\xa0810\xa0kr" in html
    rows = [(c.package.name, c.new) for c in response.context["changes"]]
    assert ("Stora paketet", Decimal("27810")) in rows and ("Övrig tjänst", Decimal("980")) in rows
    assert "Spara prislistan för 2027" in html
    assert not PriceList.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_confirming_the_preview_saves_the_list(client, admin_user, price_list_2026):
    client.force_login(admin_user)
    response = client.post(
        reverse("pricelist-copy", args=[2026]), {"to_year": "2027", "percent": "2,5", "step": "100"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("pricelist-detail", args=[2027])
    assert prices(2027)["Stora paketet"] == Decimal("27700")  # 27 675 → 27 700
    page = client.get(response["Location"])
    assert "Prislistan för 2027 är sparad, kopierad från 2026." in page.content.decode()


@pytest.mark.django_db
def test_existing_target_year_is_a_swedish_error_on_preview_and_save(client, admin_user, price_list_2026):
    PriceListFactory(year=2027)
    client.force_login(admin_user)
    url = reverse("pricelist-copy", args=[2026])
    html = client.get(url, {"to_year": "2027", "percent": "3"}).content.decode()
    assert "Det finns redan en prislista för 2027." in html
    assert "Spara prislistan" not in html
    response = client.post(url, {"to_year": "2027", "percent": "3", "step": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prislistan sparades inte. Rätta felen nedan." in html
    assert "Det finns redan en prislista för 2027." in html
    assert PriceList.objects.get(year=2027).packages.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to_year": "2027", "percent": "tre"}, "Ange ett tal"),
        ({"to_year": "2027", "percent": "150"}, "100"),
        ({"to_year": "2027", "percent": "3", "step": "5"}, "Välj hela kronor, tiotal eller hundratal."),
        ({"to_year": "", "percent": "3"}, "obligatoriskt"),
    ],
)
def test_bad_choices_are_swedish_errors(client, admin_user, price_list_2026, data, message):
    client.force_login(admin_user)
    response = client.post(reverse("pricelist-copy", args=[2026]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PriceList.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_only_admins_copy(client, konsult, price_list_2026):
    client.force_login(konsult)
    url = reverse("pricelist-copy", args=[2026])
    assert client.get(url, {"to_year": "2027"}).status_code == 403
    assert client.post(url, {"to_year": "2027"}).status_code == 403
    assert not PriceList.objects.filter(year=2027).exists()
