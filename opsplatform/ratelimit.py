"""Per-person limits on downloads and exports, and per-address limits on public forms: a fixed window
counted in the shared cache.

Pages answer ``429 Too Many Requests`` with a ``Retry-After`` header and a plain message; the API
uses DRF's ``ScopedRateThrottle`` with the same rate (scope ``download``).

While the cache (Redis) is unreachable nothing is counted and every request passes: a limit that cannot be
counted must not turn sign-ins and downloads into server errors. django-axes still locks usernames out, in
the database.
"""

import functools
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` is 60 requests per 60 seconds, as DRF spells rates."""
    count, _slash, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or behind a trusted proxy the last hop it added to X-Forwarded-For
    (earlier hops are whatever the client chose to send)."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded:
        return peer
    try:
        trusted = any(
            ipaddress.ip_address(peer) in ipaddress.ip_network(network, strict=False)
            for network in settings.TRUSTED_PROXY_NETWORKS
        )
    except ValueError:
        return peer
    return forwarded.split(",")[-1].strip() if trusted else peer


def _client_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_address(request)}"


def hit(*, scope: str, key: str, rate: str) -> int:
    """Count one request; the number of seconds to wait when over the limit, else 0."""
    limit, period = parse_rate(rate)
    now = int(time.time())
    window = now // period
    name = f"ratelimit:{scope}:{key}:{window}"
    try:
        if cache.add(name, 1, timeout=period + 1):
            count = 1
        else:
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=period + 1)
                count = 1
    except redis.RedisError:
        logger.warning("rate limit %s not counted: the cache is unreachable", scope, exc_info=True)
        return 0
    if count > limit:
        return max((window + 1) * period - now, 1)
    return 0


def too_many_requests(retry_after: int, message: str = "") -> HttpResponse:
    message = message or _("Too many downloads in a short time. Please wait %(seconds)s seconds and try again.")
    message = message % {"seconds": retry_after}
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


def download_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Limit a download page to ``settings.DOWNLOAD_RATE_LIMIT`` per person."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        wait = hit(scope="download", key=_client_key(request), rate=settings.DOWNLOAD_RATE_LIMIT)
        if wait:
            return too_many_requests(wait)
        return view(request, *args, **kwargs)

    return limited


def submissions_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Limit the POSTs of a public form to ``settings.PUBLIC_FORM_RATE_LIMIT`` per address; reading it is free."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            wait = hit(scope="public-form", key=_client_key(request), rate=settings.PUBLIC_FORM_RATE_LIMIT)
            if wait:
                return too_many_requests(
                    wait, _("Too many requests from your address. Please wait %(seconds)s seconds and try again.")
                )
        return view(request, *args, **kwargs)

    return limited
