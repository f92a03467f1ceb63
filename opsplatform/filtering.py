"""List filters shared by pages and API: a FilterSet validates the query, the app's selector applies it."""

from typing import Any

import django_filters
from rest_framework.exceptions import ValidationError


def filter_values(filterset: django_filters.FilterSet) -> dict[str, Any]:
    """The filters the user actually set, cleaned; empty when the query is invalid (its form shows why)."""
    if not filterset.is_valid():
        return {}
    return {key: value for key, value in filterset.form.cleaned_data.items() if value not in (None, "")}


def api_filter_values(filterset_class: type[django_filters.FilterSet], query: Any) -> dict[str, Any]:
    """Like ``filter_values`` for the API, which answers 400 naming a bad filter instead of ignoring it."""
    filterset = filterset_class(data=query)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filter_values(filterset)
