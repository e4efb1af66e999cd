"""FilterSets of the API (django-filter). A bad parameter gives 400 with the parameter's name."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters

from ..models import Assignment, Package, TimeEntry, Unit, User
from ..selectors import search_assignments


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999})
class YearFilter(django_filters.NumberFilter):
    """A whole year that a date can hold; anything else is a 400, not a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class AssignmentApiFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Sök på nummer, tjänst, organisation eller beställare"
    )
    year = YearFilter(field_name="ordered_on", lookup_expr="year", label="Beställningsår")
    package = django_filters.CharFilter(field_name="package__code", label="Paketkod")
    consultant = django_filters.ModelChoiceFilter(
        queryset=User.objects.all(),
        method="filter_consultant",
        label="Konsult (ansvarig eller medarbetande)",
    )
    unit = django_filters.ModelChoiceFilter(
        field_name="responsible__unit", queryset=Unit.objects.all(), label="Den ansvariga konsultens enhet"
    )
    ordered_after = django_filters.DateFilter(
        field_name="ordered_on", lookup_expr="gte", label="Beställt tidigast"
    )
    ordered_before = django_filters.DateFilter(
        field_name="ordered_on", lookup_expr="lte", label="Beställt senast"
    )

    class Meta:
        model = Assignment
        fields = ["status", "outcome", "organisation", "manager", "sector", "level", "responsible"]

    def filter_search(self, queryset, name, value):
        return search_assignments(queryset, value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_consultant(self, queryset, name, value):
        return queryset.filter(Q(responsible=value) | Q(colleagues=value)).distinct()


class PackageApiFilter(django_filters.FilterSet):
    year = YearFilter(field_name="price_list__year", label="Prislistans år")

    class Meta:
        model = Package
        fields = ["code", "unit", "active"]


class TimeEntryApiFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="Från och med")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="Till och med")

    class Meta:
        model = TimeEntry
        fields = ["user", "assignment", "category"]


class SearchFilter(filters.SearchFilter):
    """DRF's ?search=, with its error under the parameter's name like the FilterSets' errors.

    DRF refuses a NUL character (PostgreSQL cannot store or compare one) with a bare JSON list,
    which is not the API's error format.
    """

    def get_search_terms(self, request):
        if "\x00" in request.query_params.get(self.search_param, ""):
            raise exceptions.ValidationError({self.search_param: [_("Null-tecken är inte tillåtna.")]})
        return super().get_search_terms(request)
