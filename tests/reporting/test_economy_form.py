"""The economy form takes its bounds from the columns it fills: no number the database cannot hold."""

from reporting.forms import EconomyForm


def test_numbers_beyond_the_columns_are_refused_in_swedish():
    data = {"ftes": "12345", "revenue": "1 000 000 000 000", "cost_1": "-5", "cost_2": "1 200,50"}
    form = EconomyForm(data=data)
    assert not form.is_valid()
    assert "”12345” är för stort" in form.errors["ftes"][0]
    assert "”1 000 000 000 000” är för stort" in form.errors["revenue"][0]
    assert "för litet" in form.errors["cost_1"][0]
    assert "cost_2" not in form.errors
