"""Filters of the assignment list page (django-filter)."""

import django_filters
from django import forms
from django.db.models import Max, Min, Q
from django.http import QueryDict

from rekrytering.inputs import parse_int

from .models import Assignment, Organisation, Sector, Unit, User
from .selectors import package_choices, search_assignments


def year_choices():
    """Every year from the first order to the last, newest first.

    Read from the two ends of the ordered_on index (MIN and MAX) rather than from every
    assignment, so it costs the same at thirty years as at one. The consultancy takes orders
    every year, so the span is the set of years with assignments; a year without any would only
    show an empty list.
    """
    span = Assignment.objects.aggregate(first=Min("ordered_on"), last=Max("ordered_on"))
    if span["first"] is None:
        return []
    return [(str(y), str(y)) for y in range(span["last"].year, span["first"].year - 1, -1)]


STATUS_CHOICES = [
    ("forfragan", "Förfrågan"),
    ("pagaende", "Pågående"),
    ("oppna", "Alla öppna"),
    ("avslutad", "Avslutad (alla)"),
    ("tillsatt", "Avslutad – tillsatt"),
    ("ej_tillsatt", "Avslutad – ej tillsatt"),
    ("avbruten", "Avslutad – avbruten"),
]


MINE, EVERYONES = "mina", "alla"
SCOPE_CHOICES = [(EVERYONES, "Alla uppdrag"), (MINE, "Mina uppdrag")]


class AssignmentFilter(django_filters.FilterSet):
    """The list's filters. `visa=mina` keeps the assignments the user is on (responsible or colleague);
    `default_data` says what a user sees before choosing anything (a konsult: their own)."""

    visa = django_filters.ChoiceFilter(
        label="Visa", choices=SCOPE_CHOICES, method="filter_scope", empty_label=None
    )
    q = django_filters.CharFilter(
        label="Sök",
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Nummer, tjänst, kund…"}),
    )
    year = django_filters.ChoiceFilter(label="År", method="filter_year", empty_label="Alla år")
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUS_CHOICES, method="filter_status", empty_label="Alla"
    )
    package = django_filters.ChoiceFilter(label="Paket", method="filter_package", empty_label="Alla paket")
    consultant = django_filters.ModelChoiceFilter(
        label="Konsult",
        queryset=User.objects.none(),
        method="filter_consultant",
        empty_label="Alla konsulter",
        widget=forms.Select(attrs={"data-chooser": ""}),
    )
    unit = django_filters.ModelChoiceFilter(
        label="Enhet", queryset=Unit.objects.all(), method="filter_unit", empty_label="Alla enheter"
    )
    organisation = django_filters.ModelChoiceFilter(
        label="Organisation",
        queryset=Organisation.objects.all(),
        empty_label="Alla organisationer",
        widget=forms.Select(attrs={"data-chooser": ""}),
    )
    sector = django_filters.ModelChoiceFilter(
        label="Verksamhet", queryset=Sector.objects.all(), empty_label="Alla verksamheter"
    )

    class Meta:
        model = Assignment
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = year_choices()
        # The chosen year's own package names; every year's names when no year is chosen.
        data = self.data or {}
        self.filters["package"].extra["choices"] = package_choices(
            parse_int(data.get("year") or ""), keep=data.get("package") or ""
        )
        self.filters["consultant"].queryset = User.objects.order_by("first_name", "last_name")

    @staticmethod
    def default_data(user) -> QueryDict:
        """The filter a user's list opens with: a konsult's own assignments, everything for the rest."""
        data = QueryDict(mutable=True)
        data["visa"] = MINE if user.role == user.Role.KONSULT else EVERYONES
        return data

    def query(self) -> str:
        """The applied filter (a QueryDict) as a query string of its known, non-empty parameters."""
        params = QueryDict(mutable=True)
        for name in self.filters:
            values = [v for v in self.data.getlist(name) if v not in (None, "")]
            if values:
                params.setlist(name, values)
        return params.urlencode()

    def filter_scope(self, qs, name, value):
        if value == MINE and self.request is not None:
            return self.filter_consultant(qs, "consultant", self.request.user)
        return qs

    def filter_search(self, qs, name, value):
        return search_assignments(qs, value)

    def filter_year(self, qs, name, value):
        return qs.filter(ordered_on__year=int(value))

    def filter_status(self, qs, name, value):
        if value in ("forfragan", "pagaende", "avslutad"):
            return qs.filter(status=value)
        if value == "oppna":
            return qs.exclude(status=Assignment.Status.AVSLUTAD)
        return qs.filter(outcome=value)

    def filter_package(self, qs, name, value):
        return qs.filter(package__code=value)

    def filter_consultant(self, qs, name, value):
        # A subquery rather than a join on colleagues: no duplicate rows, so no DISTINCT over the page.
        assisted = Assignment.colleagues.through.objects.filter(user=value).values("assignment_id")
        return qs.filter(Q(responsible=value) | Q(pk__in=assisted))

    def filter_unit(self, qs, name, value):
        return qs.filter(responsible__unit=value)
