"""GET /api/v1/reports/summary/: the tertial report's key figures as JSON for other tools; GET
/api/v1/reports/lead-times/: lead times and omtag (assignments/leadtimes.py)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assignments import leadtimes as lt
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


# --- GET /api/v1/reports/lead-times/ -----------------------------------------------------------


class LeadTimeQuery(serializers.Serializer):
    year = QueryIntegerField(
        min_value=2000, max_value=2100, error_messages={"invalid": _("Ange året som ett heltal, t.ex. 2026.")}
    )
    tertial = serializers.ChoiceField(
        choices=[1, 2, 3],
        required=False,
        error_messages={"invalid_choice": _("Tertial måste vara 1, 2 eller 3.")},
    )
    cumulative = serializers.BooleanField(default=True)
    by = serializers.ChoiceField(
        choices=list(lt.GROUPS),
        default="package",
        error_messages={"invalid_choice": _("Gruppera med package, level, consultant eller year.")},
    )


class StatSerializer(serializers.Serializer):
    antal = serializers.IntegerField(help_text="Uppdrag med måttet")
    median = serializers.FloatField(allow_null=True, help_text="Median, dagar")
    p80 = serializers.FloatField(allow_null=True, help_text="80:e percentilen, dagar")


MeasuresSerializer = type(
    "LeadTimeMeasuresSerializer",
    (serializers.Serializer,),
    {key: StatSerializer(help_text=label) for key, label in lt.MEASURES},
)


class LeadTimeRowSerializer(serializers.Serializer):
    grupp = serializers.CharField(help_text="Paketkod, nivå, konsultens id eller år")
    namn = serializers.CharField()
    avslutade = serializers.IntegerField()
    matt = MeasuresSerializer()


class RedoRowSerializer(serializers.Serializer):
    grupp = serializers.CharField()
    namn = serializers.CharField()
    avslutade = serializers.IntegerField()
    ej_tillsatta = serializers.IntegerField()
    gjorda_om = serializers.IntegerField()
    andel_omtag = serializers.FloatField(allow_null=True, help_text="Procent av de avslutade")
    skal = serializers.DictField(child=serializers.IntegerField(), help_text="Skäl → antal ej tillsatta")


class LeadTimesSerializer(serializers.Serializer):
    ar = serializers.IntegerField()
    period = serializers.CharField()
    fran = serializers.DateField()
    till = serializers.DateField()
    grupp = serializers.ChoiceField(choices=list(lt.GROUPS))
    rader = LeadTimeRowSerializer(many=True)
    alla = LeadTimeRowSerializer(allow_null=True)
    omtag = RedoRowSerializer(many=True)


def _float(value):
    return None if value is None else float(value)


def _lead_row(row: lt.LeadTimeRow) -> dict:
    return {
        "grupp": row.group,
        "namn": str(row.label),
        "avslutade": row.closed,
        "matt": {
            key: {"antal": stat.count, "median": _float(stat.median), "p80": _float(stat.p80)}
            for key, stat in row.stats.items()
        },
    }


class LeadTimesView(APIView):
    """Ledtider (beställning → start → tillsättning/avslut) och andel omtag för de uppdrag som
    avslutades under perioden. En konsult får sina egna uppdrag; chef och administratör hela
    avdelningen."""

    permission_classes = [permissions.IsAuthenticated]
    schema = ApiSchema()

    @extend_schema(
        summary="Ledtider och omtag",
        parameters=[
            OpenApiParameter("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, required=True),
            OpenApiParameter("tertial", int, required=False, enum=[1, 2, 3], description="Utan: helår"),
            OpenApiParameter(
                "cumulative", bool, required=False, description="Ackumulerat från januari (standard)"
            ),
            OpenApiParameter(
                "by", str, required=False, enum=list(lt.GROUPS), description="Standard: package"
            ),
        ],
        responses={200: LeadTimesSerializer, 400: INVALID_QUERY, 403: FORBIDDEN},
    )
    def get(self, request):
        query = LeadTimeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        year, by = data["year"], data["by"]
        tertial = int(data["tertial"]) if data.get("tertial") else 3
        code = CUMULATIVE[tertial] if data["cumulative"] or "tertial" not in data else f"T{tertial}"
        chosen = figures.period(year, code)
        consultant = None if request.user.is_head else request.user
        scope = figures.Scope(chosen, consultant=consultant)
        first = chosen.start if by != "year" else date(year - 3, 1, 1)
        frame = lt.closed_frame(first, chosen.end, scope.q())
        overall = lt.total(lt.since(frame, chosen.start))
        return Response(
            {
                "ar": year,
                "period": code,
                "fran": chosen.start.isoformat(),
                "till": chosen.end.isoformat(),
                "grupp": by,
                "rader": [_lead_row(row) for row in lt.lead_times(frame, by)],
                "alla": _lead_row(overall) if overall else None,
                "omtag": [
                    {
                        "grupp": r.group,
                        "namn": str(r.label),
                        "avslutade": r.closed,
                        "ej_tillsatta": r.not_hired,
                        "gjorda_om": r.redone,
                        "andel_omtag": _float(r.share),
                        "skal": {str(k): v for k, v in r.reasons.items()},
                    }
                    for r in lt.redo_shares(frame, by)
                ],
            }
        )
