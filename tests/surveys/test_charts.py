"""The survey pages' charts: NPS per year (with the published result before the system's own) and the
share of satisfied answers per question, each with its numbers as a table."""

from datetime import date

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from surveys.models import Kind
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory
from tests.surveys.test_results import respond


def chart_table(page: str, key: str) -> list[list[str]]:
    """The rows (cell texts) of the table beside the chart `key`, or [] when the page has no such chart."""
    tree = lxml_html.fromstring(page)
    section = tree.xpath(f'//section[@aria-labelledby="c-{key}"]')
    if not section:
        return []
    return [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
        for row in section[0].xpath(".//tbody/tr")
    ]


def chart_texts(page: str, key: str) -> list[str]:
    tree = lxml_html.fromstring(page)
    return [t.text_content() for t in tree.xpath(f'//section[@aria-labelledby="c-{key}"]//svg//text')]


@pytest.fixture
def assignment(db, konsult):
    return AssignmentFactory(
        responsible=konsult, package=PackageFactory(price_list=PriceListFactory(year=2026))
    )


@pytest.fixture
def answered(assignment):
    # 2026: helhet 9, 9, 4 → 66,7 % satisfied; nps 10, 9, 3 → 2 promoters, 1 detractor → NPS 33,3.
    for day, helhet, nps in ((1, 9, 10), (2, 9, 9), (3, 4, 3)):
        respond(Kind.KUND, date(2026, 2, day), {"helhet": helhet, "nps": nps}, assignment=assignment)
    return assignment


@pytest.mark.django_db
def test_results_page_draws_nps_per_year_with_published_history(client, chef, answered):
    client.force_login(chef)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    # No answers in the system for 2025: the published NPS (86,4) stands for that year.
    assert chart_table(page, "nps-ar") == [
        ["2025", "86,4", "Publicerat resultat", "–"],
        ["2026", "33,3", "Svar i systemet", "3"],
    ]
    texts = chart_texts(page, "nps-ar")
    assert "86,4" in texts and "33,3" in texts and "2025" in texts
    assert 'aria-labelledby="chart-nps-ar-title"' in page and "Diagram: NPS per år" in page


@pytest.mark.django_db
def test_results_page_draws_share_satisfied_per_question(client, chef, answered):
    client.force_login(chef)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    rows = chart_table(page, "nojda-kundenkat")
    overall = next(row for row in rows if row[0].startswith("Hur nöjd är du med tjänsten"))
    assert overall[1:] == ["66,7", "3"]
    # Only 1–10 questions: the NPS question is not a share of satisfied answers.
    assert all("rekommendera" not in row[0] for row in rows)
    assert "66,7" in chart_texts(page, "nojda-kundenkat")


@pytest.mark.django_db
def test_a_konsult_sees_own_nps_per_year_without_the_departments_published_figure(client, konsult, answered):
    client.force_login(konsult)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    assert chart_table(page, "nps-ar") == [["2026", "33,3", "Svar i systemet", "3"]]


@pytest.mark.django_db
def test_own_answers_replace_the_published_figure_of_their_year(client, chef, answered):
    # 2025 in the system: nps 10 and 5 → NPS 0, not the published 86,4.
    respond(Kind.KUND, date(2025, 3, 1), {"helhet": 10, "nps": 10}, assignment=answered)
    respond(Kind.KUND, date(2025, 3, 2), {"helhet": 10, "nps": 5}, assignment=answered)
    client.force_login(chef)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    assert chart_table(page, "nps-ar")[0] == ["2025", "0", "Svar i systemet", "2"]
    # The chosen year bounds the history: 2025's page has no 2026.
    page = client.get(reverse("survey-results"), {"year": 2025, "period": "year"}).content.decode()
    assert [row[0] for row in chart_table(page, "nps-ar")] == ["2025"]


@pytest.mark.django_db
def test_comparison_page_draws_nps_per_year(client, chef, answered):
    client.force_login(chef)
    page = client.get(reverse("survey-comparison")).content.decode()
    assert chart_table(page, "nps-ar") == [
        ["2025", "86,4", "Publicerat resultat", "–"],
        ["2026", "33,3", "Svar i systemet", "3"],
    ]
    # The candidate survey has no NPS question: no chart.
    page = client.get(reverse("survey-comparison"), {"enkat": Kind.KANDIDAT}).content.decode()
    assert chart_table(page, "nps-ar") == []


@pytest.mark.django_db
def test_the_charts_cost_one_query_and_do_not_grow_with_answers(
    client, chef, answered, django_assert_max_num_queries
):
    client.force_login(chef)
    with django_assert_max_num_queries(60) as first:
        client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"})
    for day in range(4, 20):
        respond(Kind.KUND, date(2025, 2, day), {"helhet": 8, "nps": 9}, assignment=answered)
        respond(Kind.KUND, date(2026, 2, day), {"helhet": 8, "nps": 9}, assignment=answered)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).status_code == 200
    nps_queries = [q["sql"] for q in first.captured_queries if "EXTRACT" in q["sql"].upper()]
    assert len(nps_queries) == 1


@pytest.mark.django_db
def test_spara_som_citat_is_not_styled_as_danger(client, chef, assignment):
    respond(Kind.KUND, date(2026, 2, 1), {"helhet": 9, "kommentar": "Mycket bra"}, assignment=assignment)
    client.force_login(chef)
    page = client.get(reverse("survey-results"), {"year": 2026, "period": "cum1"}).content.decode()
    tree = lxml_html.fromstring(page)
    save = tree.xpath('//button[normalize-space(text())="Spara som citat"]')[0]
    assert "danger" not in save.get("class") and "button" in save.get("class").split()
