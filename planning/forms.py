"""Every form of the plan pages: a new plan, its copy, its goals, indicators and activities, who is
responsible for them, the deadlines, a goal's tertial follow-up and review, and the import. Numbers
are read by `rekrytering.numbers`, bounded by their column."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, Organisation, Sector, Unit, User
from rekrytering.forms import SwedishDecimalField, SwedishIntegerField
from rekrytering.numbers import NumberError, check_bounds, format_number, to_decimal
from rekrytering.uploads import SpreadsheetField
from surveys.models import Kind
from surveys.questionnaires import published

from .labels import package_names
from .measures import FLAGS, MEASURE_CHOICES
from .models import Activity, Goal, GoalAssessment, Indicator, IndicatorOutcome, PlanEvent, column_bounds
from .targets import apply_target, format_target

YEARS = {"min_value": 2000, "max_value": 2100}


class NamedDecimalField(SwedishDecimalField):
    """A Swedish number for a column of `model`, whose every message names its field (the
    indicator): the follow-up page has one per indicator, and its summary lists them together."""

    def __init__(self, *, model, column: str, **kwargs):
        bounds = column_bounds(model, column)
        kwargs.setdefault("min_value", bounds["minimum"])
        kwargs.setdefault("max_value", bounds["maximum"])
        field = model._meta.get_field(column)
        super().__init__(max_digits=field.max_digits, decimal_places=field.decimal_places, **kwargs)

    def bounds(self) -> dict:
        # The range (within the column) says what is too large; see models.column_bounds.
        return {"minimum": self.min_value, "maximum": self.max_value, "decimal_places": self.decimal_places}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        label = str(self.label)
        try:
            number = to_decimal(value)
        except NumberError as error:
            raise ValidationError(f"{label}: {error}", code="invalid") from None
        if number is None:  # only spaces
            return None
        try:
            return check_bounds(number, label=label, shown=str(value).strip(), **self.bounds())
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from None


class NewPlanForm(forms.Form):
    year = SwedishIntegerField(label=_("År"), **YEARS)
    unit = forms.ModelChoiceField(
        label=_("Gäller"), queryset=Unit.objects.all(), required=False, empty_label=_("Avdelningen")
    )


class CopyPlanForm(forms.Form):
    to_year = SwedishIntegerField(label=_("Kopiera till år"), **YEARS)


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


def _choices(pairs, current, empty) -> list:
    """`pairs` with an empty choice first, and the stored value kept even if no longer offered."""
    choices = [("", empty), *pairs]
    values = {str(value) for value, _label in choices}
    for value in current if isinstance(current, list) else [current]:
        if value not in (None, "") and str(value) not in values:
            choices.append((value, value))
    return choices


class IndicatorForm(forms.ModelForm):
    """An indicator: its target as the plan writes it, and for a computed one the measure and
    the selection (urval) in Swedish choices; the selection is stored as `filters`."""

    target = forms.CharField(
        label=_("Årsmål"),
        required=False,
        help_text=_(
            "Som planen skriver det: 97 %, 9,5 /10, 70 NPS, 1 200 000 kr, 40 st, 2, Ja, Nej eller tomt."
        ),
    )
    measure = forms.ChoiceField(label=_("Utfall"), choices=MEASURE_CHOICES, required=False)
    urval_package = forms.MultipleChoiceField(
        label=_("Urval: paket"), required=False, help_text=_("Inget valt: alla paket.")
    )
    urval_level = forms.ChoiceField(label=_("Urval: nivå"), required=False)
    urval_sector = forms.ChoiceField(label=_("Urval: verksamhet"), required=False)
    urval_organisation_kind = forms.ChoiceField(label=_("Urval: typ av organisation"), required=False)
    urval_organisation = forms.ChoiceField(label=_("Urval: organisation"), required=False)
    urval_outcome = forms.ChoiceField(label=_("Urval: uppdragets utfall"), required=False)
    urval_flag = forms.ChoiceField(
        label=_("Urval: uppdrag med"), required=False, help_text=_("För måtten med/utan flagga.")
    )
    urval_without = forms.BooleanField(label=_("Räkna uppdrag utan i stället för med"), required=False)
    urval_kind = forms.ChoiceField(
        label=_("Urval: enkät"), required=False, help_text=_("För enkätmåtten; tomt: kundenkäten.")
    )
    urval_question = forms.ChoiceField(
        label=_("Urval: enkätfråga"), required=False, help_text=_("För måtten för en enkätfråga.")
    )

    SELECTION = (
        "package",
        "level",
        "sector",
        "organisation_kind",
        "organisation",
        "outcome",
        "flag",
        "kind",
        "question",
    )

    class Meta:
        model = Indicator
        fields = ["name", "direction", "kf_target", "periodicity", "measure"]
        widgets = {"name": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].initial = format_target(self.instance) if self.instance.pk else ""
        stored = self.instance.filters or {}
        packages = stored.get("package", [])
        packages = [packages] if isinstance(packages, str) else list(packages)
        offered = {
            "package": sorted(package_names().items(), key=lambda item: item[1]),
            "level": Assignment.Level.choices,
            "sector": [
                (name, name) for name in Sector.objects.order_by("name").values_list("name", flat=True)
            ],
            "organisation_kind": Organisation.Kind.choices,
            "organisation": [
                (name, name) for name in Organisation.objects.order_by("name").values_list("name", flat=True)
            ],
            "outcome": Assignment.Outcome.choices,
            "flag": list(FLAGS.items()),
            "kind": Kind.choices,
            "question": [
                (spec["key"], f"{Kind(kind).label}: {spec['text']}")
                for kind in Kind.values
                for spec in published()[kind]["questions"]
            ],
        }
        for key in self.SELECTION:
            current = packages if key == "package" else stored.get(key, "")
            field = self.fields[f"urval_{key}"]
            empty = _("–") if key in ("flag", "kind", "question") else _("Alla")
            choices = _choices(offered[key], current, empty)
            field.choices = choices[1:] if key == "package" else choices  # none chosen: all packages
            field.initial = current
        self.fields["urval_without"].initial = bool(stored.get("without"))

    def clean_target(self):
        try:
            name = self.cleaned_data.get("name") or self.instance.name
            apply_target(self.instance, self.cleaned_data["target"], label=name.strip().rstrip("."))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return self.cleaned_data["target"]

    def clean(self):
        data = super().clean()
        filters = {}
        for key in self.SELECTION:
            value = data.get(f"urval_{key}")
            if value:
                filters[key] = list(value) if key == "package" else value
        if filters.get("flag") and data.get("urval_without"):
            filters["without"] = True
        self.instance.filters = filters
        return data


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
    year = SwedishIntegerField(label=_("År"), **YEARS)
    unit = forms.ModelChoiceField(
        label=_("Gäller"), queryset=Unit.objects.all(), required=False, empty_label=_("Avdelningen")
    )
    file = SpreadsheetField(label=_("Excel-fil (.xlsx)"), extensions=(".xlsx",))


YES_NO = [("", "–"), ("ja", _("Ja")), ("nej", _("Nej"))]


class GoalFollowUpForm(forms.Form):
    """One goal's follow-up for a tertial, saved on its own. Fields by name: `ind-<id>` an
    indicator's outcome entered by hand, `den-<id>` the denominator of a computed share,
    `act-<id>`/`actc-<id>` an activity's status and comment, `goal-<id>`/`goala-<id>` the goal's
    assessment and analysis, and `version`, the goal's version the form was loaded with.

    Only what `may_edit(item)` allows (item: the goal itself, an indicator or an activity) gets a
    field; the rest the page shows as text. `goal` comes from selectors.goal_tree (indicators
    with outcomes, activities with follow-ups and assessments prefetched)."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, goal, tertial: int, may_edit, version: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal = goal
        self.fields["version"].initial = version
        self.fields["version"].error_messages = {
            "required": _("Formuläret saknar sin version. Ladda om sidan och försök igen."),
            "invalid": _("Formuläret saknar sin version. Ladda om sidan och försök igen."),
            "min_value": _("Formuläret saknar sin version. Ladda om sidan och försök igen."),
        }
        for indicator in goal.indicators.all():
            if may_edit(indicator):
                stored = next((o for o in indicator.outcomes.all() if o.tertial == tertial), None)
                self._indicator_fields(indicator, stored)
        for activity in goal.activities.all():
            if not may_edit(activity):
                continue
            follow = next((f for f in activity.follow_ups.all() if f.tertial == tertial), None)
            name = _short(activity.text)
            self.fields[f"act-{activity.pk}"] = forms.ChoiceField(
                label=_("Status för %(activity)s") % {"activity": name},
                choices=[("", _("– Ej angiven –")), *Activity.Status.choices],
                required=False,
                initial=follow.status if follow else "",
                error_messages={
                    "invalid_choice": _("%(activity)s: välj en status i listan.")
                    % {"activity": _escaped(name)}
                },
            )
            self.fields[f"actc-{activity.pk}"] = forms.CharField(
                label=_("Kommentar till %(activity)s") % {"activity": name},
                required=False,
                max_length=2000,
                initial=follow.comment if follow else "",
                error_messages={
                    "max_length": _("Kommentaren till %(activity)s får vara högst 2 000 tecken.")
                    % {"activity": name}
                },
            )
        if may_edit(None):
            assessment = next((a for a in goal.assessments.all() if a.tertial == tertial), None)
            self.fields[f"goal-{goal.pk}"] = forms.ChoiceField(
                label=_("Bedömning av %(goal)s") % {"goal": goal},
                choices=[("", "–"), *GoalAssessment.Assessment.choices],
                required=False,
                initial=assessment.assessment if assessment else "",
            )
            self.fields[f"goala-{goal.pk}"] = forms.CharField(
                label=_("Analys av %(goal)s") % {"goal": goal},
                required=False,
                max_length=5000,
                initial=assessment.analysis if assessment else "",
                error_messages={"max_length": _("Analysen får vara högst 5 000 tecken.")},
            )

    def _indicator_fields(self, indicator, stored):
        if indicator.is_computed:
            if indicator.measure == "share_of_entered":
                self.fields[f"den-{indicator.pk}"] = NamedDecimalField(
                    label=_("%(name)s, nämnare") % {"name": indicator.label},
                    required=False,
                    min_value=0,
                    initial=stored.denominator if stored else None,
                    model=IndicatorOutcome,
                    column="denominator",
                )
        elif indicator.target_kind == Indicator.TargetKind.YESNO:
            self.fields[f"ind-{indicator.pk}"] = forms.ChoiceField(
                label=indicator.label,
                choices=YES_NO,
                required=False,
                error_messages={
                    "invalid_choice": _("%(name)s: svara Ja eller Nej.") % {"name": _escaped(indicator.label)}
                },
                initial=("ja" if stored.value_yes else "nej")
                if stored and stored.value_yes is not None
                else "",
            )
        else:
            self.fields[f"ind-{indicator.pk}"] = NamedDecimalField(
                label=indicator.label,
                required=False,
                initial=stored.value if stored else None,
                model=IndicatorOutcome,
                column="value",
            )

    def clean(self):
        data = super().clean()
        goal = self.goal
        name = f"goal-{goal.pk}"
        if name in self.fields and not data.get(name) and (data.get(f"goala-{goal.pk}") or "").strip():
            self.add_error(
                name, _("Välj uppfyllt, delvis uppfyllt eller ej uppfyllt för att spara analysen.")
            )
        for activity in goal.activities.all():
            status, comment = f"act-{activity.pk}", f"actc-{activity.pk}"
            if status in self.fields and not data.get(status) and (data.get(comment) or "").strip():
                self.add_error(
                    status,
                    _("%(activity)s: välj en status för att spara kommentaren.")
                    % {"activity": _short(activity.text)},
                )
        return data

    def shown(self, name: str) -> str:
        """The field's text as the page shows it: what was typed, else the stored value in Swedish."""
        if name not in self.fields:
            return ""
        if self.is_bound:
            return self.data.get(name, "")
        value = self[name].initial
        return value if isinstance(value, str) else format_number(value)

    def changes(self) -> dict:
        """The keyword arguments of services.save_goal_follow_up. Every indicator entered by hand
        that the form holds is recorded (an empty box clears it); a denominator when posted; an
        activity's status and the goal's assessment when one is chosen."""
        data = self.cleaned_data
        goal = self.goal
        changes = {"outcomes": {}, "denominators": {}, "activities": {}, "assessment": None}
        for indicator in goal.indicators.all():
            name = f"ind-{indicator.pk}"
            if name in self.fields:
                if indicator.target_kind == Indicator.TargetKind.YESNO:
                    changes["outcomes"][indicator] = (None, {"ja": True, "nej": False}.get(data[name]))
                else:
                    changes["outcomes"][indicator] = (data[name], None)
            elif f"den-{indicator.pk}" in self.fields and f"den-{indicator.pk}" in self.data:
                changes["denominators"][indicator] = data[f"den-{indicator.pk}"]
        for activity in goal.activities.all():
            if data.get(f"act-{activity.pk}"):
                changes["activities"][activity] = (data[f"act-{activity.pk}"], data[f"actc-{activity.pk}"])
        if data.get(f"goal-{goal.pk}"):
            changes["assessment"] = (data[f"goal-{goal.pk}"], data[f"goala-{goal.pk}"])
        return changes


def _escaped(text) -> str:
    """Text put into a message that Django formats with %(value)s: its own % signs kept as they are."""
    return str(text).replace("%", "%%")


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class ReviewForm(forms.Form):
    """A step of a goal's review: mark ready, take back, approve, or unlock with a reason."""

    ACTIONS = [
        ("klar", _("Markera klart för granskning")),
        ("ateruppta", _("Ångra klarmarkeringen")),
        ("godkann", _("Godkänn och lås målet")),
        ("las_upp", _("Lås upp målet")),
    ]
    action = forms.ChoiceField(
        choices=ACTIONS, error_messages={"required": _("Välj vad som ska göras med målet.")}
    )
    reason = forms.CharField(label=_("Skäl"), required=False, max_length=PlanEvent.REASON_MAX)


class UnlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Skäl"),
        max_length=PlanEvent.REASON_MAX,
        error_messages={"required": _("Skriv varför tertialen ska låsas upp.")},
    )


class DeadlinesForm(forms.Form):
    """The plan's rule for the tertials' deadlines and each tertial's own deadline."""

    report_days_after = SwedishIntegerField(
        label=_("Dagar efter tertialets slut"),
        min_value=0,
        max_value=120,
        help_text=_("Uppföljningen ska vara klar så här många dagar efter att tertialet slutat."),
    )
    t1 = forms.DateField(
        label=_("Egen tidsfrist T1"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    t2 = forms.DateField(
        label=_("Egen tidsfrist T2"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    t3 = forms.DateField(
        label=_("Egen tidsfrist T3"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, plan, deadlines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report_days_after"].initial = plan.report_days_after
        for tertial, deadline in deadlines.items():
            field = self.fields[f"t{tertial}"]
            field.initial = deadline.due_on if deadline.own else None
            field.help_text = _("Tomt: %(day)s enligt regeln.") % {"day": f"{deadline.default_on:%Y-%m-%d}"}
            field.error_messages["invalid"] = _("T%(t)s: ange ett datum som 2026-05-11.") % {"t": tertial}

    def own(self) -> dict:
        return {tertial: self.cleaned_data[f"t{tertial}"] for tertial in (1, 2, 3)}


class ResponsiblesForm(forms.Form):
    """Who answers for a goal, and for its indicators and activities where someone else does. The
    staff are read once for all the lists."""

    def __init__(self, *args, goal, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal = goal
        self.staff = {
            user.pk: user
            for user in User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        }
        people = [
            (pk, f"{user} ({user.initials})" if user.initials else str(user))
            for pk, user in self.staff.items()
        ]
        self.fields["goal"] = self._person(
            _("Ansvarig för målet"), people, _("– Ingen –"), goal.responsible_id
        )
        for indicator in goal.indicators.all():
            self.fields[f"ind-{indicator.pk}"] = self._person(
                indicator.label, people, _("– Målets ansvarige –"), indicator.responsible_id
            )
        for activity in goal.activities.all():
            field = self._person(
                _short(activity.text, 100), people, _("– Målets ansvarige –"), activity.responsible_user_id
            )
            if activity.responsible:
                field.help_text = _("Enligt planen: %(text)s") % {"text": activity.responsible}
            self.fields[f"act-{activity.pk}"] = field

    @staticmethod
    def _person(label, people, empty, current) -> forms.TypedChoiceField:
        return forms.TypedChoiceField(
            label=label,
            choices=[("", empty), *people],
            coerce=int,
            empty_value=None,
            required=False,
            initial=current or "",
            error_messages={
                "invalid_choice": _("%(label)s: välj en person i listan.") % {"label": _escaped(label)}
            },
        )

    def indicator_fields(self):
        return [self[f"ind-{indicator.pk}"] for indicator in self.goal.indicators.all()]

    def activity_fields(self):
        return [self[f"act-{activity.pk}"] for activity in self.goal.activities.all()]

    def _user(self, name: str):
        pk = self.cleaned_data[name]
        return None if pk is None else self.staff[pk]

    def changes(self) -> dict:
        return {
            "responsible": self._user("goal"),
            "indicators": {i: self._user(f"ind-{i.pk}") for i in self.goal.indicators.all()},
            "activities": {a: self._user(f"act-{a.pk}") for a in self.goal.activities.all()},
        }
