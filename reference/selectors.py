"""Reads of reference data. Code lists are the same for every member of the closed user group."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from .filtersets import HsCodeFilterSet
from .models import Country, HsCode, Rilo


def hs_code_search(*, params: dict[str, Any]) -> tuple[HsCodeFilterSet, QuerySet[HsCode]]:
    """The HS search the page and the API share: code prefix or words, level, MEA."""
    filterset = HsCodeFilterSet(data=params, queryset=HsCode.objects.all())
    return filterset, filterset.qs


def rilo_list() -> QuerySet[Rilo]:
    return Rilo.objects.select_related("host_country").prefetch_related(
        Prefetch("members", queryset=Country.objects.order_by("name_en"))
    )


def rilo_for_administration(*, administration: Any) -> Rilo | None:
    """The RILO an administration runs or, for a national administration, the one its country belongs to."""
    if administration is None:
        return None
    rilo_code = administration.rilo_id or (administration.country.rilo_id if administration.country_id else None)
    if rilo_code is None:
        return None
    return rilo_list().filter(code=rilo_code).first()
