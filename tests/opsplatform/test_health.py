"""``/healthz`` says the process answers; ``/readyz`` says whether the database and Redis do, quickly."""

import socket
import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client


@pytest.fixture
def closed_port():
    """A loopback port bound but not listening: connecting to it is refused at once, and nobody takes it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers, like a hung server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        accepted = []
        stop = threading.Event()

        def accept() -> None:
            server.settimeout(0.1)
            while not stop.is_set():
                try:
                    accepted.append(server.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield server.getsockname()[1]
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def test_healthz_answers_anonymous_callers_without_touching_the_database():
    """No database access is allowed in this test: liveness must not depend on it."""
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert {"no-cache", "no-store", "max-age=0"} <= _cache_control(response)
    assert not response.cookies


def test_healthz_refuses_writes():
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ready_when_the_database_answers():
    response = Client().get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    expected_redis = "ok" if settings.REDIS_URL else "not configured"
    assert body["checks"]["redis"]["status"] == expected_redis
    assert {"no-cache", "no-store"} <= _cache_control(response)


@pytest.mark.django_db
def test_readyz_is_503_naming_the_database_when_it_is_unreachable(monkeypatch, closed_port):
    unreachable = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": closed_port,
        "NAME": "opsplatform",
        "USER": "opsplatform",
        "PASSWORD": "",
        "OPTIONS": {},
    }
    monkeypatch.setitem(connections.settings, "default", unreachable)

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "failed", "error": "OperationalError"}


@pytest.mark.django_db
def test_readyz_is_503_naming_redis_when_it_is_unreachable(settings, closed_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = Client().get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "failed"
    assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_gives_up_on_a_hung_server_within_its_timeout(settings, silent_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_port}/0"
    settings.READINESS_TIMEOUT_SECONDS = 1

    started = time.monotonic()
    response = Client().get("/readyz")

    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] in {"timeout", "failed"}
