"""Pages of the audit trail and the access log: the secretariat reads everything, a national contact
point their own administration's; for anyone else they do not exist (404)."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from opsplatform.filtering import filter_values

from . import selectors
from .audit import audit_changes, event_digest
from .filtersets import AccessLogFilterSet, AuditEventFilterSet
from .models import Administration, User

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _query_without_page(query: QueryDict) -> str:
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


def _scope(administration_id: int | None) -> Administration | None:
    return Administration.objects.get(pk=administration_id) if administration_id is not None else None


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    administration_id = selectors.audit_scope(user=user)
    filterset = AuditEventFilterSet(data=request.GET)
    events = selectors.audit_event_list(user=user, filters=filter_values(filterset))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "query": _query_without_page(request.GET),
        "scope": _scope(administration_id),
    }
    return render(request, "accounts/audit/list.html", context)


@login_required
def audit_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.audit_event_get(user=_user(request), event_id=event_id)
    context = {
        "event": event,
        "changes": audit_changes(before=event.before, after=event.after),
        "digest_matches": event_digest(event) == event.digest,
    }
    return render(request, "accounts/audit/detail.html", context)


@login_required
def access_log_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    administration_id = selectors.audit_scope(user=user)
    filterset = AccessLogFilterSet(data=request.GET)
    entries = selectors.access_log_list(user=user, filters=filter_values(filterset))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "query": _query_without_page(request.GET),
        "scope": _scope(administration_id),
    }
    return render(request, "accounts/audit/access_log.html", context)
