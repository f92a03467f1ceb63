"""DRF throttles that count by the client's own address, as the pages' limits do (``opsplatform.ratelimit``).

DRF's throttles take the whole ``X-Forwarded-For`` header as the client's identity unless ``NUM_PROXIES`` is
set, so a client that sends a new header each time gets a new bucket each time.
"""

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle as DrfScopedRateThrottle

from .ratelimit import client_address


class ScopedRateThrottle(DrfScopedRateThrottle):
    """DRF's scoped throttle, with anonymous callers counted by ``client_address``: the peer, or behind a
    proxy of ``TRUSTED_PROXY_NETWORKS`` the last hop it added. Signed-in callers are still counted by account."""

    def get_ident(self, request: Request) -> str:
        return client_address(request)
