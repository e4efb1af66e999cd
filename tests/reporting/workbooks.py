"""Reading the tertial report workbook back, as its readers and the tests see it."""

from reporting.figures import KEY_FIGURES
from reporting.tertial import key_figures


def summary_values(sheet) -> dict:
    """The Sammanfattning sheet's figures by the summary API's key (the sheet shows only the
    Swedish names: the key is found through the name)."""
    keys = {figure.label: figure.key for figure in key_figures(dict.fromkeys(key for key, _ in KEY_FIGURES))}
    found = {}
    for label, value in sheet.iter_rows(min_row=2, max_col=2, values_only=True):
        if label is None:  # the table ends at the first empty row
            break
        found[keys[label]] = value
    return found
