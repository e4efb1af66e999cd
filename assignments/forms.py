"""Forms of the register pages. Validation messages in Swedish; state changes go through services."""

import json
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.utils import flatatt
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rekrytering.forms import DecimalInput, SwedishDecimalField, SwedishIntegerField, column_number
from rekrytering.inputs import parse_id
from rekrytering.numbers import NumberError, format_hours, to_decimal
from rekrytering.uploads import SpreadsheetField

from .filters import AssignmentFilter
from .models import (
    DEFAULT_ASSIGNMENT_SHARE,
    DEFAULT_WEEKLY_HOURS,
    PACKAGE_FIELDS,
    Assignment,
    Budget,
    BudgetLine,
    ConsultantCapacity,
    Manager,
    Organisation,
    Package,
    Sector,
    Step,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
    list_price,
)
from .permissions import can_change_responsibility
from .services import (
    TidplanRow,
    WeekCell,
    check_responsibility,
    day_hours_problem,
    day_name,
    time_date_problem,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReadOnlyChoices(forms.Widget):
    """The chosen option(s) as text, for a field shown but not changeable (a disabled field)."""

    def __init__(self, choices=(), attrs=None):
        super().__init__(attrs)
        self.choices = choices

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, (list, tuple)) else [value]
        chosen = {str(v) for v in values if v not in (None, "")}
        labels = [str(label) for key, label in self.choices if str(key) in chosen]
        attrs = {
            k: v for k, v in self.build_attrs(self.attrs, attrs).items() if k not in ("disabled", "required")
        }
        return format_html('<output{} class="readonly">{}</output>', flatatt(attrs), ", ".join(labels) or "–")


def package_help(year: int, has_packages: bool) -> str:
    """What the package list says about itself (static/js/app.js writes the same when the date changes)."""
    if has_packages:
        return _("Paketen i prislistan för %(year)s, beställningsdatumets år.") % {"year": year}
    return _(
        "Det finns ingen prislista för %(year)s. Välj ett annat beställningsdatum eller be en "
        "administratör lägga upp prislistan."
    ) % {"year": year}


class ConsultChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.initials})" if obj.initials else str(obj)


class ConsultMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.initials})" if obj.initials else str(obj)


CHOOSER = {"data-chooser": ""}  # static/js/app.js makes such a list a type-ahead chooser (Tom Select)


class PackageSelect(forms.Select):
    """The packages of one price list's year (`year`); every choosable package rides along in
    `data-packages` (id, year, code, label, price), so the page shows the new year's packages as
    soon as the order date changes. Which package is allowed stays Assignment.clean()'s rule."""

    year = None

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        if self.year is None:
            return groups
        return [
            group
            for group in groups
            if not group[1][0]["value"] or group[1][0]["attrs"].get("data-year") == self.year
        ]

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-year"] = instance.price_list.year
        return option


def package_label(package) -> str:
    return f"{package.name} ({package.get_unit_display()})"


def manager_choices(organisation_id):
    """The ordering managers of one organisation; none until an organisation is chosen."""
    organisation_id = parse_id(organisation_id)
    if organisation_id is None:
        return Manager.objects.none()
    return Manager.objects.filter(organisation_id=organisation_id).order_by("name")


REDO_WITHIN_DAYS = 731  # how far back the Omtag av list goes


class AssignmentForm(forms.ModelForm):
    """Create and edit. The ordering manager is chosen, or typed in when new."""

    manager = forms.ModelChoiceField(
        label=_("Beställare"),
        queryset=Manager.objects.none(),
        required=False,
        help_text=_("Välj organisation först. Finns inte beställaren: fyll i en ny nedan."),
        widget=forms.Select(attrs=CHOOSER),
    )
    new_manager_name = forms.CharField(label=_("Ny beställares namn"), required=False, max_length=200)
    new_manager_email = forms.EmailField(label=_("Ny beställares e-post"), required=False)
    responsible = ConsultChoiceField(
        label=_("Ansvarig konsult"), queryset=User.objects.none(), widget=forms.Select(attrs=CHOOSER)
    )
    colleagues = ConsultMultipleChoiceField(
        label=_("Medarbetande konsulter"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, **CHOOSER}),
        help_text=_("Skriv några bokstäver av namnet eller initialerna och välj; flera går att välja."),
    )
    price = column_number(
        Assignment,
        "price",
        label=_("Pris (kr)"),
        required=False,
        help_text=_("Lämna tomt för prislistans pris."),
    )
    quantity = column_number(
        Assignment,
        "quantity",
        label=_("Antal"),
        initial=1,
        help_text=_("Timmar, kandidater eller tillfällen när paketet inte prissätts per uppdrag."),
    )
    extra_hours = column_number(
        Assignment,
        "extra_hours",
        label=_("Timmar tillägg"),
        initial=0,
        required=False,
        help_text=_("Timmar utöver paketet som debiteras med årets timarvode."),
    )

    class Meta:
        model = Assignment
        fields = [
            "ordered_on",
            "organisation",
            "manager",
            "role_title",
            "level",
            "sector",
            "package",
            "quantity",
            "price",
            "price_reason",
            "extra_hours",
            "responsible",
            "colleagues",
            "status",
            "redo_of",
            "started_on",
            "applicants",
            "personal_letter",
            "screening",
            "psychometric_tests",
            "search",
            "references_checked",
            "invoiced_on",
            "invoiced_amount",
            "notes",
        ]
        widgets = {
            "ordered_on": DateInput(),
            "started_on": DateInput(),
            "invoiced_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "organisation": forms.Select(attrs=CHOOSER),
            "package": PackageSelect(),
            "redo_of": forms.Select(attrs=CHOOSER),
        }
        field_classes = {
            "invoiced_amount": SwedishDecimalField,
            "applicants": SwedishIntegerField,
            "references_checked": SwedishIntegerField,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Those on the assignment stay choosable after they have left (and shown when read-only).
        on_it = Q(pk=self.instance.responsible_id) | Q(assists_on=self.instance) if self.instance.pk else Q()
        consultants = (
            User.objects.filter(Q(is_active=True) | on_it).distinct().order_by("first_name", "last_name")
        )
        self.fields["responsible"].queryset = consultants
        self.fields["colleagues"].queryset = consultants
        if self.instance.pk and not can_change_responsibility(user):
            # services.check_responsibility refuses the change; the form shows why instead.
            for name in ("responsible", "colleagues"):
                field = self.fields[name]
                field.disabled, field.required = True, False
                field.widget = ReadOnlyChoices(choices=field.choices)
            self.fields["colleagues"].help_text = ""
            self.fields["responsible"].help_text = _(
                "Ansvarig och medarbetande ändras av samordnare, chef eller administratör, eftersom "
                "kundenkätens svar räknas för den ansvariga konsulten."
            )
        self.fields["organisation"].queryset = Organisation.objects.filter(
            Q(active=True) | Q(pk=self.instance.organisation_id)
        )
        self.fields["manager"].label_from_instance = lambda m: f"{m.name} ({m.email})"
        # Required in effect: a manager is chosen or a new one typed in.
        self.fields["manager"].show_required = True
        self.fields["sector"].queryset = Sector.objects.filter(Q(active=True) | Q(pk=self.instance.sector_id))
        packages = (
            Package.objects.select_related("price_list")
            .filter(Q(active=True) | Q(pk=self.instance.package_id))
            .order_by("-price_list__year", "name")
        )
        package_field = self.fields["package"]
        package_field.queryset = packages
        package_field.label_from_instance = package_label
        year = self.order_year()
        package_field.widget.year = year
        package_field.widget.attrs["data-packages"] = json.dumps(
            [
                {
                    "id": p.pk,
                    "year": p.price_list.year,
                    "code": p.code,
                    "label": package_label(p),
                    "price": float(p.price),
                }
                for p in packages
            ],
            ensure_ascii=False,
        )
        package_field.help_text = package_help(year, any(p.price_list.year == year for p in packages))
        # A recruitment is redone soon after it failed: the list holds the last REDO_WITHIN_DAYS'
        # unfilled or cancelled assignments (and the one chosen before), not every year's.
        recent = Q(closed_on__gte=timezone.localdate() - timedelta(days=REDO_WITHIN_DAYS))
        self.fields["redo_of"].queryset = (
            Assignment.objects.filter(
                recent | Q(pk=self.instance.redo_of_id),
                outcome__in=[Assignment.Outcome.EJ_TILLSATT, Assignment.Outcome.AVBRUTEN],
            )
            .exclude(pk=self.instance.pk)
            .order_by("-number")
        )
        self.fields["redo_of"].help_text = _(
            "Om uppdraget är ett omtag: uppdraget som görs om "
            "(ej tillsatta och avbrutna uppdrag från de senaste två åren)."
        )
        self.fields["status"].choices = (
            [c for c in Assignment.Status.choices if c[0] != Assignment.Status.AVSLUTAD]
            if not self.instance.is_closed
            else Assignment.Status.choices
        )
        for name in ("organisation", "manager", "sector", "package", "redo_of"):
            self.fields[name].empty_label = _("– Välj –")
        # Choosing an organisation reloads its managers into the manager list (htmx).
        self.fields["organisation"].widget.attrs.update(
            {
                "hx-get": reverse("manager-options"),
                "hx-trigger": "change",
                "hx-target": "#id_manager",
                "hx-swap": "innerHTML",
            }
        )
        organisation_id = (
            self.data.get("organisation")
            or self.initial.get("organisation")
            or (self.instance.organisation_id if self.instance.pk else None)
        )
        self.fields["manager"].queryset = manager_choices(organisation_id)
        if not self.instance.pk:
            self.fields["ordered_on"].initial = timezone.localdate()
            self.fields["responsible"].initial = user.pk
        if self.instance.pk and self.instance.is_closed:
            self.fields["status"].disabled = True

    def order_year(self) -> int:
        """The year whose price list the package list shows: the order date as typed, else as stored,
        else this year."""
        if self.is_bound:
            try:
                typed = self.fields["ordered_on"].to_python(self.data.get("ordered_on"))
            except ValidationError:
                typed = None
            if typed:
                return typed.year
        if self.instance.pk:
            return self.instance.ordered_on.year
        return timezone.localdate().year

    def clean(self):
        data = super().clean()
        manager = data.get("manager")
        name, email = data.get("new_manager_name", "").strip(), (data.get("new_manager_email") or "").lower()
        organisation = data.get("organisation")
        if manager and (name or email):
            self.add_error(
                "manager", _("Välj antingen en befintlig beställare eller fyll i en ny, inte båda.")
            )
        elif not manager:
            existing = (
                Manager.objects.select_related("organisation").filter(email=email).first() if email else None
            )
            if not (name and email) and "new_manager_email" not in self.errors:
                self.add_error("manager", _("Välj en beställare eller ange namn och e-post för en ny."))
            elif existing and organisation and existing.organisation_id != organisation.pk:
                self.add_error(
                    "new_manager_email",
                    _(
                        "%(email)s finns redan som beställare på %(org)s. Välj den organisationen och "
                        "beställaren i listan, eller ange en annan e-postadress."
                    )
                    % {"email": email, "org": existing.organisation},
                )
            elif existing:
                data["manager"] = existing
        if data.get("responsible") and "colleagues" not in self.errors:
            try:
                check_responsibility(
                    by=self.user,
                    assignment=self.instance,
                    responsible=data["responsible"],
                    colleagues=data.get("colleagues") or [],
                )
            except PermissionDenied as error:
                self.add_error("responsible", str(error))
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def service_fields(self):
        """The cleaned data as keyword arguments for the services."""
        data = dict(self.cleaned_data)
        data.pop("new_manager_name", None)
        data.pop("new_manager_email", None)
        colleagues = list(data.pop("colleagues", []) or [])
        if data.get("extra_hours") is None:
            data["extra_hours"] = Decimal("0")
        if data.get("price") is None and data.get("package") is not None:
            data["price"] = list_price(data["package"], data.get("quantity") or Decimal("1"))
        if self.instance.pk and self.instance.is_closed:
            data.pop("status", None)
        return data, colleagues


class SavedFilterForm(forms.Form):
    """Save the list's applied filter under a name (services.save_filter)."""

    name = forms.CharField(label=_("Namn på filtret"), max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def clean_query(self):
        """Only the list's own filters, as a clean query string (whatever else was posted is dropped)."""
        data = QueryDict(self.cleaned_data["query"] or "")
        params = QueryDict(mutable=True)
        for name in AssignmentFilter.base_filters:
            values = [v for v in data.getlist(name) if v.strip()]
            if values:
                params.setlist(name, values)
        return params.urlencode()


class CloseAssignmentForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Utfall"), choices=Assignment.Outcome.choices, widget=forms.RadioSelect
    )
    closed_on = forms.DateField(label=_("Avslutsdatum"), widget=DateInput())
    close_reason = forms.ChoiceField(
        label=_("Skäl till att ingen tillsattes"),
        choices=[("", _("– Inget skäl angivet –")), *Assignment.CloseReason.choices],
        required=False,
        help_text=_("Om utfallet är Ej tillsatt eller Avbruten. Följs upp i andelen omtag."),
    )
    hires = SwedishIntegerField(
        label=_("Antal tillsatta"),
        min_value=0,
        required=False,
        help_text=_("För volymprojekt: hur många som anställdes. Lämna tomt för 1 vid tillsatt."),
    )
    candidate_name = forms.CharField(
        label=_("Kandidatens namn"),
        required=False,
        max_length=200,
        help_text=_("Sparas bara för kandidatenkäten och raderas när enkäten är besvarad eller har gått ut."),
    )
    candidate_email = forms.EmailField(label=_("Kandidatens e-post"), required=False)
    candidate_start = forms.DateField(
        label=_("Tillträde"),
        required=False,
        # Required for a hire (services.close_assignment says so); the page marks it when Tillsatt is chosen.
        widget=DateInput(attrs={"data-required-when": "outcome=tillsatt"}),
        help_text=_("Den tillsatta kandidatens första arbetsdag. Krävs när utfallet är Tillsatt."),
    )
    invoiced_on = forms.DateField(label=_("Fakturerad"), required=False, widget=DateInput())
    invoiced_amount = column_number(
        Assignment,
        "invoiced_amount",
        label=_("Fakturerat belopp (kr)"),
        required=False,
        help_text=_("Lämna tomt för pris + timmar tillägg × årets timarvode."),
    )

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.fields["closed_on"].initial = timezone.localdate()


class TimeEntryForm(forms.ModelForm):
    hours = column_number(TimeEntry, "hours", label=_("Timmar"))

    class Meta:
        model = TimeEntry
        fields = ["date", "assignment", "category", "hours", "comment"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        mine = Assignment.objects.filter(Q(responsible=user) | Q(colleagues=user)).exclude(
            status=Assignment.Status.AVSLUTAD, closed_on__lt=date.today().replace(day=1, month=1)
        )
        if user.edits_all_assignments:
            mine = Assignment.objects.exclude(
                status=Assignment.Status.AVSLUTAD, closed_on__lt=date.today().replace(day=1, month=1)
            )
        if self.instance.assignment_id:
            mine = mine | Assignment.objects.filter(pk=self.instance.assignment_id)
        self.fields["assignment"].queryset = mine.distinct().order_by("-number")
        self.fields["assignment"].required = False
        self.fields["assignment"].empty_label = _("– Inget uppdrag –")
        self.fields["category"].queryset = TimeCategory.objects.filter(
            Q(active=True) | Q(pk=self.instance.category_id)
        )
        self.fields["category"].required = False
        self.fields["category"].empty_label = _("– Ingen kategori –")
        self.fields["category"].help_text = _("För tid som inte hör till ett uppdrag.")
        if not self.instance.pk:
            self.fields["date"].initial = timezone.localdate()


class HoursCellField(SwedishDecimalField):
    """One cell of the week grid: hours as typed (`7,5`, `2.25`); empty or 0 means no time that day."""

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                if to_decimal(value) == 0:
                    return None
            except NumberError:
                pass  # said by the field's own check below
        return super().to_python(value)


def _stored_hours(text: str) -> Decimal | None:
    """The hours a week-grid cell showed, as the page wrote them (`2.50`, empty for none)."""
    try:
        hours = Decimal(text)
    except (ArithmeticError, ValueError, TypeError):
        return None
    return hours if hours.is_finite() and hours != 0 else None


class WeekGridForm(forms.Form):
    """The hours of a week: a row per assignment and time category, a column per day.

    A cell shows the hours logged on its row that day; changing it changes the entry, emptying it
    deletes it. A cell with more than one entry (logged one by one, with comments) is shown but not
    changed here. `rows` is the table the page draws: each row's cells carry their field's name,
    or None for such a cell.
    """

    def __init__(self, *args, monday, assignments, categories, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.days = [monday + timedelta(days=offset) for offset in range(7)]
        self.entries = entries
        sums, counts = {}, {}
        for entry in entries:
            slot = (entry.assignment_id, entry.category_id, entry.date)
            sums[slot] = sums.get(slot, Decimal("0")) + entry.hours
            counts[slot] = counts.get(slot, 0) + 1
        self.rows = []
        for assignment in assignments:
            self._add_row(
                f"a{assignment.pk}",
                f"{assignment.number} {assignment.role_title}",
                sums,
                counts,
                assignment=assignment,
            )
        for category in categories:
            self._add_row(f"c{category.pk}", category.name, sums, counts, category=category)
        self.conflicts, self.moved_to_list = {}, []
        if self.is_bound:
            self._follow_what_changed_elsewhere()

    def _follow_what_changed_elsewhere(self):
        """The page posts, beside each cell, the hours it showed (`shown-<cell>`). A cell the person
        left as shown takes what is logged now, so a grid opened before a change made elsewhere (another
        tab, the one-entry form, the API) does not undo that change. A cell they changed whose logged
        hours changed meanwhile is a conflict, told on the cell and saved only when sent again."""
        data = self.data.copy()
        if not any(key.startswith("shown-") for key in data):
            return  # not sent by the page (a script): every cell sent is meant as it is
        for row in self.rows:
            for cell in row["cells"]:
                name = cell["name"] or f"{row['key']}_{cell['day']:%Y%m%d}"
                if f"shown-{name}" not in data:
                    if cell["name"] is not None:  # not on the page when it was opened: as logged now
                        data[name] = self.fields[name].widget.format_value(cell["hours"]) or ""
                    continue
                shown = _stored_hours(data[f"shown-{name}"])
                if cell["name"] is None:  # has become several entries elsewhere: changed in the list
                    if _stored_hours(str(data.get(name, "")).replace(",", ".")) != shown:
                        self.moved_to_list.append(f"{day_name(cell['day'])}, {row['label']}")
                    continue
                try:
                    typed = self.fields[name].to_python(data.get(name))
                except ValidationError:
                    continue  # told by the field itself
                if typed == shown:
                    data[name] = self.fields[name].widget.format_value(cell["hours"]) or ""
                elif shown != cell["hours"]:
                    self.conflicts[name] = cell
        self.data = data

    def _add_row(self, key, label, sums, counts, *, assignment=None, category=None):
        row = {"key": key, "label": label, "assignment": assignment, "category": category, "cells": []}
        for day in self.days:
            slot = (assignment.pk if assignment else None, category.pk if category else None, day)
            cell = {"day": day, "hours": sums.get(slot), "count": counts.get(slot, 0), "name": None}
            if cell["count"] <= 1:
                name = f"{key}_{day:%Y%m%d}"
                self.fields[name] = column_number(
                    TimeEntry,
                    "hours",
                    field_class=HoursCellField,
                    label=f"{day_name(day)}, {label}",
                    required=False,
                    initial=cell["hours"],
                    widget=DecimalInput(
                        attrs={"class": "hours-cell", "data-day": day.isoformat(), "size": 4}
                    ),
                )
                cell["name"] = name
            row["cells"].append(cell)
        row["total"] = sum((cell["hours"] or Decimal("0") for cell in row["cells"]), Decimal("0"))
        self.rows.append(row)

    def clean(self):
        """How far ahead and each day's total (services' rules), on the cells that changed, all at once:
        a cell that could not be read counts with the hours it had."""
        data = super().clean()
        totals = dict.fromkeys(self.days, Decimal("0"))
        changed = []
        for row in self.rows:
            for cell in row["cells"]:
                name = cell["name"]
                value = data.get(name) if name in data else cell["hours"]
                totals[cell["day"]] += value or Decimal("0")
                if name in data and value is not None and value != cell["hours"]:
                    changed.append((cell, row["category"]))
        if self.moved_to_list:
            self.add_error(
                None,
                _(
                    "Tiden för %(cells)s har ändrats någon annanstans och består nu av flera poster; "
                    "ändra dem i listan under veckan. Inget sparades."
                )
                % {"cells": "; ".join(self.moved_to_list)},
            )
        for name, cell in self.conflicts.items():  # changed here and elsewhere, emptied too
            if name in data and data[name] != cell["hours"]:
                now = format_hours(cell["hours"]) if cell["hours"] is not None else _("ingen tid")
                self.add_error(
                    name,
                    _(
                        "%(day)s: timmarna ändrades någon annanstans efter att du öppnade veckan "
                        "(nu %(now)s). Kontrollera värdet och spara igen."
                    )
                    % {"day": day_name(cell["day"]), "now": now},
                )
        for cell, category in changed:
            if cell["name"] in self.conflicts:
                continue
            problem = time_date_problem(cell["day"], category) or day_hours_problem(
                cell["day"], totals[cell["day"]]
            )
            if problem:
                self.add_error(cell["name"], problem)
        return data

    def bound_rows(self):
        """`rows` with each cell's bound field (`field`) for the template."""
        for row in self.rows:
            for cell in row["cells"]:
                cell["field"] = self[cell["name"]] if cell["name"] else None
                if cell["field"] is not None and cell["field"].errors:
                    # The cell's message is read with it (the summary above links to the cell).
                    cell["field"].field.widget.attrs["aria-describedby"] = f"{cell['field'].auto_id}_error"
        return self.rows

    def changed_cells(self) -> list[WeekCell]:
        """The cells whose hours differ from what is logged, as the service takes them (after is_valid)."""
        changed = []
        for row in self.rows:
            for cell in row["cells"]:
                name = cell["name"]
                if name is None or self.cleaned_data.get(name) == cell["hours"]:
                    continue
                changed.append(
                    WeekCell(
                        key=name,
                        date=cell["day"],
                        hours=self.cleaned_data.get(name),
                        assignment=row["assignment"],
                        category=row["category"],
                    )
                )
        return changed


# --- Register pages (admin) -------------------------------------------------------------


class PackageForm(forms.ModelForm):
    price = column_number(Package, "price", label=_("Pris (kr)"))
    standard_hours = column_number(Package, "standard_hours", label=_("Normaltid (h)"), required=False)

    class Meta:
        model = Package
        fields = PACKAGE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, price_list, **kwargs):
        super().__init__(*args, **kwargs)
        self.price_list = price_list
        self.instance.price_list = price_list


class CopyPriceListForm(forms.Form):
    """The new year, the raise and the rounding of a price-list copy (services.copy_price_list)."""

    to_year = SwedishIntegerField(
        label=_("Till år"),
        min_value=2000,
        max_value=2100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    percent = SwedishDecimalField(
        label=_("Höjning (%)"),
        required=False,
        min_value=Decimal("-50"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Till exempel 3 eller 2,5. Tomt eller 0 behåller priserna som de är."),
    )
    step = forms.TypedChoiceField(
        label=_("Avrunda till"),
        coerce=int,
        required=False,
        empty_value=1,
        initial=1,
        choices=[(1, _("hela kronor")), (10, _("jämna tiotal kronor")), (100, _("jämna hundratal kronor"))],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Välj hela kronor, tiotal eller hundratal.")},
    )

    def clean_percent(self):
        return self.cleaned_data["percent"] or Decimal("0")


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "active"]


class ManagerForm(forms.ModelForm):
    class Meta:
        model = Manager
        fields = ["name", "email", "organisation"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class SectorForm(forms.ModelForm):
    class Meta:
        model = Sector
        fields = ["name", "active"]


class TimeCategoryForm(forms.ModelForm):
    class Meta:
        model = TimeCategory
        fields = ["name", "active", "is_absence"]


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Nytt lösenord"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Lämna tomt för att behålla nuvarande lösenord."),
    )
    # The consultant's capacity (ConsultantCapacity), which the load (beläggning) reads.
    weekly_hours = column_number(
        ConsultantCapacity,
        "weekly_hours",
        label=_("Arbetstid per vecka (h)"),
        required=False,
        initial=DEFAULT_WEEKLY_HOURS,
        help_text=_("Heltid är 40 timmar; tomt betyder heltid."),
    )
    assignment_share = column_number(
        ConsultantCapacity,
        "assignment_share",
        label=_("Andel för uppdrag (%)"),
        required=False,
        initial=DEFAULT_ASSIGNMENT_SHARE,
        help_text=_("Den del av arbetstiden som är avsedd för uppdrag; tomt betyder 70 %."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "initials", "role", "unit", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.all()
        self.fields["is_active"].help_text = _(
            "Avaktivera i stället för att ta bort, så att historiken finns kvar."
        )
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""
        capacity = None
        if self.instance.pk:
            capacity = ConsultantCapacity.objects.filter(user_id=self.instance.pk).first()
        if capacity is not None:
            self.initial.setdefault("weekly_hours", capacity.weekly_hours)
            self.initial.setdefault("assignment_share", capacity.assignment_share)

    def clean_initials(self):
        initials = self.cleaned_data["initials"].strip().upper()
        if initials and User.objects.filter(initials__iexact=initials).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Initialerna används redan av en annan användare."))
        return initials

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("password", error)
        return data

    def validate_constraints(self, exclude=None):
        pass

    def clean_weekly_hours(self):
        value = self.cleaned_data["weekly_hours"]
        return DEFAULT_WEEKLY_HOURS if value is None else value

    def clean_assignment_share(self):
        value = self.cleaned_data["assignment_share"]
        return DEFAULT_ASSIGNMENT_SHARE if value is None else value

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user


class BudgetForm(forms.ModelForm):
    ftes = column_number(Budget, "ftes", label=_("Årsarbetare"))
    revenue = column_number(Budget, "revenue", label=_("Intäktsbudget (kr)"))
    costs = column_number(Budget, "costs", label=_("Kostnadsbudget inkl. OH (kr)"))

    class Meta:
        model = Budget
        fields = ["ftes", "revenue", "costs"]

    def __init__(self, *args, packages, **kwargs):
        super().__init__(*args, **kwargs)
        self.packages = list(packages)
        current = {}
        if self.instance.pk:
            current = {line.package_id: line.planned_count for line in self.instance.lines.all()}
        for package in self.packages:
            self.fields[f"plan_{package.pk}"] = column_number(
                BudgetLine,
                "planned_count",
                label=package.name,
                required=False,
                initial=current.get(package.pk),
            )

    def plan_fields(self):
        return [(package, self[f"plan_{package.pk}"]) for package in self.packages]

    def planned_counts(self):
        return {p.pk: self.cleaned_data.get(f"plan_{p.pk}") or Decimal("0") for p in self.packages}


class ImportForm(forms.Form):
    """The upload of an Access export (importing.import_assignments)."""

    file = SpreadsheetField(
        label=_("Fil (.xlsx eller .csv)"),
        extensions=(".xlsx", ".csv"),
        error_messages={"required": _("Välj en fil att importera."), "empty": _("Filen är tom.")},
    )


class CompetenceForm(forms.Form):
    """A consultant's line in the competence map; services.save_competence checks and saves it."""

    package_codes = forms.MultipleChoiceField(
        label=_("Paket konsulten får driva"), required=False, widget=forms.CheckboxSelectMultiple
    )
    manager_certified = forms.BooleanField(
        label=_("Certifierad för chefsrekrytering"),
        required=False,
        help_text=_("Får driva rekryteringar på nivåerna chef och högre chef och chefspaket."),
    )
    test_certified = forms.BooleanField(label=_("Certifierad i testverktygen"), required=False)
    known_sectors = forms.ModelMultipleChoiceField(
        label=_("Verksamheter konsulten känner"),
        queryset=Sector.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    known_organisations = forms.ModelMultipleChoiceField(
        label=_("Organisationer konsulten känner"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, **CHOOSER}),
        help_text=_("Skriv några bokstäver av namnet och välj; flera går att välja."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Arbetar i (stadsdelar)"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wishes = forms.CharField(
        label=_("Önskemål"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vad konsulten vill göra mer av: paket, verksamheter, kunder."),
    )

    def __init__(self, *args, package_choices=(), competence=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package_codes"].choices = list(package_choices)
        # What the consultant already has stays choosable when it has since been made inactive.
        kept = {"known_sectors": [], "known_organisations": [], "areas": []}
        if competence is not None:
            kept = {name: [o.pk for o in self.initial.get(name, [])] for name in kept}
        self.fields["known_sectors"].queryset = Sector.objects.filter(
            Q(active=True) | Q(pk__in=kept["known_sectors"])
        )
        self.fields["known_organisations"].queryset = Organisation.objects.filter(
            Q(active=True) | Q(pk__in=kept["known_organisations"])
        )
        self.fields["areas"].queryset = Organisation.objects.filter(
            Q(active=True) | Q(pk__in=kept["areas"]), kind=Organisation.Kind.SDF
        )

    @classmethod
    def initial_for(cls, competence):
        if competence is None:
            return {}
        return {
            "package_codes": competence.package_codes,
            "manager_certified": competence.manager_certified,
            "test_certified": competence.test_certified,
            "known_sectors": list(competence.known_sectors.all()),
            "known_organisations": list(competence.known_organisations.all()),
            "areas": list(competence.areas.all()),
            "wishes": competence.wishes,
        }


class TidplanForm(forms.Form):
    """An assignment's tidplan: for each step a planned date (empty: the step is not part of it)
    and, once done, the date it was done. Fields `<step>_planned` and `<step>_done`."""

    def __init__(self, *args, steps=(), **kwargs):
        initial = {}
        for step in steps:
            initial[f"{step.step}_planned"] = step.planned_on
            initial[f"{step.step}_done"] = step.done_on
        super().__init__(*args, initial=initial, **kwargs)
        for value, label in Step.choices:
            self.fields[f"{value}_planned"] = forms.DateField(
                label=_("%(step)s: planerat datum") % {"step": label}, required=False, widget=DateInput()
            )
            self.fields[f"{value}_done"] = forms.DateField(
                label=_("%(step)s: klart") % {"step": label}, required=False, widget=DateInput()
            )

    def rows(self):
        """(label, planned field, done field) per step, for the table."""
        return [(label, self[f"{value}_planned"], self[f"{value}_done"]) for value, label in Step.choices]

    def tidplan_rows(self):
        return [
            TidplanRow(value, self.cleaned_data[f"{value}_planned"], self.cleaned_data[f"{value}_done"])
            for value in Step.values
        ]


class StandardScheduleForm(forms.Form):
    """A package code's standard schedule: for each step the usual calendar days after the step
    before it (the first: after the order); empty when the package does not have the step."""

    def __init__(self, *args, steps=(), **kwargs):
        initial = {step.step: step.days for step in steps}
        super().__init__(*args, initial=initial, **kwargs)
        for value, label in Step.choices:
            self.fields[value] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=365,
                help_text=_("Dagar efter föregående steg"),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
