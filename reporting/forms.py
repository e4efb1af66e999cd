from django import forms
from django.utils.translation import gettext_lazy as _

from rekrytering.forms import column_number

from .figures import MONTHS
from .models import MonthlyCost, YearOutcome


def _column(label, name="amount", model=None):
    """A field bounded by the column it is stored in (a month's cost, by default)."""
    return column_number(model or MonthlyCost, name, label=label, required=False)


class EconomyForm(forms.Form):
    """A year's actual costs month by month, and a closed year's outcome from the finance system."""

    ftes = _column(_("Årsarbetare (utfall)"), "ftes", YearOutcome)
    revenue = _column(_("Intäkter, utfall (kr)"), "revenue", YearOutcome)
    costs = _column(_("Kostnader inkl. OH, utfall (kr)"), "costs", YearOutcome)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month, name in enumerate(MONTHS, start=1):
            self.fields[f"cost_{month}"] = _column(_("Kostnader %(month)s (kr)") % {"month": name})

    def month_fields(self):
        return [self[f"cost_{month}"] for month in range(1, 13)]

    def outcome_fields(self):
        return [self["ftes"], self["revenue"], self["costs"]]

    @property
    def monthly_costs(self) -> dict:
        return {month: self.cleaned_data[f"cost_{month}"] for month in range(1, 13)}

    @property
    def outcome(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("ftes", "revenue", "costs")}
