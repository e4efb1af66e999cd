"""Forms for editing a plan's goals, indicators and activities, and for importing a plan."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from assignments.models import Unit
from rekrytering.uploads import SpreadsheetField

from .measures import MEASURE_CHOICES
from .models import Activity, Goal, Indicator
from .targets import apply_target, format_target


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = [
            "level",
            "number",
            "title",
            "parent",
            "description",
            "expected_result",
            "approach",
            "follow_up",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("title", "description", "expected_result", "approach", "follow_up")
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.fields["parent"].queryset = plan.goals.exclude(pk=self.instance.pk)
        self.fields["parent"].empty_label = _("– Inget (högsta nivån) –")

    def clean(self):
        data = super().clean()
        parent, level = data.get("parent"), data.get("level")
        if parent and level and Goal.LEVEL_ORDER.index(parent.level) >= Goal.LEVEL_ORDER.index(level):
            self.add_error("parent", _("Det överordnade målet ska ligga på en högre nivå i målkedjan."))
        return data


class IndicatorForm(forms.ModelForm):
    target = forms.CharField(
        label=_("Årsmål"),
        required=False,
        help_text=_(
            "Som planen skriver det: 97 %, 9,5 /10, 70 NPS, 1 200 000 kr, 40 st, 2, Ja, Nej eller tomt."
        ),
    )
    measure = forms.ChoiceField(label=_("Utfall"), choices=MEASURE_CHOICES, required=False)
    filters_text = forms.CharField(
        label=_("Urval (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            'Till exempel {"package": ["chef"], "sector": "Äldreomsorg", "organisation_kind": "sdf"}, '
            '{"flag": "personal_letter", "without": true} eller {"kind": "kandidatenkat", '
            '"question": "helhetsomdome"}.'
        ),
    )

    class Meta:
        model = Indicator
        fields = ["name", "direction", "kf_target", "periodicity", "measure"]
        widgets = {"name": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].initial = format_target(self.instance) if self.instance.pk else ""
        self.fields["filters_text"].initial = (
            json.dumps(self.instance.filters, ensure_ascii=False) if self.instance.filters else ""
        )

    def clean_target(self):
        try:
            apply_target(self.instance, self.cleaned_data["target"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return self.cleaned_data["target"]

    def clean_filters_text(self):
        text = self.cleaned_data["filters_text"].strip()
        try:
            value = json.loads(text) if text else {}
        except ValueError as error:
            raise forms.ValidationError(
                _('Urvalet ska vara ett JSON-objekt, till exempel {"package": "chef"}.')
            ) from error
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Urvalet ska vara ett JSON-objekt."))
        self.instance.filters = value
        return text


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["text", "start", "end", "responsible", "status"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("Slutdatum är före startdatum."))
        return data


class PlanImportForm(forms.Form):
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100)
    unit = forms.ModelChoiceField(
        label=_("Gäller"), queryset=Unit.objects.all(), required=False, empty_label=_("Avdelningen")
    )
    file = SpreadsheetField(label=_("Excel-fil (.xlsx)"), extensions=(".xlsx",))
