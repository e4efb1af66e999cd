"""The head opens the dashboard, switches tertial, sees the plan section, builds the tertial
report with visible progress and downloads a workbook that holds its charts."""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from reporting.workbook import SHEETS
from tests.planning.factories import GoalFactory, IndicatorFactory, PlanFactory
from tests.reporting.conftest import dataset, other, other_unit  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e


@pytest.fixture
def plan_2026(dataset):  # noqa: F811
    plan = PlanFactory(year=2026)
    goal = GoalFactory(plan=plan, level="enhet", title="Rekrytering växer")
    IndicatorFactory(goal=goal, name="Antal beställda uppdrag", measure="ordered", filters={})
    return plan


def test_head_dashboard_switch_tertial_and_build_report(page, live_server, chef, plan_2026):
    page.goto("/accounts/login/")
    page.fill("#id_username", "chef")
    page.fill("#id_password", "demo")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("link", name="Översikt").first.click()
    page.get_by_label("År", exact=True).select_option("2026")
    page.get_by_label("Period", exact=True).select_option("cum1")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt T1 2026")
    kpis = page.locator("dl.kpis")
    expect(kpis.locator("div", has_text="Beställda uppdrag").locator("dd")).to_have_text("3")
    expect(kpis.locator("div", has_text="Fakturerat").locator("dd")).to_contain_text("47 000")
    expect(page.locator("svg.chart").first).to_be_visible()
    # The plan section arrives in its own request, with a mark that does not rely on colour.
    expect(page.locator("#plan-section")).to_contain_text("Antal beställda uppdrag")
    expect(page.locator("#plan-section")).to_contain_text("– Ej bedömt")
    # Switch to T2 only.
    page.get_by_label("Period", exact=True).select_option("T2")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt T2 2026")
    expect(kpis.locator("div", has_text="Beställda uppdrag").locator("dd")).to_have_text("1")
    # A table downloads as .xlsx.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"Ladda ner \.xlsx.*Uppdrag per paket")).click()
    ws = load_workbook(BytesIO(open(info.value.path(), "rb").read())).active
    assert ws["A1"].value == "Paket" and ws.max_row == 2

    page.get_by_role("link", name="Tertialrapporter").click()
    expect(page.get_by_text("Inga tertialrapporter ännu")).to_be_visible()
    page.get_by_label("År", exact=True).select_option("2026")
    page.get_by_label("Tertial", exact=True).select_option("1")
    page.get_by_role("button", name="Skapa tertialrapport").click()
    expect(page.get_by_role("heading", name="Rapporten är klar")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Ladda ner tertialrapport-2026-T1.xlsx").click()
    wb = load_workbook(BytesIO(open(info.value.path(), "rb").read()))
    assert wb.sheetnames == SHEETS
    summary = wb["Sammanfattning"]
    assert [summary["A2"].value, summary["B2"].value] == ["Beställda uppdrag", 3]
    assert len(wb["Uppdrag"]._charts) == 2 and len(wb["Ekonomi"]._charts) == 2
