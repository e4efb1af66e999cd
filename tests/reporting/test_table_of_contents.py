"""The dashboard's table of contents: a link to each section, each section a <details> opened by default."""

import pytest
from django.urls import reverse
from lxml import html as lxml_html

DASHBOARD = reverse("reporting-dashboard")


def toc(page: str) -> list[tuple[str, str, str]]:
    """(link text, target id, the target's tag) for each link of the page's table of contents."""
    tree = lxml_html.fromstring(page)
    (nav,) = tree.xpath('//nav[contains(@class, "page-toc")]')
    found = []
    for link in nav.xpath(".//ol/li/a"):
        target = link.get("href").removeprefix("#")
        (element,) = tree.xpath(f'//*[@id="{target}"]')
        found.append((link.text_content().strip(), target, element.tag))
    return found


@pytest.mark.django_db
def test_head_gets_a_link_to_every_section(client, chef, dataset):
    client.force_login(chef)
    page = client.get(DASHBOARD, {"ar": 2026, "period": "cum1"}).content.decode()
    assert toc(page) == [
        ("Nyckeltal", "nyckeltal", "details"),
        ("Uppdrag", "uppdrag", "details"),
        ("Ekonomi", "ekonomi", "details"),
        ("Tid", "tid", "details"),
        ("Ledtider och omtag", "ledtider", "details"),
        ("Enkäter", "enkater", "details"),
        ("Verksamhetsplan", "verksamhetsplan", "details"),
        ("Per konsult", "per-konsult", "details"),
    ]
    tree = lxml_html.fromstring(page)
    sections = tree.xpath('//details[contains(@class, "page-section")]')
    # Open by default, each titled by its heading in the summary, and the tables inside their section.
    assert all(s.get("open") is not None for s in sections)
    assert [s.xpath("./summary/h2")[0].text_content() for s in sections] == [t[0] for t in toc(page)]
    assert tree.xpath('//details[@id="enkater"]//section[@aria-labelledby="t-enkater"]')
    assert tree.xpath('//details[@id="per-konsult"]//section[@aria-labelledby="t-konsulter"]')
    assert tree.xpath('//details[@id="ekonomi"]//section[@aria-labelledby="t-intakter-manad"]')
    assert tree.xpath('//details[@id="ledtider"]//section[@aria-labelledby="t-omtag-paket"]')


@pytest.mark.django_db
def test_a_konsult_gets_only_the_sections_shown(client, konsult, dataset):
    client.force_login(konsult)
    page = client.get(DASHBOARD, {"ar": 2026, "period": "cum1"}).content.decode()
    names = [name for name, _, _ in toc(page)]
    assert "Verksamhetsplan" not in names and 'id="verksamhetsplan"' not in page
    assert names[:2] == ["Nyckeltal", "Uppdrag"] and names[-1] == "Per konsult"
