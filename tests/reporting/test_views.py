from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from reporting.models import TertialReport
from reporting.workbook import SHEETS
from tests.factories import AssignmentFactory, UserFactory
from tests.reporting.workbooks import summary_values

DASHBOARD = reverse("reporting-dashboard")


@pytest.mark.django_db
def test_head_sees_the_department_and_charts(client, chef, dataset):
    client.force_login(chef)
    response = client.get(DASHBOARD, {"ar": 2026, "period": "cum1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Översikt T1 2026" in html
    assert html.count('<svg class="chart"') >= 5
    assert response.context["data"]["keys"]["uppdrag_bestallda"] == 3
    assert "Sammandrag per år" in html and "Per konsult" in html


@pytest.mark.django_db
def test_konsult_sees_only_their_own_slice(client, konsult, konsult2, dataset):
    client.force_login(konsult)
    # Asking for the whole unit or another consultant is ignored: a konsult sees their own figures.
    response = client.get(DASHBOARD, {"ar": 2026, "period": "cum1", "konsult": konsult2.pk, "enhet": ""})
    assert response.status_code == 200
    data = response.context["data"]
    assert data["assignments"]["ordered"] == 1
    assert [row[0] for row in data["tables"]["konsulter"].rows] == [konsult.get_full_name()]
    html = response.content.decode()
    assert konsult2.get_full_name() not in html
    assert "Sammandrag per år" not in html
    assert client.get(reverse("report-list")).status_code == 403
    assert client.post(reverse("report-create"), {"ar": 2026, "tertial": 1}).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_bad_period_input_falls_back_without_error(client, chef, dataset):
    client.force_login(chef)
    for query in ({"ar": "x", "period": "T9"}, {"ar": "99999"}, {"enhet": "abc", "konsult": "zz"}):
        assert client.get(DASHBOARD, query).status_code == 200
    assert client.get(DASHBOARD, {"tabell": "finns-inte"}).status_code == 404


@pytest.mark.django_db
def test_every_table_downloads_as_xlsx(client, chef, dataset):
    client.force_login(chef)
    response = client.get(DASHBOARD, {"ar": 2026, "period": "cum1"})
    for key, table in response.context["tables"].items():
        download = client.get(DASHBOARD, {"ar": 2026, "period": "cum1", "tabell": key})
        assert download.status_code == 200, key
        ws = load_workbook(BytesIO(download.content)).active
        assert [c.value for c in ws[1]] == table.columns
        assert ws.max_row == len(table.rows) + 1
    ws = load_workbook(
        BytesIO(client.get(DASHBOARD, {"ar": 2026, "period": "cum1", "tabell": "paket"}).content)
    ).active
    assert {row[1]: row[2] for row in ws.iter_rows(min_row=2, values_only=True)} == {
        "stora": 1,
        "chef": 1,
        "lilla": 1,
    }


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_the_data(client, chef, dataset, konsult):
    client.force_login(chef)
    query = {"ar": 2026, "period": "cum1"}
    client.get(DASHBOARD, query)
    with CaptureQueriesContext(connection) as before:
        client.get(DASHBOARD, query)
    for _ in range(5):
        user = UserFactory(role="konsult")
        AssignmentFactory(responsible=user)
        AssignmentFactory(responsible=konsult)
    with CaptureQueriesContext(connection) as after:
        client.get(DASHBOARD, query)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(after.captured_queries) <= 30


@pytest.mark.django_db
def test_tertial_report_is_built_with_its_sheets_numbers_and_charts(client, chef, dataset, settings):
    client.force_login(chef)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        response = client.post(reverse("report-create"), {"ar": 2026, "tertial": 1})
    report = TertialReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report-detail", args=[report.pk])
    assert report.state == TertialReport.State.DONE and report.percent == 100
    wb = load_workbook(report.file.path)
    assert wb.sheetnames == SHEETS
    summary = wb["Sammanfattning"]
    # Swedish names only (no summary API keys); numbers are numbers with a Swedish number format.
    assert [c.value for c in summary[1]] == ["Nyckeltal", "Värde"]
    assert [summary["A2"].value, summary["B2"].value] == ["Beställda uppdrag", 3]
    assert not any("_" in str(cell.value) for cell in summary["A"] if cell.value)
    assert summary["A5"].value == "Fakturerade intäkter" and summary["B5"].value == 47000
    assert summary["B5"].number_format == '[$-41D]#,##0 "kr"'
    values = summary_values(summary)
    assert values["uppdrag_bestallda"] == 3
    assert values["uppdrag_avslutade"] == 3
    assert values["intakter_fakturerade"] == 47000
    assert values["intakt_per_arsarbetare"] == 41000  # intäkter 82 000 / 2 FTEs
    assert values["kund_nps"] is None  # no survey answers: empty, not 0
    assert isinstance(values["uppdrag_bestallda"], int)
    assert len(wb["Uppdrag"]._charts) == 2 and len(wb["Ekonomi"]._charts) == 2
    # The page lists it with both downloads; the head got an e-mail with the link.
    listing = client.get(reverse("report-list")).content.decode()
    assert "tertialrapport-2026-T1.xlsx" in listing and "tertialrapport-2026-T1.docx" in listing
    detail = client.get(report.get_absolute_url()).content.decode()
    word_url = reverse("report-document", args=[report.pk])
    assert f'href="{word_url}" download>Ladda ner tertialrapport-2026-T1.docx (Word)' in detail
    download = client.get(reverse("report-download", args=[report.pk]))
    assert download.status_code == 200
    assert load_workbook(BytesIO(b"".join(download.streaming_content))).sheetnames == SHEETS
    word = client.get(word_url)
    assert word.status_code == 200
    assert word["Content-Disposition"] == 'attachment; filename="tertialrapport-2026-T1.docx"'
    heading = Document(BytesIO(b"".join(word.streaming_content))).paragraphs[7]
    assert (heading.style.name, heading.text) == ("Title", "Tertialrapport 1 2026")
    assert len(mail.outbox) == 1 and f"/rapporter/tertialrapporter/{report.pk}/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_report_built_before_the_document_offers_only_the_workbook(client, chef, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = TertialReport.objects.create(
        year=2025,
        tertial=3,
        created_by=chef,
        state=TertialReport.State.DONE,
        file=ContentFile(b"PK", name="tertialrapport-2025-T3.xlsx"),
    )
    client.force_login(chef)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Ladda ner tertialrapport-2025-T3.xlsx (Excel)" in page and ".docx" not in page
    assert "Skapa rapporten på nytt för att få det." in page
    missing = client.get(reverse("report-document", args=[report.pk]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_report_form_rejects_bad_input_in_swedish(client, chef):
    client.force_login(chef)
    response = client.post(reverse("report-create"), {"ar": "tjugo", "tertial": "4"}, follow=True)
    text = response.content.decode()
    assert "Välj ett år mellan 2000 och 2100." in text and "Välj tertial 1, 2 eller 3." in text
    assert not TertialReport.objects.exists()


@pytest.mark.django_db
def test_progress_partial_while_running(client, chef):
    client.force_login(chef)
    report = TertialReport.objects.create(
        year=2026, tertial=2, created_by=chef, state="running", processed=3, total=10
    )
    response = client.get(reverse("report-detail", args=[report.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "Steg 3 av 10" in html and "<html" not in html


# --- Summary API ----------------------------------------------------------------------------

API = "/api/v1/reports/summary/"


@pytest.mark.django_db
def test_summary_api_matches_the_report(client, chef, dataset):
    token = Token.objects.create(user=chef)
    response = client.get(API, {"year": 2026, "tertial": 1}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    data = response.json()
    assert data["uppdrag_bestallda"] == 3 and data["uppdrag_avslutade"] == 3
    assert data["intakter_fakturerade"] == 47000.0
    assert data["intakt_per_arsarbetare"] == 41000.0
    assert data["kund_nps"] is None and data["matchning_snitt"] is None
    assert data["uppdrag_per_paket"] == {"stora": 1, "chef": 1, "lilla": 1}
    t2 = client.get(
        API, {"year": 2026, "tertial": 2, "cumulative": "false"}, HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert t2.json()["uppdrag_per_paket"] == {"stora": 1}
    cum2 = client.get(API, {"year": 2026, "tertial": 2}, HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert cum2["uppdrag_bestallda"] == 4 and cum2["period"] == "cum2"


@pytest.mark.django_db
def test_summary_api_permissions_and_validation(client, konsult, chef):
    assert client.get(API, {"year": 2026, "tertial": 1}).status_code in (401, 403)
    client.force_login(konsult)
    assert client.get(API, {"year": 2026, "tertial": 1}).status_code == 403
    client.force_login(chef)
    bad = client.get(API, {"year": "x", "tertial": 4})
    assert bad.status_code == 400
    assert bad.json() == {
        "year": ["Ange året som ett heltal, t.ex. 2026."],
        "tertial": ["Tertial måste vara 1, 2 eller 3."],
    }


# --- Costs and outcomes ---------------------------------------------------------------------


@pytest.mark.django_db
def test_head_enters_monthly_costs_and_the_result_follows(client, chef, dataset):
    from reporting.models import MonthlyCost, YearOutcome

    client.force_login(chef)
    url = reverse("economy-edit", args=[2026])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"]["cost_1"].value() == Decimal("10000.00")
    data = {f"cost_{m}": "" for m in range(1, 13)} | {"cost_1": "20 000", "cost_2": "5000,50"}
    response = client.post(url, data | {"ftes": "", "revenue": "", "costs": ""})
    assert response.status_code == 302
    assert dict(MonthlyCost.objects.filter(year=2026).values_list("month", "amount")) == {
        1: Decimal("20000"),
        2: Decimal("5000.50"),
    }
    assert not YearOutcome.objects.filter(year=2026).exists()
    dashboard = client.get(DASHBOARD, {"ar": 2026, "period": "cum1"})
    # March and April have no entered costs: the cost budget's month (1 100 000 less December's
    # 25 %, over eleven months = 75 000) stands in for them.
    costs = Decimal("25000.50") + 2 * Decimal("75000")
    assert dashboard.context["data"]["economy"]["result"] == Decimal("82000") - costs


@pytest.mark.django_db
def test_bad_cost_input_is_named_and_nothing_is_saved(client, chef, dataset):
    from reporting.models import MonthlyCost

    client.force_login(chef)
    data = {f"cost_{m}": "1000" for m in range(1, 13)} | {"cost_3": "tusen", "ftes": "-1"}
    response = client.post(reverse("economy-edit", args=[2026]), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ange ett tal, till exempel 24 000 eller 9,5." in text
    assert "Kostnader mar (kr)" in text
    assert response.context["form"].errors.keys() == {"cost_3", "ftes"}
    assert (
        sorted(MonthlyCost.objects.filter(year=2026).values_list("amount", flat=True))
        == [Decimal("10000")] * 4
    )


@pytest.mark.django_db
def test_only_heads_enter_costs(client, konsult):
    client.force_login(konsult)
    assert client.get(reverse("economy-edit", args=[2026])).status_code == 403
    assert client.post(reverse("economy-edit", args=[2026]), {"cost_1": "1"}).status_code == 403


@pytest.mark.django_db
def test_plan_section_marks_indicators_and_downloads_its_tables(client, chef, dataset):
    from tests.planning.factories import GoalFactory, IndicatorFactory, PlanFactory

    plan = PlanFactory(year=2026)
    goal = GoalFactory(plan=plan, level="enhet", title="Rekrytering växer")
    indicator = IndicatorFactory(goal=goal, name="Beställda uppdrag", measure="ordered", filters={})
    from planning.targets import apply_target

    apply_target(indicator, "2 st")
    indicator.save()
    client.force_login(chef)
    url = reverse("reporting-plan")
    fragment = client.get(url, {"ar": 2026, "period": "cum1"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html and "✓ Uppfyllt" in html  # 3 ordered against at least 2
    assert f'href="{url}?ar=2026&amp;period=cum1&amp;tabell=indikatorer"' in html
    download = client.get(url, {"ar": 2026, "period": "cum1", "tabell": "indikatorer"})
    ws = load_workbook(BytesIO(download.content)).active
    assert list(ws.iter_rows(min_row=2, values_only=True)) == [("Beställda uppdrag", "2 st", 3, "✓ Uppfyllt")]
    assert client.get(url, {"tabell": "paket"}).status_code == 404


@pytest.mark.django_db
def test_a_table_downloads_whatever_the_plan_is_called(client, chef):
    """The indicator table's sheet is named after the plan; a name Excel forbids in a sheet name
    (here ':' and '/') must not break the download."""
    from tests.planning.factories import GoalFactory, IndicatorFactory, PlanFactory

    IndicatorFactory(goal=GoalFactory(plan=PlanFactory(year=2026, title="VP: 1/2")), name="Nöjda kunder")
    client.force_login(chef)
    download = client.get(reverse("reporting-plan"), {"ar": 2026, "period": "cum1", "tabell": "indikatorer"})
    assert download.status_code == 200
    ws = load_workbook(BytesIO(download.content)).active
    assert ws.title == "Indikatorer T1 (VP- 1-2)"
    assert ws["A2"].value == "Nöjda kunder"
