"""The API's OpenAPI schema: each operation also lists the errors it answers with.

Errors are JSON in Swedish: `{"detail": "..."}` for 401 (with examples: no key, a wrong key, an
expired key), 403, 404, 409 and 415, and messages per field for 400 and 422 (`non_field_errors` for
the whole record; `detail` when the body could not be read). 400 is a request the schema does not
allow; 422 one it allows but the register's rules refuse (a row that does not exist, a name already
taken, a closing date before the order date).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from .authentication import EXPIRED
from .fields import MAX_ID, DecimalField, text_pattern


class ErrorSerializer(serializers.Serializer):
    """Ett fel med ett meddelande på svenska."""

    detail = serializers.CharField(help_text=_("Felmeddelandet."))


class ValidationErrorSerializer(serializers.Serializer):
    """Felmeddelanden per fält (parameter i en sökning).

    `non_field_errors` gäller hela posten; `detail` en begäran som inte gick att läsa.
    """


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "properties": {"non_field_errors": messages, "detail": {"type": "string"}},
            "additionalProperties": messages,
        }


UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer,
    _(
        "Inloggning saknas, eller API-nyckeln är ogiltig eller har gått ut "
        "(%(days)s dagar efter att den skapades)."
    )
    % {"days": settings.API_TOKEN_DAYS},
    examples=[
        OpenApiExample(
            "Ingen inloggning",
            value={"detail": "Autentiseringsuppgifter ej tillhandahållna."},
            response_only=True,
        ),
        OpenApiExample("Ogiltig nyckel", value={"detail": 'Ogiltig "token".'}, response_only=True),
        OpenApiExample("Utgången nyckel", value={"detail": str(EXPIRED)}, response_only=True),
    ],
)
FORBIDDEN = OpenApiResponse(ErrorSerializer, _("Behörighet saknas."))
NOT_FOUND = OpenApiResponse(ErrorSerializer, _("Posten finns inte."))
PAGE_NOT_FOUND = OpenApiResponse(ErrorSerializer, _("Sidan finns inte."))
INVALID = OpenApiResponse(ValidationErrorSerializer, _("Ogiltiga uppgifter."))
INVALID_QUERY = OpenApiResponse(ValidationErrorSerializer, _("Ogiltig parameter."))
RULE = OpenApiResponse(
    ValidationErrorSerializer,
    _("Uppgifterna följer schemat men bryter mot en regel i registret, t.ex. en post som inte finns."),
)
PROTECTED = OpenApiResponse(ErrorSerializer, _("Posten används och kan inte tas bort."))
UNSUPPORTED = OpenApiResponse(ErrorSerializer, _("Formatet stöds inte: skicka JSON."))


def is_protected(model) -> bool:
    """Whether other rows may keep a row of the model from being deleted (on_delete=PROTECT)."""
    return any(
        getattr(rel, "on_delete", None) is models.PROTECT
        for rel in model._meta.related_objects
        if not rel.related_model._meta.auto_created
    )


class ApiSchema(AutoSchema):
    """AutoSchema that adds the error responses an operation can give to those it declares."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self.error_responses().items():
            responses.setdefault(
                str(code), self._get_response_for_code(response, str(code), direction=direction)
            )
        return dict(sorted(responses.items()))

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["name"] == "id":  # the views' lookup_value_regex: a whole number
                parameter["schema"] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # What a write takes is the field's own pattern; an answer shows what the register holds.
        if direction == "request" and isinstance(field, DecimalField):
            schema["pattern"] = field.pattern
        elif direction == "request" and isinstance(field, serializers.PrimaryKeyRelatedField):
            schema.update(format="int64", minimum=1, maximum=MAX_ID)
        elif direction == "request" and isinstance(field, serializers.CharField) and "pattern" not in schema:
            pattern = text_pattern(field)
            if pattern:
                schema["pattern"] = pattern
        return schema

    def error_responses(self) -> dict:
        errors = {401: UNAUTHENTICATED}
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update({400: INVALID, 403: FORBIDDEN, 415: UNSUPPORTED, 422: RULE})
        if self.method == "DELETE":
            errors[403] = FORBIDDEN
        if "{" in self.path:
            errors[404] = NOT_FOUND
        elif self.method == "GET" and self._is_list_view():
            if self.get_filter_backends():
                errors[400] = INVALID_QUERY
            if self._get_paginator():
                errors[404] = PAGE_NOT_FOUND
        if self.method == "DELETE" and is_protected(self.view.get_queryset().model):
            errors[409] = PROTECTED
        return errors


def empty_query_values(result, generator, request, public):
    """Postprocessing hook: an optional query parameter may be sent empty, and then does not filter.

    That is django-filter's rule (`?year=` is no year at all), and DRF's for `?page=` and
    `?search=`; the schema says so with `allowEmptyValue`, so `?year=` is not mistaken for
    an invalid year.
    """
    for path in result["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
