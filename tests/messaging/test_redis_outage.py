"""With a real Redis: events committed while Redis is down are delivered once it is back, none lost."""

import asyncio
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction

from messaging import services, streams
from messaging.choices import AudienceKind
from messaging.models import Event

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs the redis-server binary (.ci/run installs it)"
    ),
]


class RedisServer:
    """A throwaway redis-server on loopback that the test can stop and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
    }
    channel_layers.backends.clear()
    yield server
    server.stop()
    channel_layers.backends.clear()


def _listen(user_id: int):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(services.user_group(user_id), channel)
    async_to_sync(layer.group_add)(streams.ALL_STREAMS, channel)  # as a stream does
    return layer, channel


def _receive_all(layer, channel, expected: int, timeout: float = 5.0) -> list[dict]:
    async def receive() -> list[dict]:
        messages: list[dict] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(messages) < expected:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), remaining))
            except TimeoutError:
                break
        return messages

    return async_to_sync(receive)()


@pytest.mark.django_db
def test_posts_filed_while_redis_is_down_are_delivered_after_it_returns(
    redis_server, make_user, make_administration, django_capture_on_commit_callbacks
):
    customs = make_administration(country="FR")
    author, reader = make_user(administration=customs), make_user(administration=customs)

    redis_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        posts = [
            services.post_create(
                author=author, topic="A", title=f"Shipment {n}", body="Details.", audience=AudienceKind.MY_COUNTRY
            )
            for n in range(5)
        ]
    assert len(posts) == 5
    assert Event.objects.filter(type="post", pushed_at__isnull=True).count() == 5

    redis_server.start()
    layer, channel = _listen(reader.pk)
    started = time.monotonic()
    services.events_relay()
    messages = _receive_all(layer, channel, expected=5)

    assert time.monotonic() - started < 5
    titles = [message["event"]["payload"]["title"] for message in messages]
    assert titles == [f"Shipment {n}" for n in range(5)]
    ids = [message["event"]["id"] for message in messages]
    assert ids == sorted(set(ids))
    assert not Event.objects.filter(pushed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_failed_push_is_retried_and_never_loses_the_event(redis_server, officer):
    redis_server.stop()
    with transaction.atomic():
        services.event_emit(type="probe", op="add", payload={}, recipients=[officer.pk])
    with pytest.raises(redis.exceptions.ConnectionError):
        services.events_relay()
    assert Event.objects.get(type="probe").pushed_at is None

    redis_server.start()
    layer, channel = _listen(officer.pk)
    services.events_relay()

    [message] = _receive_all(layer, channel, expected=1)
    assert message["event"]["type"] == "probe"


@pytest.mark.usefixtures("transactional_reference")
def test_a_backlog_from_an_outage_reaches_an_open_stream_whole_in_order_and_once(redis_server, make_user):
    """Events of an operation's people committed while Redis was down: once it is back each stream gets one
    catch-up message, not one per event, and reads its events from the database."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from accounts.services import token_issue
    from opsplatform.asgi import application

    people = [make_user() for _ in range(12)]
    watcher, listener = people[0], people[1]
    token = token_issue(user=watcher)[1]
    services.events_relay()
    baseline = Event.objects.order_by("-position").values_list("position", flat=True).first() or 0
    backlog = services.PUSH_CATCH_UP_AFTER * 3

    redis_server.stop()
    with transaction.atomic():
        for n in range(backlog):
            services.event_emit(type="probe", op="add", payload={"n": n}, recipients=[p.pk for p in people])
    redis_server.start()
    layer, channel = _listen(listener.pk)

    async def scenario() -> list[dict]:
        communicator = WebsocketCommunicator(
            application, f"/ws/stream/?token={token}&after={baseline}", headers=[(b"origin", b"http://127.0.0.1")]
        )
        connected, _ = await communicator.connect()
        assert connected
        # Where events are sequenced as they are written (SQLite), the replay already sends some of them.
        received = []
        while not await communicator.receive_nothing(timeout=0.2):
            received.append(await communicator.receive_json_from())
        await database_sync_to_async(services.events_relay)()
        while len(received) < backlog:
            received.append(await communicator.receive_json_from(timeout=5))
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return received

    received = async_to_sync(scenario)()

    assert [message["payload"]["n"] for message in received] == list(range(backlog))
    ids = [message["id"] for message in received]
    assert ids == sorted(set(ids))
    assert _receive_all(layer, channel, expected=2, timeout=0.5) == [{"type": "stream.catch_up", "after": baseline}]
    assert not Event.objects.filter(pushed_at__isnull=True).exists()
