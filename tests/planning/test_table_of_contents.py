"""The plan page and the tertial follow-up open with a table of contents: the page's sections and its
goals, each link landing on an element of the page."""

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from tests.planning.test_plan import plan  # noqa: F401  (fixture)


def toc(page: str):
    """(link text, target id, the target's tag) for the section links, and the goal links' targets."""
    tree = lxml_html.fromstring(page)
    (nav,) = tree.xpath('//nav[contains(@class, "page-toc")]')
    sections = []
    for link in nav.xpath("./ol/li/a"):
        target = link.get("href").removeprefix("#")
        (element,) = tree.xpath(f'//*[@id="{target}"]')
        sections.append((link.text_content().strip(), target, element.tag))
    goals = [a.get("href").removeprefix("#") for a in nav.xpath('.//ul[@class="toc-tree"]//a')]
    for target in goals:
        assert tree.xpath(f'//details[@id="{target}"]')
    # The table of contents comes before every section it names.
    first_section = tree.xpath('//*[@id="tidsfrister" or @id="sammanfattning"]')[0]
    assert nav.getparent().index(nav) < nav.getparent().index(first_section)
    return sections, goals


@pytest.mark.django_db
def test_plan_page_table_of_contents(client, chef, plan):  # noqa: F811
    client.force_login(chef)
    page = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    sections, goals = toc(page)
    assert sections == [
        ("Uppföljning och tidsfrister", "tidsfrister", "details"),
        ("Målen", "malen", "h2"),
        ("Historik", "historik", "details"),
    ]
    assert sorted(goals) == sorted(f"mal-{pk}" for pk in plan.goals.values_list("pk", flat=True))
    assert len(goals) == plan.goals.count()
    assert page.count('class="card toc page-toc"') == 1  # one table of contents, not two


@pytest.mark.django_db
def test_follow_up_table_of_contents(client, chef, plan):  # noqa: F811
    client.force_login(chef)
    page = client.get(reverse("plan-follow-up", args=[plan.pk, 1])).content.decode()
    sections, goals = toc(page)
    names = [name for name, _, _ in sections]
    assert names[0] == "Läget" and "Målen" in names and names[-1] == "Godkänn och lås T1"
    assert ("Godkänn och lås T1", "las", "form") in sections
    assert len(goals) == plan.goals.count()


@pytest.mark.django_db
def test_a_konsult_gets_no_lock_section(client, konsult, plan):  # noqa: F811
    client.force_login(konsult)
    page = client.get(reverse("plan-follow-up", args=[plan.pk, 1])).content.decode()
    sections, _ = toc(page)
    assert "las" not in [target for _, target, _ in sections] and 'id="las"' not in page
