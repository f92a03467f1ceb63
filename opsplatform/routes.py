"""Every named URL of the project, walked from the root resolver, and the policy rule each one has."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.policy import NAMESPACES, route_for


@dataclass(frozen=True)
class NamedRoute:
    name: str  # ``namespace:name`` as ``reverse`` takes it
    pattern: str  # the full regex-ish pattern, for messages


def named_routes() -> Iterator[NamedRoute]:
    """Each named URL pattern once, with its namespaces, pages and API alike (format suffixes folded)."""
    seen: set[str] = set()
    for route in _walk(get_resolver(), prefix="", namespace=""):
        if route.name not in seen:
            seen.add(route.name)
            yield route


def unnamed_patterns() -> list[str]:
    """Patterns without a name: a route the policy cannot govern."""
    return [
        pattern
        for pattern, name, namespace in _all(get_resolver(), "", "")
        if not name and namespace.split(":", 1)[0] not in NAMESPACES
    ]


def _all(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str, str]]:
    """Every pattern under ``resolver`` as (full pattern, ``namespace:name`` or "", namespace)."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _all(entry, prefix + str(entry.pattern), inner or "")
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield prefix + str(entry.pattern), name, namespace


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[NamedRoute]:
    for pattern, name, _namespace in _all(resolver, prefix, namespace):
        if name:
            yield NamedRoute(name=name, pattern=pattern)


@checks.register(checks.Tags.security, checks.Tags.urls)
def check_routes_have_a_rule(**kwargs: object) -> list[checks.CheckMessage]:
    """A URL the access policy does not name would be reachable under no declared rule."""
    messages: list[checks.CheckMessage] = []
    for route in named_routes():
        if route_for(route.name) is None:
            messages.append(
                checks.Warning(
                    f"The route {route.name!r} ({route.pattern}) has no rule in accounts.policy.ROUTES.",
                    hint="Declare who may use it in accounts.policy.ROUTES.",
                    id="opsplatform.W001",
                )
            )
    for pattern in unnamed_patterns():
        messages.append(
            checks.Warning(
                f"The route {pattern} has no name, so the access policy cannot govern it.", id="opsplatform.W002"
            )
        )
    return messages
