"""Requests while Redis (broker and cache) is unreachable: they succeed, and they do not wait on it."""

import socket
import threading
import time

import pytest
from celery import Celery

from opsplatform import broker
from opsplatform.ratelimit import hit


class SilentServer:
    """Accepts connections and never answers, as a Redis host that stopped responding; counts the connections."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def _refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fresh_broker_state():
    broker.broker_forget_failure()
    yield
    broker.broker_forget_failure()


def _task_on(url: str, timeout: float = 0.5):
    """A task of an application whose broker is ``url``, with the platform's transport options."""
    from django.conf import settings

    app = Celery("probe", broker=url, set_as_current=False)
    app.conf.broker_connection_timeout = timeout
    app.conf.broker_transport_options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }

    @app.task(name="probe.noop")
    def noop() -> None:
        return None

    return noop


def test_a_refused_broker_fails_the_scheduling_at_once(settings):
    task = _task_on(f"redis://127.0.0.1:{_refused_port()}/0", timeout=3)

    started = time.monotonic()
    scheduled = broker.broker_schedule(task)

    assert scheduled is False
    assert time.monotonic() - started < 1.5, "no retries with back-off inside a request"


def test_a_silent_broker_costs_one_timeout_then_is_left_alone_for_a_while(settings, silent_server):
    settings.BROKER_RETRY_AFTER_SECONDS = 60
    task = _task_on(f"redis://127.0.0.1:{silent_server.port}/0")

    first_started = time.monotonic()
    assert broker.broker_schedule(task) is False
    first = time.monotonic() - first_started
    connections = len(silent_server.accepted)
    later_started = time.monotonic()
    assert broker.broker_schedule(task) is False
    assert broker.broker_schedule(task, kwargs={}) is False
    later = time.monotonic() - later_started

    assert connections >= 1
    assert first < 3
    assert later < 0.05
    assert len(silent_server.accepted) == connections, "the broker was asked again within the window"


def test_after_the_window_the_broker_is_asked_again(settings, silent_server):
    settings.BROKER_RETRY_AFTER_SECONDS = 0
    task = _task_on(f"redis://127.0.0.1:{silent_server.port}/0")

    broker.broker_schedule(task)
    connections = len(silent_server.accepted)
    broker.broker_schedule(task)

    assert len(silent_server.accepted) > connections


@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_refused_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_a_rate_limit_lets_requests_through_while_the_cache_is_unreachable(unreachable_cache):
    assert [hit(scope="probe", key="user:1", rate="1/min") for _ in range(3)] == [0, 0, 0]


@pytest.mark.django_db
def test_sign_in_answers_normally_while_the_cache_is_unreachable(unreachable_cache, api_client, client):
    token = api_client.post("/api/v1/auth/token/", {"username": "nobody", "password": "wrong"})
    page = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    assert token.status_code == 400, token.content
    assert page.status_code == 200
