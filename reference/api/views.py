from django.db.models import Prefetch
from rest_framework.viewsets import ReadOnlyModelViewSet

from .. import filtersets
from ..models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Port, Rilo, Unit, WasteCode
from . import serializers


class CountryViewSet(ReadOnlyModelViewSet):
    queryset = Country.objects.all()
    serializer_class = serializers.CountrySerializer
    filterset_class = filtersets.CountryFilterSet
    search_fields = ["^code", "^alpha3", "name_en", "name_fr"]


class RiloViewSet(ReadOnlyModelViewSet):
    queryset = Rilo.objects.prefetch_related(Prefetch("members", queryset=Country.objects.order_by("code")))
    serializer_class = serializers.RiloSerializer
    filterset_class = filtersets.RiloFilterSet
    search_fields = ["code", "name_en", "name_fr"]


class MeaViewSet(ReadOnlyModelViewSet):
    queryset = Mea.objects.prefetch_related(Prefetch("hs_links", queryset=MeaHsLink.objects.select_related("hs_code")))
    serializer_class = serializers.MeaSerializer
    filterset_class = filtersets.MeaFilterSet
    search_fields = ["code", "short_name_en", "short_name_fr", "name_en", "name_fr"]


class HsCodeViewSet(ReadOnlyModelViewSet):
    queryset = HsCode.objects.all()
    serializer_class = serializers.HsCodeSerializer
    filterset_class = filtersets.HsCodeFilterSet
    search_fields = ["^code", "description"]


class UnitViewSet(ReadOnlyModelViewSet):
    queryset = Unit.objects.all()
    serializer_class = serializers.UnitSerializer
    filterset_class = filtersets.UnitFilterSet
    search_fields = ["code", "name_en", "name_fr"]


class WasteCodeViewSet(ReadOnlyModelViewSet):
    queryset = WasteCode.objects.all()
    serializer_class = serializers.WasteCodeSerializer
    filterset_class = filtersets.WasteCodeFilterSet
    search_fields = ["^code", "description_en", "description_fr"]


class OdsSubstanceViewSet(ReadOnlyModelViewSet):
    queryset = OdsSubstance.objects.all()
    serializer_class = serializers.OdsSubstanceSerializer
    filterset_class = filtersets.OdsSubstanceFilterSet
    search_fields = ["code", "name", "formula"]


class CitesTermViewSet(ReadOnlyModelViewSet):
    queryset = CitesTerm.objects.all()
    serializer_class = serializers.CitesTermSerializer
    filterset_class = filtersets.CitesTermFilterSet
    search_fields = ["^code", "name_en", "name_fr"]


class PortViewSet(ReadOnlyModelViewSet):
    queryset = Port.objects.all()
    serializer_class = serializers.PortSerializer
    filterset_class = filtersets.PortFilterSet
    search_fields = ["^code", "^iata", "^locode", "name", "city"]
