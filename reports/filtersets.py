import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import ReportKind, ReportStatus
from .models import Report


class ReportFilterSet(django_filters.FilterSet):
    """Stored report editions; the list selector scopes them to the reader first."""

    # Bounded like ids in paths: a number no id can have is a 400, not a query the database cannot take.
    operation = django_filters.NumberFilter(label=_("operation"), min_value=1, max_value=10**18 - 1)
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label=_("kind"), empty_label=_("Any"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("status"), empty_label=_("Any"))

    class Meta:
        model = Report
        fields: list[str] = []
