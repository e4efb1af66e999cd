"""The type-ahead chooser as a person meets it, for the browser tests.

A ``<select data-chooser>`` is a native list (role *combobox*, with the field's label) until the
page's script has made it a Tom Select, whose text field then carries the role and the label and
the ``<select>`` is hidden. A test that looks the chooser up by role straight after a navigation can
find the native list if the script has not run yet, and typing into a ``<select>`` fails. The
locator below matches the text field only, so Playwright waits for the script.
"""


def type_ahead(page, label):
    """The chooser labelled `label`: its text field, once the page's script has made it."""
    return page.get_by_role("combobox", name=label, exact=True).and_(page.locator("input"))


def choosers_ready(page):
    """Wait until every chooser on the page has been made (Tom Select marks its <select> `tomselected`),
    for a test that reaches the choosers by the keyboard or by script rather than by a locator."""
    page.wait_for_function("() => !document.querySelector('select[data-chooser]:not(.tomselected)')")
