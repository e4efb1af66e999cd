"""Serializers of the register API. Writes go through the services; these only parse and shape."""

from decimal import Decimal

from rest_framework import serializers

from ..models import Assignment, Manager, Organisation, Package, TimeCategory, TimeEntry, User


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "active"]


class ManagerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Manager
        fields = ["id", "name", "email", "organisation"]

    def validate_email(self, value):
        value = value.strip().lower()
        clash = Manager.objects.filter(email=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("Det finns redan en beställare med den e-postadressen.")
        return value


class PackageSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="price_list.year", read_only=True)

    class Meta:
        model = Package
        fields = [
            "id",
            "year",
            "price_list",
            "code",
            "name",
            "description",
            "price",
            "unit",
            "standard_hours",
            "is_manager_recruitment",
            "is_whole_process",
            "is_hourly_rate",
            "sends_customer_survey",
            "sends_candidate_survey",
            "sends_match_survey",
            "sends_training_evaluation",
            "active",
        ]
        # validate() gives Swedish messages for the model's unique constraints.
        validators = []

    def validate(self, attrs):
        current = self.instance or Package()
        candidate = Package(
            pk=current.pk,
            price_list=attrs.get("price_list") or getattr(current, "price_list", None),
            code=attrs.get("code", current.code),
            name=attrs.get("name", current.name),
            is_hourly_rate=attrs.get("is_hourly_rate", current.is_hourly_rate),
        )
        conflicts = candidate.price_list_conflicts()
        if conflicts:
            raise serializers.ValidationError(conflicts)
        return attrs


class AssignmentSerializer(serializers.ModelSerializer):
    """Assignments. Candidate contact data is write-only: it is kept only for the surveys."""

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    package_code = serializers.CharField(source="package.code", read_only=True)
    responsible_username = serializers.CharField(source="responsible.username", read_only=True)
    responsible = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    colleagues = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
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
        read_only_fields = ["number", "status", "outcome", "closed_on", "hires", "created_at", "updated_at"]

    def validate(self, attrs):
        package = attrs.get("package") or getattr(self.instance, "package", None)
        ordered_on = attrs.get("ordered_on") or getattr(self.instance, "ordered_on", None)
        if package is not None and ordered_on is not None and package.price_list.year != ordered_on.year:
            raise serializers.ValidationError(
                {"package": f"Paketet ska komma från prislistan för beställningsåret {ordered_on.year}."}
            )
        return attrs


class AssignmentStatusSerializer(serializers.Serializer):
    """Moving an open assignment between förfrågan and pågående."""

    status = serializers.ChoiceField(choices=[("forfragan", "Förfrågan"), ("pagaende", "Pågående")])


class CloseAssignmentSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Assignment.Outcome.choices)
    closed_on = serializers.DateField()
    hires = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    candidate_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    candidate_email = serializers.EmailField(required=False, allow_blank=True)
    candidate_start = serializers.DateField(required=False, allow_null=True)
    invoiced_on = serializers.DateField(required=False, allow_null=True)
    invoiced_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class TimeEntrySerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(read_only=True)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal("24")
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

    def validate(self, attrs):
        assignment = attrs.get("assignment", getattr(self.instance, "assignment", None))
        category = attrs.get("category", getattr(self.instance, "category", None))
        if bool(assignment) == bool(category):
            raise serializers.ValidationError("Välj antingen ett uppdrag eller en kategori.")
        return attrs
