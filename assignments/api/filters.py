"""Filters of the API (django-filter, search, ordering). A bad parameter gives 400 with its name.

Each parameter takes exactly what the schema says: an id is a whole number in the ids' range (one
that names no row finds nothing, it is not an error), a yes/no is `true` or `false`, a text has a
length limit, and an empty value is no filter at all (schema.empty_query_values). The limits keep
the longest valid address within gunicorn's request line (rekrytering/gunicorn.py).
"""

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters

from ..models import Assignment, Manager, Organisation, Package, TimeEntry
from ..selectors import search_assignments
from .fields import MAX_ID, TEXT_PATTERN, WHOLE_NUMBER


class IntegerQueryField(forms.IntegerField):
    """Django's IntegerField, written as the schema's integer (WHOLE_NUMBER), not " 5" or "5.0"."""

    def to_python(self, value):
        if value not in self.empty_values and not WHOLE_NUMBER.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999})
class YearFilter(django_filters.NumberFilter):
    """A whole year that a date can hold; anything else is a 400, not a database error."""

    field_class = IntegerQueryField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row's id. One that names no row is a filter that matches nothing, not a 400."""

    field_class = IntegerQueryField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class BooleanQueryField(forms.Field):
    """`true` or `false`, as JSON spells them; not Django's null, 1, on or unknown."""

    default_error_messages = {"invalid": _("Ange true eller false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value == "true"


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanQueryField


class TextFilter(django_filters.CharFilter):
    """Text as sent (not trimmed), at most `max_length` characters; a NUL character is a 400."""

    def __init__(self, *args, max_length=200, **kwargs):
        super().__init__(*args, max_length=max_length, strip=False, **kwargs)
        extend_schema_field({"type": "string", "pattern": TEXT_PATTERN, "maxLength": max_length})(self)


class ApiFilterSet(django_filters.FilterSet):
    """The FilterSet every API list uses: foreign keys by id, yes/no as true or false."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": TextFilter, "extra": lambda f: {"max_length": f.max_length or 200}}
            for field, default in django_filters.FilterSet.FILTER_DEFAULTS.items()
            if default.get("filter_class") is django_filters.CharFilter
        },
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
    }


class AssignmentApiFilter(ApiFilterSet):
    search = TextFilter(method="filter_search", label="Sök på nummer, tjänst, organisation eller beställare")
    year = YearFilter(field_name="ordered_on", lookup_expr="year", label="Beställningsår")
    package = TextFilter(field_name="package__code", max_length=40, label="Paketkod")
    consultant = IdFilter(method="filter_consultant", label="Konsult (ansvarig eller medarbetande)")
    unit = IdFilter(field_name="responsible__unit", label="Den ansvariga konsultens enhet")
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

    def filter_consultant(self, queryset, name, value):
        return queryset.filter(Q(responsible=value) | Q(colleagues=value)).distinct()


class OrganisationApiFilter(ApiFilterSet):
    class Meta:
        model = Organisation
        fields = ["kind", "active"]


class ManagerApiFilter(ApiFilterSet):
    class Meta:
        model = Manager
        fields = ["organisation"]


class PackageApiFilter(ApiFilterSet):
    year = YearFilter(field_name="price_list__year", label="Prislistans år")

    class Meta:
        model = Package
        fields = ["code", "unit", "active"]


class TimeEntryApiFilter(ApiFilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="Från och med")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="Till och med")

    class Meta:
        model = TimeEntry
        fields = ["user", "assignment", "category"]


def check_length(request, param, max_length):
    """A 400 under the parameter's name for a value longer than the schema's maxLength."""
    if len(request.query_params.get(param, "")) > max_length:
        message = _("Ange högst %(max_length)s tecken.") % {"max_length": max_length}
        raise exceptions.ValidationError({param: [message]})


class SearchFilter(filters.SearchFilter):
    """DRF's ?search=, at most 200 characters, with its errors under the parameter's name.

    DRF refuses a NUL character (PostgreSQL cannot store or compare one) with a bare JSON list,
    which is not the API's error format.
    """

    max_length = 200

    def get_search_terms(self, request):
        check_length(request, self.search_param, self.max_length)
        if "\x00" in request.query_params.get(self.search_param, ""):
            raise exceptions.ValidationError({self.search_param: [_("Null-tecken är inte tillåtna.")]})
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(pattern=TEXT_PATTERN, maxLength=self.max_length)
        return parameters


class OrderingFilter(filters.OrderingFilter):
    """DRF's ?ordering=, at most 100 characters (fields it does not know are left out, as in DRF)."""

    max_length = 100

    def get_ordering(self, request, queryset, view):
        check_length(request, self.ordering_param, self.max_length)
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = self.max_length
        return parameters
