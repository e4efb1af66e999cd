"""GET /api/v1/reports/summary/: the tertial report's key figures as JSON for other tools."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assignments.api.fields import QueryIntegerField
from assignments.api.schema import FORBIDDEN, INVALID_QUERY, ApiSchema
from rekrytering.periods import CUMULATIVE

from . import figures


class IsHead(permissions.BasePermission):
    message = _("Bara chefer och administratörer når nyckeltalen.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_head)


class SummaryQuery(serializers.Serializer):
    year = QueryIntegerField(
        min_value=2000, max_value=2100, error_messages={"invalid": _("Ange året som ett heltal, t.ex. 2026.")}
    )
    tertial = serializers.ChoiceField(
        choices=[1, 2, 3], error_messages={"invalid_choice": _("Tertial måste vara 1, 2 eller 3.")}
    )
    cumulative = serializers.BooleanField(default=True)


def _summary_fields():
    fields = {
        key: serializers.FloatField(allow_null=True, help_text=label) for key, label in figures.KEY_FIGURES
    }
    fields["uppdrag_per_paket"] = serializers.DictField(
        child=serializers.IntegerField(), help_text="Paketkod → antal beställda uppdrag"
    )
    fields["ar"] = serializers.IntegerField()
    fields["period"] = serializers.CharField()
    fields["fran"] = serializers.DateField()
    fields["till"] = serializers.DateField()
    return fields


SummarySerializer = type("SummarySerializer", (serializers.Serializer,), _summary_fields())


def _number(key, value):
    if value is None:
        return None
    return int(value) if key in figures.COUNT_KEYS else float(value)


class SummaryView(APIView):
    """Nyckeltalen i tertialrapportens Sammanfattning (chef och administratör)."""

    permission_classes = [IsHead]
    schema = ApiSchema()

    @extend_schema(
        summary="Nyckeltal för ett tertial",
        parameters=[
            OpenApiParameter("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, required=True),
            OpenApiParameter("tertial", int, required=True, enum=[1, 2, 3]),
            OpenApiParameter(
                "cumulative", bool, required=False, description="Ackumulerat från januari (standard)"
            ),
        ],
        responses={200: SummarySerializer, 400: INVALID_QUERY, 403: FORBIDDEN},
    )
    def get(self, request):
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, tertial = query.validated_data["year"], int(query.validated_data["tertial"])
        cumulative = query.validated_data["cumulative"]
        code = CUMULATIVE[tertial] if cumulative else f"T{tertial}"
        data = figures.summary(year, code)
        chosen = figures.period(year, code)
        result = {key: _number(key, data[key]) for key, _label in figures.KEY_FIGURES}
        result["uppdrag_per_paket"] = data["uppdrag_per_paket"]
        result.update(ar=year, period=code, fran=chosen.start.isoformat(), till=chosen.end.isoformat())
        return Response(result)
