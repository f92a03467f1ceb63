import re
from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from . import choices
from .models import CitesTerm, Country, HsCode, Mea, OdsSubstance, Port, Rilo, Unit, WasteCode


class CountryFilterSet(django_filters.FilterSet):
    rilo = django_filters.ModelChoiceFilter(queryset=Rilo.objects.all(), label=_("RILO"))

    class Meta:
        model = Country
        fields = ["rilo"]


class RiloFilterSet(django_filters.FilterSet):
    member = django_filters.CharFilter(field_name="members__code", lookup_expr="iexact", label=_("member country"))

    class Meta:
        model = Rilo
        fields = ["member"]


class MeaFilterSet(django_filters.FilterSet):
    class Meta:
        model = Mea
        fields = ["kind", "topic"]


def _digits(value: str) -> str:
    """Officers type 8549.11, 8549 11 or 854911: compare digits only."""
    return re.sub(r"[^0-9]", "", value)


class HsCodeFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(method="filter_code", label=_("code starts with"))
    q = django_filters.CharFilter(method="filter_q", label=_("code prefix or words of the description"))
    mea = django_filters.ModelChoiceFilter(
        queryset=Mea.objects.all(), method="filter_mea", label=_("linked to MEA"), empty_label=_("Any")
    )
    level = django_filters.ChoiceFilter(choices=choices.HsLevel.choices, label=_("level"), empty_label=_("Any"))

    class Meta:
        model = HsCode
        fields = ["code", "q", "level", "section", "parent", "mea"]

    def filter_code(self, queryset: QuerySet[HsCode], name: str, value: str) -> QuerySet[HsCode]:
        return queryset.filter(code__startswith=_digits(value))

    def filter_q(self, queryset: QuerySet[HsCode], name: str, value: str) -> QuerySet[HsCode]:
        digits = _digits(value)
        if digits and not re.search(r"[A-Za-z]", value):
            return queryset.filter(code__startswith=digits)
        for word in value.split():
            queryset = queryset.filter(description__icontains=word)
        return queryset

    def filter_mea(self, queryset: QuerySet[HsCode], name: str, value: Mea) -> QuerySet[HsCode]:
        """Codes linked to the MEA, and every code below a linked one."""
        prefixes = list(value.hs_links.values_list("hs_code_id", flat=True))
        if not prefixes:
            return queryset.none()
        return queryset.filter(reduce(or_, (Q(code__startswith=prefix) for prefix in prefixes)))


class UnitFilterSet(django_filters.FilterSet):
    class Meta:
        model = Unit
        fields = ["dimension", "is_cites"]


class WasteCodeFilterSet(django_filters.FilterSet):
    class Meta:
        model = WasteCode
        fields = ["annex"]


class OdsSubstanceFilterSet(django_filters.FilterSet):
    class Meta:
        model = OdsSubstance
        fields = ["family"]


class CitesTermFilterSet(django_filters.FilterSet):
    class Meta:
        model = CitesTerm
        fields = ["preferred_unit"]


class PortFilterSet(django_filters.FilterSet):
    country = django_filters.ModelChoiceFilter(queryset=Country.objects.all(), label=_("country"))
    rilo = django_filters.ModelChoiceFilter(
        queryset=Rilo.objects.all(), field_name="country__rilo", label=_("RILO region")
    )

    class Meta:
        model = Port
        fields = ["kind", "country", "rilo", "iata", "locode"]
