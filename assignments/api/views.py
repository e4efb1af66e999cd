"""The register API: thin viewsets over the services and selectors, with the pages' permissions."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from rekrytering.access import IsAdminOrReadOnly

from .. import selectors, services, suggestions
from ..models import Assignment, Manager, Organisation, Package, TimeEntry
from ..permissions import AssignmentPermission, TimeEntryPermission, sees_everyones_load
from .fields import MAX_ID
from .filters import (
    AssignmentApiFilter,
    ManagerApiFilter,
    OrderingFilter,
    OrganisationApiFilter,
    PackageApiFilter,
    SearchFilter,
    TimeEntryApiFilter,
)
from .schema import INVALID_QUERY, RULE, ApiSchema, ErrorSerializer
from .serializers import (
    AssignmentSerializer,
    CloseAssignmentSerializer,
    LoadQuerySerializer,
    LoadSerializer,
    ManagerSerializer,
    OrganisationSerializer,
    PackageSerializer,
    SuggestionQuerySerializer,
    SuggestionSerializer,
    SuggestionsSerializer,
    TimeEntrySerializer,
)

# Codes of the messages for a request that keeps to the schema but breaks one of the register's
# rules: a row that does not exist, a name that is taken, a closing date before the order, ...
RULE_CODES = {"does_not_exist", "unique", "rule"}


class RuleViolation(exceptions.ValidationError):
    """422: the request is as the schema says, the register's rules refuse it. Same body as a 400."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


def leaf_codes(codes):
    if isinstance(codes, dict):
        for value in codes.values():
            yield from leaf_codes(value)
    elif isinstance(codes, list):
        for value in codes:
            yield from leaf_codes(value)
    else:
        yield codes


def api_error(exc):
    """The DRF exception for a Django one from a service, or None when it is not ours to translate.

    ValidationError → 422 with the messages per field (a service only sees data the serializer
    accepted, so what it refuses is a rule), PermissionDenied → 403 with its message, Http404 → 404
    without the model's English "No X matches the given query"; a body that cannot be parsed → 400
    without the parser's English message. A serializer's ValidationError is a 400, or a 422 when
    every message in it is a rule's (RULE_CODES).
    """
    if isinstance(exc, DjangoValidationError):
        if not hasattr(exc, "error_dict"):
            return RuleViolation({api_settings.NON_FIELD_ERRORS_KEY: exc.messages}, code="rule")
        detail = {
            api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
            for field, messages in exc.message_dict.items()
        }
        return RuleViolation(detail, code="rule")
    if isinstance(exc, exceptions.ValidationError) and not isinstance(exc, RuleViolation):
        codes = set(leaf_codes(exc.get_codes()))
        if codes and codes <= RULE_CODES:
            return RuleViolation(exc.detail)
        return None
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, exceptions.ParseError):
        return exceptions.ParseError(_("Innehållet kunde inte läsas: det är inte giltig JSON."))
    return None


class ServiceErrors:
    """Viewset mixin: the services' exceptions become API responses (400, 403, 404, 409, 422).

    The schema lists those errors per operation (schema.ApiSchema).
    """

    schema = ApiSchema()
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    # An id in the path is written as the schema's integer; "1.0" or " 1" names no resource (404).
    lookup_value_regex = "[0-9]+"

    def handle_exception(self, exc):
        if isinstance(exc, ProtectedError):
            return Response(
                {"detail": "Posten används och kan inte tas bort."}, status=status.HTTP_409_CONFLICT
            )
        return super().handle_exception(api_error(exc) or exc)


class ReadAllWriteRoles(permissions.BasePermission):
    """Everyone logged in reads; writing needs the view's `may_write(request)`."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.may_write(request)


class OrganisationViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Kundorganisationer. Alla läser; administratören ändrar (som på sidorna)."""

    queryset = Organisation.objects.order_by("name")
    serializer_class = OrganisationSerializer
    permission_classes = [ReadAllWriteRoles]
    filterset_class = OrganisationApiFilter
    search_fields = ["name"]
    ordering_fields = ["name"]

    def may_write(self, request):
        return request.user.is_admin


class ManagerViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Beställare. Alla läser och lägger till (som när ett uppdrag registreras); administratören ändrar."""

    queryset = Manager.objects.select_related("organisation").order_by("name")
    serializer_class = ManagerSerializer
    permission_classes = [ReadAllWriteRoles]
    filterset_class = ManagerApiFilter
    search_fields = ["name", "email"]
    ordering_fields = ["name"]

    def may_write(self, request):
        # Anyone who registers assignments may add a new ordering manager, as the assignment form
        # does; changing and deleting are the admin's, as on the register pages.
        return request.method == "POST" or request.user.is_admin


class PackageViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Paket i årens prislistor. Alla läser; administratören ändrar."""

    queryset = Package.objects.select_related("price_list").order_by("-price_list__year", "name")
    serializer_class = PackageSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = PackageApiFilter
    search_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.save_package(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.save_package(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )


class AssignmentSchema(ApiSchema):
    """Registering and changing an assignment also answer 403 for a change of who is on it."""

    FORBIDDEN = OpenApiResponse(
        ErrorSerializer,
        _(
            "Behörighet saknas: du arbetar inte i uppdraget, eller du är konsult och ändrar ansvarig "
            "eller medarbetande konsulter (eller registrerar ett uppdrag som du inte själv arbetar i)."
        ),
    )

    def error_responses(self):
        errors = super().error_responses()
        if getattr(self.view, "action", None) in ("create", "update", "partial_update"):
            errors[403] = self.FORBIDDEN
        return errors


class AssignmentViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Uppdrag. Alla läser; en konsult ändrar de uppdrag hen arbetar i, samordnare, chef och
    administratör alla. Ansvarig och medarbetande konsulter (`responsible`, `colleagues`) i ett
    befintligt uppdrag ändras bara av samordnare, chef och administratör, eftersom kundenkätens svar
    räknas för den ansvariga; en konsult som registrerar ett uppdrag ska själv arbeta i det. Annars
    svarar API:et 403 med ett meddelande på svenska. Uppdrag tas inte bort; de avslutas med åtgärden
    close."""

    schema = AssignmentSchema()
    serializer_class = AssignmentSerializer
    permission_classes = [AssignmentPermission]
    # `search` is in the FilterSet so that the page and the API search alike (selectors).
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = AssignmentApiFilter
    ordering_fields = ["ordered_on", "number", "closed_on"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.assignment_list().order_by("-ordered_on", "-number")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        colleagues = data.pop("colleagues", [])
        serializer.instance = services.create_assignment(by=self.request.user, colleagues=colleagues, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        colleagues = data.pop("colleagues", None)
        serializer.instance = services.update_assignment(
            serializer.instance, by=self.request.user, colleagues=colleagues, **data
        )

    @extend_schema(request=CloseAssignmentSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        assignment = self.get_object()
        params = CloseAssignmentSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.close_assignment(assignment, by=request.user, **params.validated_data)
        return Response(self.get_serializer(selectors.assignment_detail(assignment.pk)).data)


class TimeEntryViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Tidrapporter. Var och en läser, rapporterar och ändrar sin egen tid; chef och administratör läser all
    tid, administratören ändrar all."""

    serializer_class = TimeEntrySerializer
    permission_classes = [TimeEntryPermission]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = TimeEntryApiFilter
    ordering_fields = ["date"]

    def get_queryset(self):
        entries = TimeEntry.objects.order_by("-date", "-id")
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular generating the schema
            return entries
        if not self.request.user.is_head:
            # As on the pages: a konsult or samordnare sees their own time, not colleagues'.
            entries = entries.filter(user=self.request.user)
        return entries

    def perform_create(self, serializer):
        serializer.instance = services.log_time(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_time_entry(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_time_entry(instance, by=self.request.user)


class LoadView(APIView):
    """Beläggning: kapacitet, planerade och lediga timmar per konsult och ISO-vecka, från den här
    veckan och `weeks` veckor framåt, och avdelningens summor. Samordnare, chef och administratör
    får alla konsulter; en konsult får bara sig själv (och summorna)."""

    schema = ApiSchema()

    @extend_schema(
        summary="Beläggning per konsult och vecka",
        parameters=[
            OpenApiParameter(
                "weeks",
                {"type": "integer", "minimum": 1, "maximum": selectors.LOAD_WEEKS_MAX},
                required=False,
                description=f"Antal veckor från och med den här (standard {selectors.LOAD_WEEKS}).",
            )
        ],
        responses={200: LoadSerializer, 400: INVALID_QUERY},
    )
    def get(self, request):
        query = LoadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        load = selectors.consultant_load(timezone.localdate(), weeks=query.validated_data["weeks"])
        if not sees_everyones_load(request.user):
            load = load.only(request.user)
        return Response(LoadSerializer(load).data)


class SuggestionsView(APIView):
    """Förslag på konsult för ett nytt uppdrag: kundens önskade konsult först (om angiven, även om
    kompetenskartan inte tillåter paketet), sedan de som får driva paketet på nivån, rangordnade efter
    lediga timmar fram till `needed_by`, uppdrag hos organisationen, kundnöjdhet (bara med minst
    fem svar) och om organisationen är en stadsdel de arbetar i. Paketkoden slås upp i årets
    prislista (beställningsåret), och finns den inte än i den senaste tidigare med koden
    (`price_list_year` säger vilken). Alla inloggade får rangordningen. 400: en parameter saknas
    eller har fel form; 422: paketet, organisationen eller konsulten finns inte, eller datumet har
    passerat."""

    schema = ApiSchema()

    def handle_exception(self, exc):
        return super().handle_exception(api_error(exc) or exc)

    @extend_schema(
        summary="Förslag på konsult",
        parameters=[
            OpenApiParameter(
                "package",
                {"type": "string", "minLength": 1, "maxLength": 40, "pattern": r"^[-a-zA-Z0-9_]+$"},
                required=True,
                description="Paketets kod i årets prislista (annars den senaste tidigare).",
            ),
            OpenApiParameter(
                "level",
                {"type": "string", "enum": list(Assignment.Level.values)},
                required=True,
                description="Nivå.",
            ),
            OpenApiParameter(
                "organisation",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                required=True,
                description="Beställande organisation (id).",
            ),
            OpenApiParameter(
                "needed_by",
                {"type": "string", "format": "date"},
                required=True,
                description="Datum uppdraget ska vara klart (ÅÅÅÅ-MM-DD), i dag eller senare.",
            ),
            OpenApiParameter(
                "wished",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                required=False,
                description="Kundens önskade konsult (användarens id).",
            ),
        ],
        responses={200: SuggestionsSerializer, 400: INVALID_QUERY, 422: RULE},
    )
    def get(self, request):
        today = timezone.localdate()
        query = SuggestionQuerySerializer(data=request.query_params, context={"today": today})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        ranked = suggestions.suggest_consultants(
            package=data["package"],
            level=data["level"],
            organisation=data["organisation"],
            needed_by=data["needed_by"],
            wished=data["wished"],
            today=today,
            viewer=request.user,
        )
        return Response(
            {
                "price_list_year": data["package"].price_list.year,
                "package": data["package"].name,
                "consultants": [SuggestionSerializer(s).data for s in ranked],
            }
        )


class NotFoundView(APIView):
    """Addresses under /api/v1/ that name no resource: 404 in the API's JSON."""

    permission_classes = [permissions.AllowAny]
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
