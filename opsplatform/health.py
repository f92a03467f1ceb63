"""Health checks for load balancers and supervisors.

``/healthz`` (liveness) says the process answers and touches nothing else, so a database outage never gets
healthy web processes restarted. ``/readyz`` (readiness) says whether this process can do useful work: the
database and Redis answer within ``READINESS_TIMEOUT_SECONDS``; otherwise 503 naming the failed check, so
the balancer sends traffic elsewhere. Without ``REDIS_URL`` (embedded mode) Redis is "not configured" and
does not count. Neither needs a login, neither is cached, and neither fails with anything but that 503.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
#: A few threads, so checks stuck on an unreachable host cannot pile up: later probes time out instead.
_checks_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")


def check_database(alias: str = "default") -> None:
    """A fresh connection, not the request's: proves the server takes new connections, and is closed after."""
    connection = connections.create_connection(alias)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_redis(timeout: float) -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def _timed(check: Callable[[], str | None]) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        started = time.perf_counter()
        outcome = check() or OK
        return {"status": outcome, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}

    return run


def readiness(*, timeout: float | None = None) -> dict[str, dict[str, Any]]:
    """Run every check at once and wait at most ``timeout`` seconds for all of them."""
    timeout = settings.READINESS_TIMEOUT_SECONDS if timeout is None else timeout
    checks: dict[str, Callable[[], dict[str, Any]]] = {
        "database": _timed(check_database),
        "redis": _timed(lambda: check_redis(timeout)),
    }
    futures: dict[str, Future[dict[str, Any]]] = {name: _checks_pool.submit(check) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    results: dict[str, dict[str, Any]] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(deadline - time.monotonic(), 0))
        except FutureTimeout:
            future.cancel()
            results[name] = {"status": "timeout", "timeout_s": timeout}
        except Exception as error:  # any failure is an answer, never a 500
            logger.warning("readiness check %s failed: %s", name, error)
            results[name] = {"status": "failed", "error": type(error).__name__}
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        checks = readiness()
    except Exception as error:  # e.g. the thread pool refused work during interpreter shutdown
        logger.exception("readiness checks could not run")
        checks = {"checks": {"status": "failed", "error": type(error).__name__}}
    ready = all(result["status"] in (OK, NOT_CONFIGURED) for result in checks.values())
    if not ready:
        logger.warning("not ready: %s", {name: result["status"] for name, result in checks.items()})
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
