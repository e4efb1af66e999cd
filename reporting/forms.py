from django import forms
from django.utils.translation import gettext_lazy as _

from rekrytering.forms import SwedishDecimalField

from .figures import MONTHS


def _money(label):
    return SwedishDecimalField(label=label, required=False, min_value=0, max_digits=14, decimal_places=2)


class EconomyForm(forms.Form):
    """A year's actual costs month by month, and a closed year's outcome from the finance system."""

    ftes = SwedishDecimalField(
        label=_("Årsarbetare (utfall)"), required=False, min_value=0, max_digits=6, decimal_places=2
    )
    revenue = _money(_("Intäkter, utfall (kr)"))
    costs = _money(_("Kostnader inkl. OH, utfall (kr)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month, name in enumerate(MONTHS, start=1):
            self.fields[f"cost_{month}"] = _money(_("Kostnader %(month)s (kr)") % {"month": name})

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
