"""What users read for a measure and its selection: Swedish, in the plan page and the export."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from planning.excel import import_plan
from planning.labels import describe_filters, measure_key, measure_label
from planning.models import Indicator
from tests.factories import PackageFactory, PriceListFactory
from tests.planning.test_plan import plan  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_a_selection_reads_in_swedish():
    PackageFactory(price_list=PriceListFactory(year=2025), code="stor", name="Stor rekrytering (2025)")
    PackageFactory(price_list=PriceListFactory(year=2026), code="stor", name="Stor rekrytering")
    assert describe_filters({"package": "stor"}) == "Paket: Stor rekrytering"
    assert (
        describe_filters({"package": ["stor", "okänd"], "sector": "Äldreomsorg", "organisation_kind": "sdf"})
        == "Paket: Stor rekrytering, okänd; Verksamhet: Äldreomsorg; "
        "Typ av organisation: Stadsdelsförvaltning"
    )
    assert describe_filters({"flag": "personal_letter", "without": True}) == "Uppdrag: utan personligt brev"
    assert describe_filters({"kind": "kandidatenkat", "question": "helhetsomdome"}).startswith(
        "Enkät: Kandidatenkät; Fråga: "
    )
    assert "helhetsomdome" not in describe_filters({"kind": "kandidatenkat", "question": "helhetsomdome"})
    assert measure_label("share_of_entered") == "Andel av angiven nämnare (%)"
    assert (
        measure_key("Andel av angiven nämnare (%)") == measure_key("share_of_entered") == "share_of_entered"
    )
    assert measure_key("") == "" and measure_key("påhittat") is None


@pytest.mark.django_db
def test_the_export_shows_labels_and_keeps_the_keys_for_the_import(client, chef, plan):  # noqa: F811
    PackageFactory(price_list=PriceListFactory(year=2026), code="chef", name="Chefspaket")
    Indicator.objects.create(
        goal=plan.goals.first(), name="Andel av stadens annonser", measure="share_of_entered", filters={}
    )
    client.force_login(chef)
    content = client.get(reverse("plan-export", args=[plan.pk])).content
    sheet = load_workbook(io.BytesIO(content))["Indikatorer"]
    header = [c.value for c in sheet[1]]
    rows = {
        row[1]: dict(zip(header, row, strict=False)) for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    computed = rows["Antal beställda chefsrekryteringar"]
    assert (computed["Mått"], computed["Urval"]) == ("Antal beställda uppdrag", "Paket: Chefspaket")
    assert (computed["Mått, kod"], computed["Urval, kod"]) == ("ordered", '{"package": "chef"}')
    assert rows["Andel av stadens annonser"]["Mått"] == "Andel av angiven nämnare (%)"
    # The user-facing columns carry no keys or JSON
    for row in rows.values():
        assert "{" not in (row["Urval"] or "") and "_" not in (row["Mått"] or "")
    result = import_plan(year=2031, file=io.BytesIO(content))
    assert not result.errors
    again = Indicator.objects.get(goal__plan=result.plan, name="Antal beställda chefsrekryteringar")
    assert (again.measure, again.filters) == ("ordered", {"package": "chef"})


@pytest.mark.django_db
def test_the_plan_page_names_the_measure_and_selection_in_swedish(client, chef, plan):  # noqa: F811
    PackageFactory(price_list=PriceListFactory(year=2026), code="chef", name="Chefspaket")
    client.force_login(chef)
    page = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert "Räknas fram: Antal beställda uppdrag" in page and "Paket: Chefspaket" in page
