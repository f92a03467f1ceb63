"""Prometheus metrics: requests, latency, events relayed, Celery queue depth and open WebSockets.

``/metrics`` answers in the Prometheus text format to clients in ``METRICS_ALLOWED_NETWORKS`` (loopback by
default) or bearing ``METRICS_TOKEN``. With several processes on a host (gunicorn workers, daphne, Celery),
each writes its samples under ``PROMETHEUS_MULTIPROC_DIR`` and any of them answers for the whole host.
The queue depth is read from Redis at scrape time, so it is the broker's truth and costs nothing otherwise.
"""

import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

#: Methods outside this set are counted as ``other``, so a scanner cannot grow the label set.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
#: Where kombu's Redis transport keeps a queue's messages: the queue itself and its priority lists.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live[a-z]+_(\d+)\.db$")

HTTP_REQUESTS = Counter(
    "opsplatform_http_requests",
    "HTTP requests answered, by method, URL route pattern and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "opsplatform_http_request_duration_seconds",
    "Time from the first middleware to the response, by method and URL route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
EVENTS_RELAYED = Counter(
    "opsplatform_events_relayed", "Events the relay published to their recipients' channel-layer groups."
)
WEBSOCKETS_OPEN = Gauge(
    "opsplatform_websocket_connections",
    "Open /ws/stream/ connections, summed over live processes.",
    multiprocess_mode="livesum",
)


def _route(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None:
        return match.route or match.view_name or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    """Counts and times every response. Routes are URL patterns, never raw paths, to bound label values."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        route = _route(request)
        HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method=method, route=route, status=str(response.status_code)).inc()
        return response


def celery_queues() -> list[str]:
    """The default queue and every queue a route sends tasks to."""
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    routed = {route["queue"] for route in routes.values() if isinstance(route, dict) and route.get("queue")}
    return sorted({getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"), *routed})


class CeleryQueueCollector(Collector):
    """Messages waiting in each Celery queue, read from the Redis broker when scraped."""

    def collect(self) -> Iterable[Metric]:
        if not settings.REDIS_URL:
            return []
        depth = GaugeMetricFamily(
            "opsplatform_celery_queue_length", "Messages waiting in each Celery queue (Redis LLEN).", labels=["queue"]
        )
        broker_up = GaugeMetricFamily("opsplatform_celery_broker_up", "1 if the Redis broker answered this scrape.")
        queues = celery_queues()
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        try:
            pipeline = client.pipeline(transaction=False)
            for queue in queues:
                pipeline.llen(queue)
                for step in _PRIORITY_STEPS:
                    pipeline.llen(f"{queue}{_PRIORITY_SEPARATOR}{step}")
            lengths = pipeline.execute()
        except redis.RedisError:
            logger.warning("metrics: the Redis broker did not answer", exc_info=True)
            broker_up.add_metric([], 0)
            return [broker_up]
        finally:
            client.close()
        per_queue = 1 + len(_PRIORITY_STEPS)
        for index, queue in enumerate(queues):
            depth.add_metric([queue], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        broker_up.add_metric([], 1)
        return [depth, broker_up]


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _forget_dead_processes(directory: str) -> None:
    """A process killed without ceremony (SIGKILL, OOM) leaves its live gauges behind: drop them here."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        found = _LIVE_GAUGE_FILE.match(path.name)
        if found is None:
            continue
        pid = int(found.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            prometheus_multiprocess.mark_process_dead(pid, directory)
        except PermissionError:  # alive, under another user
            pass


def exposition() -> bytes:
    """The text every scrape gets: this process's metrics, or the whole host's in multi-process mode."""
    directory = _multiprocess_dir()
    if directory:
        _forget_dead_processes(directory)
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry, path=directory)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    at_scrape = CollectorRegistry()
    at_scrape.register(CeleryQueueCollector())
    return body + generate_latest(at_scrape)


def _client_addresses(request: HttpRequest) -> list[str]:
    """The peer, and behind a proxy on an allowed address also the client that proxy saw (its last hop)."""
    addresses = [request.META.get("REMOTE_ADDR", "")]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        addresses.append(forwarded.split(",")[-1].strip())
    return addresses


def _allowed_network(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = [ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS]
    return any(ip in network for network in networks)


def scrape_allowed(request: HttpRequest) -> bool:
    """A bearer token equal to ``METRICS_TOKEN``, or every address on the way inside the allowed networks."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return True
    return all(_allowed_network(address) for address in _client_addresses(request))


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    # The classic text format's type: every Prometheus release (and other scrapers) parses it.
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
