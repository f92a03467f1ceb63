"""``/metrics``: Prometheus exposition of requests, latency, events relayed, queue depth and WebSockets,
for allowed networks or a bearer token only."""

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
from asgiref.sync import async_to_sync
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from messaging import services as messaging_services
from opsplatform.asgi import application

ROOT = Path(__file__).resolve().parents[2]


def _scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_and_timed_by_route_pattern():
    client = Client()
    before = _scrape(client)

    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page/12345").status_code == 404
    after = _scrape(client)

    counted = "opsplatform_http_requests_total"
    assert (
        _value(after, counted, method="GET", route="healthz", status="200")
        - _value(before, counted, method="GET", route="healthz", status="200")
        == 3
    )
    assert _value(after, counted, method="GET", route="unmatched", status="404") >= 1
    timed = "opsplatform_http_request_duration_seconds_count"
    assert (
        _value(after, timed, method="GET", route="healthz") - _value(before, timed, method="GET", route="healthz") == 3
    )
    bucket = (
        "opsplatform_http_request_duration_seconds_bucket",
        (("le", "0.1"), ("method", "GET"), ("route", "healthz")),
    )
    assert bucket in after


def test_metrics_are_refused_outside_the_allowed_networks():
    response = Client().get("/metrics", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 403
    assert b"opsplatform_" not in response.content


def test_a_proxy_on_loopback_does_not_open_metrics_to_the_client_it_forwards():
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 403


def test_a_bearer_token_opens_metrics_from_anywhere(settings):
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    client = Client(REMOTE_ADDR="203.0.113.7")

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token").status_code == 200


def test_allowed_networks_come_from_the_settings(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    assert Client().get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@pytest.mark.django_db
def test_relayed_events_are_counted(officer):
    before = _value(_scrape(), "opsplatform_events_relayed_total")
    for n in range(2):
        messaging_services.event_emit(type="probe", op="add", payload={"n": n}, recipients=[officer.pk])

    assert messaging_services.events_relay() == 2
    assert _value(_scrape(), "opsplatform_events_relayed_total") - before == 2


@pytest.mark.usefixtures("transactional_reference")
def test_open_websockets_are_gauged(make_user):
    from channels.testing import WebsocketCommunicator

    from accounts.services import token_issue

    token = token_issue(user=make_user())[1]
    gauge = "opsplatform_websocket_connections"
    before = _value(_scrape(), gauge)

    async def scenario() -> tuple[float, float]:
        from channels.db import database_sync_to_async

        communicator = WebsocketCommunicator(application, f"/ws/stream/?token={token}")
        connected, _ = await communicator.connect()
        assert connected
        refused = WebsocketCommunicator(application, "/ws/stream/?token=not-a-token")
        assert not (await refused.connect())[0]
        while_open = _value(await database_sync_to_async(_scrape)(), gauge)
        await communicator.disconnect()
        return while_open, _value(await database_sync_to_async(_scrape)(), gauge)

    while_open, after = async_to_sync(scenario)()
    assert while_open - before == 1
    assert after == before


def test_queue_depth_is_left_out_without_redis(settings):
    settings.REDIS_URL = ""
    samples = _scrape()
    assert not any(name.startswith("opsplatform_celery_") for name, _labels in samples)


def test_an_unreachable_broker_is_reported_not_raised(settings):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{held.getsockname()[1]}/0"
        settings.REDIS_URL = settings.CELERY_BROKER_URL = url
        samples = _scrape()
    assert _value(samples, "opsplatform_celery_broker_up") == 0


@pytest.mark.redis
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary (.ci/run installs it)")
def test_queue_depth_is_read_from_the_broker_at_scrape_time(settings, tmp_path):
    from tests.messaging.test_redis_outage import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        settings.REDIS_URL = settings.CELERY_BROKER_URL = server.url
        client = redis.Redis.from_url(server.url)
        client.rpush("celery", "a", "b", "c")
        client.rpush("celery\x06\x163", "urgent")
        samples = _scrape()
        client.close()
    finally:
        server.stop()
    assert _value(samples, "opsplatform_celery_queue_length", queue="celery") == 4
    assert _value(samples, "opsplatform_celery_broker_up") == 1


def test_several_processes_are_summed_and_dead_ones_leave_no_live_gauge(tmp_path):
    """Multi-process mode: what two processes counted is answered by a third; a killed process's
    open-WebSocket gauge no longer counts."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        OPS_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="opsplatform.settings.base",
    )
    (tmp_path / "metrics").mkdir()
    count = textwrap.dedent(
        """
        import django; django.setup()
        from opsplatform import metrics
        metrics.EVENTS_RELAYED.inc(3)
        metrics.WEBSOCKETS_OPEN.inc()
        """
    )
    scrape = "import django; django.setup(); from opsplatform import metrics; print(metrics.exposition().decode())"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True, capture_output=True)
    output = subprocess.run(
        [sys.executable, "-c", scrape], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    samples = {
        sample.name: sample.value for family in text_string_to_metric_families(output) for sample in family.samples
    }

    assert samples["opsplatform_events_relayed_total"] == 6
    assert samples["opsplatform_websocket_connections"] == 0
