"""Serializers of the register API. Writes go through the services; these only parse and shape."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator, UniqueValidator

from rekrytering.numbers import MAX_INTEGER

from ..models import (
    PACKAGE_FIELDS,
    Assignment,
    Manager,
    Organisation,
    Package,
    TimeCategory,
    TimeEntry,
    User,
    list_price,
)
from ..selectors import LOAD_WEEKS, LOAD_WEEKS_MAX, LOAD_WEEKS_MESSAGE
from ..services import check_responsibility
from .fields import MAX_ID, DecimalField, JsonTypes, QueryIntegerField

# Hours of a time entry, 0.25 to 24, in the amounts' spelling (fields.decimal_pattern).
HOURS_PATTERN = r"^(?:0\.(?:2[5-9]|[3-9][0-9]?)|(?:[1-9]|1[0-9]|2[0-3])(?:\.[0-9]{1,2})?|24(?:\.0{1,2})?)$"

# DRF's Swedish catalogue lacks these; every message a client sees should be Swedish.
SWEDISH_FIELD_MESSAGES = [
    (serializers.BooleanField, {"invalid": _("Ange true eller false.")}),
    (serializers.CharField, {"invalid": _("Ange en text.")}),
]
SURROGATE_MESSAGE = _("Texten innehåller ett otillåtet tecken (U+{code_point:X}).")


class SwedishMessages:
    # Fills in the Swedish error messages DRF has no translation for. (A comment, not a docstring:
    # drf-spectacular would make it the description of every serializer's component.)

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            for field_class, messages in SWEDISH_FIELD_MESSAGES:
                if isinstance(field, field_class):
                    field.error_messages.update(messages)
            for validator in field.validators:
                if isinstance(validator, ProhibitSurrogateCharactersValidator):
                    validator.message = SURROGATE_MESSAGE
        return fields


class ModelSerializer(JsonTypes, SwedishMessages, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: DecimalField,
    }


class Serializer(JsonTypes, SwedishMessages, serializers.Serializer):
    pass


class OrganisationSerializer(ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "active"]
        extra_kwargs = {
            "name": {
                "validators": [
                    UniqueValidator(
                        Organisation.objects.all(),
                        message=_("Det finns redan en organisation med det namnet."),
                    )
                ]
            }
        }


class ManagerSerializer(ModelSerializer):
    class Meta:
        model = Manager
        fields = ["id", "name", "email", "organisation"]
        # validate_email() checks uniqueness, ignoring case, with a Swedish message.
        extra_kwargs = {"email": {"validators": []}}

    def validate_email(self, value):
        value = value.strip().lower()
        clash = Manager.objects.filter(email=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                _("Det finns redan en beställare med den e-postadressen."), code="unique"
            )
        return value


class PackageSerializer(ModelSerializer):
    year = serializers.IntegerField(source="price_list.year", read_only=True)

    class Meta:
        model = Package
        fields = [
            "id",
            "year",
            "price_list",
            *PACKAGE_FIELDS,
        ]
        # services.save_package (Package.clean) gives Swedish messages for the unique constraints.
        validators = []


class AssignmentSerializer(ModelSerializer):
    """Assignments. Candidate contact data is write-only: it is kept only for the surveys.

    Outcome, closing date and hires are set by the close action, not here; `status` moves an
    open assignment between förfrågan and pågående.
    """

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    manager_name = serializers.CharField(source="manager.name", read_only=True)
    package_code = serializers.CharField(source="package.code", read_only=True)
    responsible_username = serializers.CharField(source="responsible.username", read_only=True)
    # Blank while the assignment is open.
    outcome = serializers.ChoiceField(choices=Assignment.Outcome.choices, allow_blank=True, read_only=True)
    close_reason = serializers.ChoiceField(
        choices=Assignment.CloseReason.choices, allow_blank=True, read_only=True
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text=_(
            "Ansvarig konsult; kundenkätens svar räknas för hen. Utelämnad vid registrering: du själv. "
            "En konsult som registrerar ett uppdrag ska själv vara ansvarig eller medarbetande; i ett "
            "befintligt uppdrag ändrar bara samordnare, chef och administratör ansvarig och "
            "medarbetande (annars 403)."
        ),
    )
    colleagues = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        many=True,
        required=False,
        help_text=_(
            "Medarbetande konsulter. I ett befintligt uppdrag ändras de bara av samordnare, chef och "
            "administratör (annars 403)."
        ),
    )
    price = DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Utelämnat: prislistans pris × antal."),
    )
    candidate_name = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    candidate_email = serializers.EmailField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "number",
            "organisation",
            "organisation_name",
            "manager",
            "manager_name",
            "role_title",
            "level",
            "sector",
            "package",
            "package_code",
            "quantity",
            "price",
            "price_reason",
            "extra_hours",
            "responsible",
            "responsible_username",
            "colleagues",
            "status",
            "outcome",
            "close_reason",
            "redo_of",
            "ordered_on",
            "started_on",
            "closed_on",
            "applicants",
            "hires",
            "personal_letter",
            "screening",
            "psychometric_tests",
            "search",
            "references_checked",
            "candidate_name",
            "candidate_email",
            "candidate_start",
            "invoiced_on",
            "invoiced_amount",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "outcome",
            "close_reason",
            "closed_on",
            "hires",
            "created_at",
            "updated_at",
        ]
        # The PostgreSQL integer column's range, whatever the database in use says.
        extra_kwargs = {
            "applicants": {"max_value": MAX_INTEGER},
            "references_checked": {"max_value": MAX_INTEGER},
        }

    def validate_status(self, value):
        closed = self.instance is not None and self.instance.is_closed
        if value == Assignment.Status.AVSLUTAD and not closed:
            raise serializers.ValidationError(
                _("Ett uppdrag avslutas med åtgärden close (utfall och avslutsdatum)."), code="rule"
            )
        if closed and value != Assignment.Status.AVSLUTAD:
            raise serializers.ValidationError(_("Ett avslutat uppdrag kan inte öppnas igen."), code="rule")
        return value

    def validate(self, attrs):
        if self.instance is not None and self.instance.is_closed:
            attrs.pop("status", None)
        errors = {}
        current = self.instance

        def value(name):
            return attrs[name] if name in attrs else getattr(current, name, None)

        # The assignment's own rules (Assignment.clean) are checked by the service; these are the API's.
        manager, organisation = value("manager"), value("organisation")
        if ("manager" in attrs or "organisation" in attrs) and manager and organisation:
            if manager.organisation_id != organisation.pk:
                errors["manager"] = _("Beställaren hör till en annan organisation.")
        request = self.context.get("request")
        if request is not None:
            try:
                check_responsibility(
                    by=request.user,
                    assignment=current,
                    responsible=attrs.get("responsible"),
                    colleagues=attrs.get("colleagues"),
                )
            except PermissionDenied as error:
                raise exceptions.PermissionDenied(str(error)) from error
            except DjangoValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise serializers.ValidationError(errors, code="rule")

        # A new package or quantity brings its list price along, unless the price was agreed apart.
        repriced = "package" in attrs or "quantity" in attrs
        if "price" not in attrs and current is not None and repriced and not current.is_price_overridden:
            attrs["price"] = list_price(value("package"), value("quantity"))
        return attrs


class CloseAssignmentSerializer(Serializer):
    outcome = serializers.ChoiceField(choices=Assignment.Outcome.choices)
    closed_on = serializers.DateField()
    hires = serializers.IntegerField(min_value=0, max_value=MAX_INTEGER, required=False, allow_null=True)
    candidate_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    candidate_email = serializers.EmailField(required=False, allow_blank=True)
    candidate_start = serializers.DateField(required=False, allow_null=True)
    invoiced_on = serializers.DateField(required=False, allow_null=True)
    invoiced_amount = DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    close_reason = serializers.ChoiceField(
        choices=Assignment.CloseReason.choices,
        required=False,
        allow_blank=True,
        help_text="Skäl till att ingen tillsattes (bara när utfallet inte är Tillsatt).",
    )


class TimeEntrySerializer(ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(read_only=True)
    hours = DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        pattern=HOURS_PATTERN,
        pattern_message=_('Ange timmarna som en text, från "0.25" till "24", med högst 2 decimaler.'),
    )
    assignment = serializers.PrimaryKeyRelatedField(
        queryset=Assignment.objects.all(), required=False, allow_null=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=TimeCategory.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = TimeEntry
        fields = ["id", "user", "date", "hours", "assignment", "category", "comment"]


# --- Load (beläggning) ----------------------------------------------------------------------------


def _hours(help_text):
    return serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True, help_text=help_text)


class LoadQuerySerializer(serializers.Serializer):
    weeks = QueryIntegerField(
        required=False,
        default=LOAD_WEEKS,
        min_value=1,
        max_value=LOAD_WEEKS_MAX,
        error_messages={
            "invalid": LOAD_WEEKS_MESSAGE,
            "min_value": LOAD_WEEKS_MESSAGE,
            "max_value": LOAD_WEEKS_MESSAGE,
            "max_string_length": LOAD_WEEKS_MESSAGE,
        },
    )


class LoadWeekSerializer(serializers.Serializer):
    """Timmar under en ISO-vecka."""

    year = serializers.IntegerField(help_text="ISO-år", read_only=True)
    week = serializers.IntegerField(help_text="ISO-veckonummer", read_only=True)
    monday = serializers.DateField(help_text="Veckans måndag", read_only=True)
    capacity = _hours("Kapacitet för uppdrag: (arbetstid − frånvaro) × andelen för uppdrag")
    planned = _hours("Planerade timmar i öppna uppdrag")
    free = _hours("Lediga timmar: kapacitet − planerat (negativt vid överbokning)")

    def to_representation(self, cell):
        year, week = cell.iso_week
        return super().to_representation(
            {
                "year": year,
                "week": week,
                "monday": cell.monday,
                "capacity": cell.capacity,
                "planned": cell.planned,
                "free": cell.free,
            }
        )


class ConsultantLoadSerializer(serializers.Serializer):
    """En konsults beläggning vecka för vecka."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    weekly_hours = _hours("Arbetstid per vecka")
    assignment_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        help_text="Andel av arbetstiden för uppdrag, i procent",
    )
    weeks = LoadWeekSerializer(many=True, read_only=True)

    def to_representation(self, row):
        return {
            "id": row.user.pk,
            "username": row.user.username,
            "name": row.user.get_full_name() or row.user.username,
            "weekly_hours": self.fields["weekly_hours"].to_representation(row.weekly_hours),
            "assignment_share": self.fields["assignment_share"].to_representation(row.assignment_share),
            "weeks": [LoadWeekSerializer(cell).data for cell in row.cells],
        }


class LoadSerializer(serializers.Serializer):
    """Beläggningen: per konsult och vecka, och avdelningens summor."""

    consultants = ConsultantLoadSerializer(many=True, read_only=True)
    totals = LoadWeekSerializer(many=True, read_only=True, help_text="Avdelningens summor per vecka")

    def to_representation(self, load):
        return {
            "consultants": [ConsultantLoadSerializer(row).data for row in load.rows],
            "totals": [LoadWeekSerializer(cell).data for cell in load.totals],
        }


# --- Suggestions (förslag på konsult) ---------------------------------------------------------------

PACKAGE_CODE_MESSAGE = _("Ange paketets kod i årets prislista, t.ex. chefspaket.")
LEVEL_MESSAGE = _("Ange nivån: medarbetare, chef eller hogre_chef.")
ORGANISATION_MESSAGE = _("Ange organisationens id som ett heltal.")
NEEDED_BY_MESSAGE = _("Ange datumet uppdraget ska vara klart som ÅÅÅÅ-MM-DD, i dag eller senare.")
WISHED_MESSAGE = _("Ange den önskade konsultens id som ett heltal.")


def _id_field(message, *, required=True):
    messages = {
        key: message for key in ("invalid", "min_value", "max_value", "max_string_length", "required")
    }
    return QueryIntegerField(required=required, min_value=1, max_value=MAX_ID, error_messages=messages)


class SuggestionQuerySerializer(serializers.Serializer):
    package = serializers.SlugField(
        max_length=40,
        error_messages={
            key: PACKAGE_CODE_MESSAGE for key in ("required", "blank", "max_length", "invalid", "null")
        },
    )
    level = serializers.ChoiceField(
        choices=Assignment.Level.choices,
        error_messages={"required": LEVEL_MESSAGE, "invalid_choice": LEVEL_MESSAGE},
    )
    organisation = _id_field(ORGANISATION_MESSAGE)
    needed_by = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": NEEDED_BY_MESSAGE,
            "invalid": NEEDED_BY_MESSAGE,
            "datetime": NEEDED_BY_MESSAGE,
        },
    )
    wished = _id_field(WISHED_MESSAGE, required=False)

    def validate(self, data):
        today = self.context["today"]
        errors = {}
        if data["needed_by"] < today:
            errors["needed_by"] = [NEEDED_BY_MESSAGE]
        # The order year's price list; before it is entered, the newest earlier one with the code.
        package = (
            Package.objects.filter(
                price_list__year__lte=today.year, code=data["package"], is_hourly_rate=False
            )
            .select_related("price_list")
            .order_by("-price_list__year")
            .first()
        )
        if package is None:
            errors["package"] = [
                _("Paketet %(code)s finns inte i prislistan för %(year)s eller tidigare år.")
                % {"code": data["package"], "year": today.year}
            ]
        organisation = Organisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None:
            errors["organisation"] = [
                _("Organisationen med id %(id)s finns inte.") % {"id": data["organisation"]}
            ]
        wished = None
        if data.get("wished") is not None:
            wished = User.objects.filter(pk=data["wished"], is_active=True).first()
            if wished is None:
                errors["wished"] = [
                    _("Det finns ingen aktiv användare med id %(id)s.") % {"id": data["wished"]}
                ]
        if errors:
            raise serializers.ValidationError(errors, code="rule")  # a 422 (views.api_error)
        return {**data, "package": package, "organisation": organisation, "wished": wished}


class SuggestionSerializer(serializers.Serializer):
    """En föreslagen konsult med skälen, som en mening och som fält."""

    rank = serializers.IntegerField(read_only=True, help_text="Plats i rangordningen, 1 först")
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    reasons = serializers.CharField(read_only=True, help_text="Skälen som en mening på svenska")
    wished = serializers.BooleanField(read_only=True, help_text="Kundens önskade konsult")
    allowed = serializers.BooleanField(
        read_only=True, help_text="Får driva paketet på nivån enligt kompetenskartan"
    )
    manager_certified = serializers.BooleanField(read_only=True, help_text="Certifierad för chefsrekrytering")
    free_hours = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Lediga timmar från den här veckan till och med veckan för needed_by; null för en "
        "kollegas när en konsult frågar",
    )
    organisation_assignments = serializers.IntegerField(
        read_only=True, help_text="Avslutade uppdrag som ansvarig hos organisationen"
    )
    knows_organisation = serializers.BooleanField(
        read_only=True, help_text="Organisationen finns bland de kända i kompetenskartan"
    )
    satisfaction_mean = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Kundnöjdhet (medelvärde på skalfrågorna, två år); null vid färre än "
        f"{settings.SURVEY_MIN_GROUP} svar",
    )
    satisfaction_responses = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=f"Antal kundsvar; null vid färre än {settings.SURVEY_MIN_GROUP}",
    )
    works_in_district = serializers.CharField(
        read_only=True, help_text="Stadsdelen konsulten arbetar i, om organisationen är den; annars tom"
    )

    def to_representation(self, s):
        return {
            "rank": s.rank,
            "id": s.user.pk,
            "username": s.user.username,
            "name": s.name,
            "reasons": s.sentence,
            "wished": s.wished,
            "allowed": s.allowed,
            "manager_certified": s.manager_certified,
            "free_hours": (
                None if s.hours_hidden else self.fields["free_hours"].to_representation(s.free_hours)
            ),
            "organisation_assignments": s.organisation_assignments,
            "knows_organisation": s.knows_organisation,
            "satisfaction_mean": s.satisfaction_mean,
            "satisfaction_responses": s.satisfaction_responses,
            "works_in_district": s.works_in_district,
        }


class SuggestionsSerializer(serializers.Serializer):
    """Förslag på konsult för ett nytt uppdrag."""

    price_list_year = serializers.IntegerField(
        read_only=True,
        help_text="Prislistan paketkoden slogs upp i: beställningsårets (i år), annars den senaste "
        "tidigare med koden",
    )
    package = serializers.CharField(read_only=True, help_text="Paketets namn")
    consultants = SuggestionSerializer(many=True, read_only=True)
