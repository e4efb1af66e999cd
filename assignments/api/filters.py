"""FilterSets of the API (django-filter)."""

import django_filters
from django.db.models import Q

from ..models import Assignment, Package, TimeEntry


class AssignmentApiFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="ordered_on", lookup_expr="year", label="Beställningsår")
    package = django_filters.CharFilter(field_name="package__code", label="Paketkod")
    consultant = django_filters.NumberFilter(
        method="filter_consultant", label="Konsult (ansvarig eller medarbetande)"
    )
    unit = django_filters.NumberFilter(field_name="responsible__unit", label="Enhet")
    ordered_after = django_filters.DateFilter(field_name="ordered_on", lookup_expr="gte")
    ordered_before = django_filters.DateFilter(field_name="ordered_on", lookup_expr="lte")

    class Meta:
        model = Assignment
        fields = ["status", "outcome", "organisation", "sector", "level", "responsible"]

    def filter_consultant(self, queryset, name, value):
        return queryset.filter(Q(responsible_id=value) | Q(colleagues__id=value)).distinct()


class PackageApiFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="price_list__year")

    class Meta:
        model = Package
        fields = ["code", "unit", "active"]


class TimeEntryApiFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TimeEntry
        fields = ["user", "assignment", "category"]
