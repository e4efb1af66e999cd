"""The register API: thin viewsets over the services and selectors, with the pages' permissions."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..models import Manager, Organisation, Package, TimeEntry
from ..permissions import AssignmentPermission, TimeEntryPermission
from .filters import AssignmentApiFilter, PackageApiFilter, TimeEntryApiFilter
from .serializers import (
    AssignmentSerializer,
    CloseAssignmentSerializer,
    ManagerSerializer,
    OrganisationSerializer,
    PackageSerializer,
    TimeEntrySerializer,
)


class ServiceErrors:
    """Turns the services' Django exceptions into API responses (400, 403, 409)."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            exc = exceptions.ValidationError(detail)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        elif isinstance(exc, ProtectedError):
            return Response(
                {"detail": "Posten används och kan inte tas bort."}, status=status.HTTP_409_CONFLICT
            )
        return super().handle_exception(exc)


class ReadAllWriteRoles(permissions.BasePermission):
    """Everyone logged in reads; writes need one of the view's `write_roles` checks."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.may_write(request)


class OrganisationViewSet(ServiceErrors, viewsets.ModelViewSet):
    queryset = Organisation.objects.order_by("name")
    serializer_class = OrganisationSerializer
    permission_classes = [ReadAllWriteRoles]
    filterset_fields = ["kind", "active"]
    search_fields = ["name"]
    ordering_fields = ["name"]

    def may_write(self, request):
        return request.user.edits_all_assignments


class ManagerViewSet(ServiceErrors, viewsets.ModelViewSet):
    queryset = Manager.objects.select_related("organisation").order_by("name")
    serializer_class = ManagerSerializer
    permission_classes = [ReadAllWriteRoles]
    filterset_fields = ["organisation"]
    search_fields = ["name", "email"]
    ordering_fields = ["name"]

    def may_write(self, request):
        # Anyone who registers assignments may add a new ordering manager.
        return request.method == "POST" or request.user.edits_all_assignments


class PackageViewSet(ServiceErrors, viewsets.ModelViewSet):
    queryset = Package.objects.select_related("price_list").order_by("-price_list__year", "name")
    serializer_class = PackageSerializer
    permission_classes = [ReadAllWriteRoles]
    filterset_class = PackageApiFilter
    search_fields = ["code", "name"]

    def may_write(self, request):
        return request.user.is_admin


class AssignmentViewSet(ServiceErrors, viewsets.ModelViewSet):
    serializer_class = AssignmentSerializer
    permission_classes = [AssignmentPermission]
    filterset_class = AssignmentApiFilter
    search_fields = ["number", "role_title", "organisation__name", "manager__name"]
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
    serializer_class = TimeEntrySerializer
    permission_classes = [TimeEntryPermission]
    filterset_class = TimeEntryApiFilter
    ordering_fields = ["date"]

    def get_queryset(self):
        return TimeEntry.objects.select_related("assignment", "category").order_by("-date", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.log_time(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_time_entry(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_time_entry(instance, by=self.request.user)
