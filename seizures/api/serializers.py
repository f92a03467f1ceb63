from typing import Any

from django.urls import reverse
from rest_framework import serializers

from reference.choices import BaselReason, CitesAppendix, ConcealmentMethod, DetectionMethod, TransportMode

from ..choices import (
    HANDLING_CODE_HELP,
    ActionTaken,
    Direction,
    Disposal,
    Finding,
    HandlingCode,
    PartyKind,
    PartyRole,
    PlaceFunction,
    RouteRole,
)
from ..models import CommodityLine, Party, RouteLeg, Seizure, SeizureVersion

# --- Writing: shape only; the domain rules are the services' ----------------------------------


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, default="")


def _choice(choices: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, default="")


def _count() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False, allow_null=True, default=None)


def _choices(choices: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False, default=list)


class LineInputSerializer(serializers.Serializer):
    mea = serializers.CharField(max_length=16, allow_blank=True)
    hs_code = serializers.CharField(max_length=16, allow_blank=True, help_text="HS 2022 code, 4 or 6 digits, "
                                    "optionally with 2 to 4 national digits (8549.11, 85491100).")  # fmt: skip
    description = serializers.CharField(max_length=500, allow_blank=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)
    unit = _text(8)
    waste_code = _text(8)
    ods_substance = _text(16)
    equipment_pieces = _count()
    species = _text(200)
    cites_appendix = _choice(CitesAppendix.choices)
    cites_term = _text(3)
    live_count = _count()
    surviving_count = _count()
    disposal = _choice(Disposal.choices)


class RouteLegInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=RouteRole.choices)
    country = serializers.CharField(max_length=2)
    place_port = _text(8)
    place_name = _text(200)


class PartyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    role = serializers.ChoiceField(choices=PartyRole.choices)
    name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    nationality = _text(2)
    document_number = _text(64)
    registration_number = _text(64)
    address = _text(300)


class SeizureWriteSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    place_port = _text(8)
    place_locode = _text(8)
    place_name = _text(200)
    place_function = _choice(PlaceFunction.choices)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    direction = _choice(Direction.choices)
    transport_mode = _choice(TransportMode.choices)
    vessel_name = _text(128)
    vessel_imo = _text(16)
    flight = _text(16)
    vehicle_registration = _text(32)
    containers = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list, max_length=500
    )
    transport_document = _text(64)
    detection_methods = _choices(DetectionMethod.choices)
    concealment_methods = _choices(ConcealmentMethod.choices)
    reasons = _choices(BaselReason.choices)
    actions_taken = _choices(ActionTaken.choices)
    narrative = _text(20_000)
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices, default=HandlingCode.AMBER, help_text=HANDLING_CODE_HELP
    )
    lines = LineInputSerializer(many=True, max_length=200)  # type: ignore[call-arg]
    route = RouteLegInputSerializer(many=True, max_length=20)  # type: ignore[call-arg]
    parties = PartyInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, allow_null=True, default=None, max_length=100
    )


class SeizureCreateSerializer(SeizureWriteSerializer):
    operation = serializers.IntegerField(min_value=1, max_value=2**62)
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit to the V-OCU at once instead of keeping a draft."
    )
    unit = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Id of one of your units the draft belongs to."
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


# --- Reading ---------------------------------------------------------------------------------


class CommodityLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommodityLine
        fields = [
            "position", "mea", "hs_code", "hs_national", "hs_edition", "description", "quantity", "unit", "kg",
            "m3", "pieces", "waste_code", "ods_substance", "odp_tonnes", "co2e_tonnes", "equipment_pieces",
            "species", "cites_appendix", "cites_term", "live_count", "surviving_count", "disposal",
        ]  # fmt: skip
        read_only_fields = fields
        # Read-only fields lose the model's blank choice unless told: the schema would then refuse "".
        extra_kwargs = {"cites_appendix": {"allow_blank": True}, "disposal": {"allow_blank": True}}


class RouteLegSerializer(serializers.ModelSerializer):
    place_port: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = RouteLeg
        fields = ["position", "role", "country", "place_port", "place_name"]
        read_only_fields = fields


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = [
            "id", "kind", "role", "name", "date_of_birth", "nationality", "document_number",
            "registration_number", "address",
        ]  # fmt: skip
        read_only_fields = fields


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField()
    detail = serializers.CharField()
    label = serializers.SerializerMethodField()  # type: ignore[assignment]

    def get_label(self, finding: dict[str, Any]) -> str:
        return str(Finding(finding["code"]).label) if finding["code"] in Finding.values else finding["code"]


class SeizureSerializer(serializers.ModelSerializer):
    """A seizure as the caller may see it: parties only for the reporter and the coordinators."""

    operation_code = serializers.CharField(source="operation.code", read_only=True)
    administration: serializers.RelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    filed_by: serializers.RelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    place_port: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    lines = CommodityLineSerializer(many=True, read_only=True)
    route = RouteLegSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()
    party_counts = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Seizure
        fields = [
            "id", "uuid", "url", "operation", "operation_code", "reference", "status", "version", "administration",
            "country", "filed_by", "occurred_at", "place_port", "place_locode", "place_name", "place_function",
            "latitude", "longitude", "direction", "transport_mode", "vessel_name", "vessel_imo", "flight",
            "vehicle_registration", "containers", "transport_document", "detection_methods",
            "concealment_methods", "reasons", "actions_taken", "narrative", "handling_code", "unit", "lines",
            "route", "findings", "flagged", "case", "review_comment", "submitted_at", "validated_at", "created_at",
            "updated_at", "attachments", "party_counts", "parties",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {name: {"allow_blank": True} for name in ("place_function", "direction", "transport_mode")}

    def get_url(self, seizure: Seizure) -> str:
        return reverse("seizure-detail", args=[seizure.pk])

    def get_attachments(self, seizure: Seizure) -> list[dict[str, Any]]:
        return [
            {
                "name": item.original_name,
                "size": item.size,
                "content_type": item.content_type,
                "url": reverse("seizure-file", args=[seizure.pk, item.uuid]),
            }
            for item in seizure.attachments.all()
        ]

    def get_party_counts(self, seizure: Seizure) -> dict[str, int]:
        counts = self.context.get("party_counts", {})
        return counts.get(seizure.pk, {"total": getattr(seizure, "party_count", 0)})

    def get_parties(self, seizure: Seizure) -> list[dict[str, Any]] | None:
        """``null`` when the caller may not see them; the list otherwise (each read is logged)."""
        parties = self.context.get("parties")
        if parties is None:
            return None
        return PartySerializer(parties, many=True).data  # type: ignore[return-value]


class SeizureVersionSerializer(serializers.ModelSerializer):
    changed_by: serializers.RelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SeizureVersion
        fields = ["number", "status", "action", "changed_by", "changed_at", "comment", "changes", "snapshot"]
        read_only_fields = fields
