"""WebSocket authentication: a bearer token (header or ``?token=``) or, failing that, the session."""

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from accounts.middleware import WebSocketSecondFactorMiddleware
from accounts.selectors import token_get_usable


@database_sync_to_async
def _user_for_token(raw: str) -> Any:
    token = token_get_usable(raw=raw)
    return token.user if token else None


def _bearer(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() == "bearer":
                return parts[1]
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


class BearerTokenMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw = _bearer(scope)
        if raw:
            user = await _user_for_token(raw)
            scope = {**scope, "user": user or AnonymousUser()}
        return await super().__call__(scope, receive, send)


class SessionOriginValidator:
    """Cookies ride along with any cross-site WebSocket, so session connections must come from our own
    pages (allowed hosts). A bearer token is never sent implicitly, so token connections need no Origin."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.validated = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if _bearer(scope):
            return await self.inner(scope, receive, send)
        return await self.validated(scope, receive, send)


def StreamAuthStack(inner: Any) -> Any:
    """Session first (browsers), then a bearer token overrides it when one is given (programs)."""
    return SessionOriginValidator(AuthMiddlewareStack(WebSocketSecondFactorMiddleware(BearerTokenMiddleware(inner))))
