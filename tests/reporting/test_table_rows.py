"""The dashboard's table rows are built in Python: escaped, formatted and labelled."""

from decimal import Decimal

from rekrytering.charts import Table
from reporting.templatetags.reporting import table_rows


def test_rows_are_escaped_formatted_and_labelled():
    table = Table(
        "t",
        "T",
        ["Namn", "Belopp (kr)", "Andel"],
        [["<b>Ö & Co</b>", Decimal("1234567"), None], ['"x"', 5, Decimal("12.34")]],
        formats=["", "kr", "pct"],
    )
    html = str(table_rows(table))
    assert html.split("\n")[0] == (
        '<tr><th scope="row" data-label="Namn">&lt;b&gt;Ö &amp; Co&lt;/b&gt;</th>'
        '<td class="num" data-label="Belopp (kr)">1\xa0234\xa0567</td>'
        '<td class="num" data-label="Andel">–</td></tr>'
    )
    assert '<th scope="row" data-label="Namn">&quot;x&quot;</th>' in html and ">12,3<" in html
