from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def hs_search(request: HttpRequest) -> HttpResponse:
    """HS 2022 lookup by code prefix or words; a plain GET form, so it works without JavaScript."""
    filterset, codes = selectors.hs_code_search(params=request.GET)
    searched = any(request.GET.get(key) for key in ("q", "mea", "level"))
    page = Paginator(codes, 50).get_page(request.GET.get("page")) if searched and filterset.is_valid() else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reference/hs_search.html",
        {"filterset": filterset, "page": page, "searched": searched, "query": query.urlencode()},
    )


@login_required
def rilo_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reference/rilo_list.html", {"rilos": selectors.rilo_list()})
