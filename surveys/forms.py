"""Every form of the staff survey pages: result filters, follow-up notes, changes to an invitation,
the questions of a questionnaire version and its copy, and the import of earlier responses."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.forms import modelformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, Organisation, Sector, Unit, User
from assignments.selectors import package_choices
from rekrytering.forms import SwedishIntegerField
from rekrytering.inputs import parse_int
from rekrytering.periods import PERIOD_CODES
from rekrytering.uploads import SpreadsheetField

from .models import Question


class ResultsForm(forms.Form):
    year = forms.TypedChoiceField(label=_("År"), coerce=int)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CODES)
    unit = forms.ModelChoiceField(
        label=_("Enhet"), queryset=Unit.objects.all(), required=False, empty_label=_("Hela avdelningen")
    )
    consultant = forms.ModelChoiceField(
        label=_("Konsult"), queryset=User.objects.none(), required=False, empty_label=_("Alla konsulter")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("Alla organisationer"),
    )
    sector = forms.ModelChoiceField(
        label=_("Verksamhet"),
        queryset=Sector.objects.all(),
        required=False,
        empty_label=_("Alla verksamheter"),
    )
    package = forms.ChoiceField(label=_("Paket"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - 8, -1)]
        self.fields["consultant"].queryset = (
            # EXISTS, not a DISTINCT join over every assignment.
            User.objects.filter(
                Q(is_active=True) | Exists(Assignment.objects.filter(responsible=OuterRef("pk")))
            ).order_by("first_name", "last_name")
        )
        # The chosen year's price list names its packages (the value is the code, as in old links).
        data = self.data or {}
        year = parse_int(data.get("year") or "") if self.is_bound else None
        self.fields["package"].choices = [("", _("Alla paket"))] + package_choices(
            year, keep=data.get("package") or ""
        )
        if not user.is_head:
            # A konsult (and samordnare) sees their own customer-survey results.
            for name in ("unit", "consultant"):
                self.fields[name].disabled = True


class FollowUpNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Vad har gjorts?"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    done = forms.BooleanField(label=_("Uppföljningen är klar"), required=False)


# The reason every change needs is checked by the services (surveys.services._reason).


class PostponeForm(forms.Form):
    send_at = forms.DateField(label=_("Skicka den"), widget=forms.DateInput(attrs={"type": "date"}))


class ResendForm(forms.Form):
    email = forms.EmailField(label=_("Rätt e-postadress"))


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["order", "key", "type", "text", "anchors", "optional", "condition", "condition_key"]
        field_classes = {"order": SwedishIntegerField}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


def question_formset(questionnaire, data=None):
    """The questions of a version, and one empty form for a new one; each form's clean() checks
    what the version allows (an anonymous one asks nothing by the assignment)."""
    formset_class = modelformset_factory(Question, form=QuestionForm, extra=1, can_delete=True)
    formset = formset_class(data, queryset=questionnaire.questions.all(), prefix="q")
    for form in formset.forms:
        form.instance.questionnaire = questionnaire
    return formset


class CopyQuestionnaireForm(forms.Form):
    to_year = SwedishIntegerField(label=_("Kopiera till år"), min_value=2000, max_value=2100)


class ResponseImportForm(forms.Form):
    file = SpreadsheetField(label=_("CSV-fil från det gamla enkätverktyget"), extensions=(".csv",))
