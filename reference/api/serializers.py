from rest_framework import serializers

from ..models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Port, Rilo, Unit, WasteCode


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name", "name_en", "name_fr", "rilo"]


class RiloMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Country
        fields = ["code", "name"]


class RiloSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    members = RiloMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Rilo
        fields = ["code", "name", "name_en", "name_fr", "host_country", "members"]


class MeaHsLinkSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="hs_code.description", read_only=True)

    class Meta:
        model = MeaHsLink
        fields = ["hs_code", "description", "note_en", "note_fr"]


class MeaSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    short_name = serializers.CharField(read_only=True)
    hs_links = MeaHsLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Mea
        fields = [
            "code",
            "short_name",
            "name",
            "short_name_en",
            "short_name_fr",
            "name_en",
            "name_fr",
            "kind",
            "topic",
            "hs_links",
        ]


class HsCodeSerializer(serializers.ModelSerializer):
    dotted = serializers.CharField(read_only=True)

    class Meta:
        model = HsCode
        fields = ["code", "dotted", "level", "parent", "section", "description", "edition"]


class UnitSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "name_en", "name_fr", "dimension", "to_kg", "to_m3", "to_pieces", "is_cites"]


class WasteCodeSerializer(serializers.ModelSerializer):
    description = serializers.CharField(read_only=True)

    class Meta:
        model = WasteCode
        fields = ["code", "annex", "description", "description_en", "description_fr"]


class OdsSubstanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = OdsSubstance
        fields = ["code", "name", "formula", "family", "annex_group", "odp", "gwp", "hs_code", "components"]


class CitesTermSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = CitesTerm
        fields = ["code", "name", "name_en", "name_fr", "preferred_unit", "alternative_unit"]


class PortSerializer(serializers.ModelSerializer):
    class Meta:
        model = Port
        fields = ["id", "code", "kind", "name", "city", "country", "locode", "iata", "latitude", "longitude"]
