import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from reference.choices import TransportMode
from reference.models import Country, Mea

from .choices import HandlingCode, RouteRole, SeizureStatus
from .models import Seizure


class SeizureFilterSet(django_filters.FilterSet):
    """Seizure list filters; the list selector applies the cleaned values, so pages and API agree."""

    # A plain id: an operation the user may not see filters to nothing, exactly as an unknown id does.
    operation = django_filters.NumberFilter(label=_("operation"), min_value=1, max_value=10**18 - 1)
    status = django_filters.ChoiceFilter(choices=SeizureStatus.choices, label=_("status"), empty_label=_("Any"))
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(), label=_("reporting country"), empty_label=_("Any")
    )
    route_country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(),
        field_name="route__country",
        label=_("country on the route"),
        empty_label=_("Any"),
    )
    route_role = django_filters.ChoiceFilter(choices=RouteRole.choices, label=_("as route role"), empty_label=_("Any"))
    mea = django_filters.ModelChoiceFilter(
        queryset=Mea.objects.all(), field_name="lines__mea", label=_("MEA"), empty_label=_("Any")
    )
    hs_code = django_filters.CharFilter(label=_("HS code starts with"), max_length=10)
    occurred_after = django_filters.IsoDateTimeFilter(label=_("seized on or after"))
    occurred_before = django_filters.IsoDateTimeFilter(label=_("seized on or before"))
    flagged = django_filters.TypedChoiceFilter(
        choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))],
        coerce=lambda value: value == "true",
        empty_value=None,
        label=_("flagged for the V-OCU"),
    )
    transport_mode = django_filters.ChoiceFilter(
        choices=TransportMode.choices, label=_("transport mode"), empty_label=_("Any")
    )
    q = django_filters.CharFilter(label=_("reference or narrative"), max_length=100)
    handling_code = django_filters.ChoiceFilter(
        choices=HandlingCode.choices, label=_("handling code (TLP)"), empty_label=_("Any")
    )
    unit = django_filters.NumberFilter(label=_("unit"), widget=forms.HiddenInput, min_value=1, max_value=10**18 - 1)

    class Meta:
        model = Seizure
        fields: list[str] = []

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return queryset
