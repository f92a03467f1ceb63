from rest_framework import serializers

from accounts.models import Administration, User
from reference.models import Country, HsCode, Mea, Rilo

from ..choices import TEMPLATE_FIELDS, FieldRule, FormVariant
from ..models import Operation, Participation


class OperationSerializer(serializers.ModelSerializer):
    coordinating_administration: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    coordinators: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    scope_meas: serializers.RelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    scope_hs_codes: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    scope_countries: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    scope_rilos: serializers.RelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    name = serializers.CharField(read_only=True)
    reporting_closes_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Operation
        fields = [
            "id", "code", "name", "name_en", "name_fr", "description_en", "description_fr",
            "coordinating_administration", "coordinators", "starts_at", "ends_at", "grace_days",
            "reporting_closes_at", "status", "scope_meas", "scope_hs_codes", "scope_countries", "scope_rilos",
            "default_form", "field_rules", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class OperationWriteSerializer(serializers.Serializer):
    """Shape only; the domain rules are the services'."""

    code = serializers.CharField(max_length=32)
    name_en = serializers.CharField(max_length=200)
    name_fr = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description_en = serializers.CharField(required=False, allow_blank=True)
    description_fr = serializers.CharField(required=False, allow_blank=True)
    coordinating_administration = serializers.SlugRelatedField(
        slug_field="code", queryset=Administration.objects.filter(is_active=True)
    )
    coordinators = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    grace_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    scope_meas = serializers.SlugRelatedField(slug_field="code", queryset=Mea.objects.all(), many=True, required=False)
    scope_hs_codes = serializers.SlugRelatedField(
        slug_field="code", queryset=HsCode.objects.all(), many=True, required=False
    )
    scope_countries = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), many=True, required=False
    )
    scope_rilos = serializers.SlugRelatedField(
        slug_field="code", queryset=Rilo.objects.all(), many=True, required=False
    )
    default_form = serializers.ChoiceField(choices=FormVariant.choices, required=False)
    field_rules = serializers.DictField(
        child=serializers.ChoiceField(choices=FieldRule.choices), required=False, help_text=", ".join(TEMPLATE_FIELDS)
    )
    confirm_scope_change = serializers.BooleanField(required=False, default=False, write_only=True)


class ExtendSerializer(serializers.Serializer):
    ends_at = serializers.DateTimeField()


class InviteSerializer(serializers.Serializer):
    administrations = serializers.SlugRelatedField(
        slug_field="code", queryset=Administration.objects.filter(is_active=True), many=True, required=False
    )
    rilo = serializers.SlugRelatedField(slug_field="code", queryset=Rilo.objects.all(), required=False)


class ParticipationSerializer(serializers.ModelSerializer):
    administration: serializers.RelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    administration_name = serializers.CharField(source="administration.name", read_only=True)
    country = serializers.CharField(source="administration.country_id", read_only=True, allow_null=True)
    rilo = serializers.CharField(source="administration.country.rilo_id", read_only=True, default=None, allow_null=True)
    national_contact: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Participation
        fields = [
            "id", "administration", "administration_name", "country", "rilo", "role", "status",
            "national_contact", "invited_at", "responded_at",
        ]  # fmt: skip
        read_only_fields = fields
