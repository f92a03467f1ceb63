"""DRF throttles that count by the client's own address, as the pages' limits do (``opsplatform.ratelimit``).

DRF's throttles take the whole ``X-Forwarded-For`` header as the client's identity unless ``NUM_PROXIES`` is
set, so a client that sends a new header each time gets a new bucket each time. As the pages' limits do, the
throttles let requests through while the cache (Redis) is unreachable, rather than answering 500.
"""

import logging
from typing import Any

import redis
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle as DrfScopedRateThrottle

from .ratelimit import client_address

logger = logging.getLogger(__name__)


class ScopedRateThrottle(DrfScopedRateThrottle):
    """DRF's scoped throttle, with anonymous callers counted by ``client_address``: the peer, or behind a
    proxy of ``TRUSTED_PROXY_NETWORKS`` the last hop it added. Signed-in callers are still counted by account."""

    def get_ident(self, request: Request) -> str:
        return client_address(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError:
            logger.warning(
                "throttle %s not counted: the cache is unreachable", getattr(self, "scope", ""), exc_info=True
            )
            return True
