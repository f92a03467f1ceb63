import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration
from reference.models import Mea, Rilo

from .choices import OperationStatus
from .models import Operation


class OperationFilterSet(django_filters.FilterSet):
    """Operation list filters; the list selector applies the cleaned values, so pages and API agree."""

    status = django_filters.ChoiceFilter(choices=OperationStatus.choices, label=_("status"), empty_label=_("Any"))
    mea = django_filters.ModelChoiceFilter(
        queryset=Mea.objects.all(), field_name="scope_meas", label=_("MEA"), empty_label=_("Any")
    )
    coordinator = django_filters.ModelChoiceFilter(
        queryset=Administration.objects.filter(kind__in=["rilo", "secretariat"]),
        field_name="coordinating_administration",
        label=_("coordinating administration"),
        empty_label=_("Any"),
    )
    rilo = django_filters.ModelChoiceFilter(
        queryset=Rilo.objects.all(),
        field_name="coordinating_administration__rilo",
        label=_("coordinating RILO"),
        empty_label=_("Any"),
    )
    active_at = django_filters.DateTimeFilter(field_name="starts_at", label=_("active at"))
    q = django_filters.CharFilter(field_name="code", label=_("code or name"))

    class Meta:
        model = Operation
        fields: list[str] = []

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return queryset
