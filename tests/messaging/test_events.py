"""The event log: written with the change, published after commit, gap-free and resumable."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction
from rest_framework.test import APIClient

from messaging import services
from messaging.models import Event
from opsplatform.asgi import application


def _emit(user_ids, n=1, kind="probe"):
    return [services.event_emit(type=kind, op="add", payload={"n": i}, recipients=user_ids) for i in range(n)]


@pytest.mark.django_db
def test_nothing_is_published_for_a_rolled_back_transaction(officer, listen, django_capture_on_commit_callbacks):
    listener = listen([officer.pk])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _emit([officer.pk])
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not Event.objects.exists()
    assert listener.received(timeout=0.2) == {officer.pk: []}


@pytest.mark.django_db
def test_committed_events_get_consecutive_positions_in_order(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events = _emit([officer.pk], n=5)

    positions = list(
        Event.objects.filter(pk__in=[e.pk for e in events]).order_by("id").values_list("position", flat=True)
    )
    assert positions == list(range(positions[0], positions[0] + 5))
    assert not Event.objects.filter(pushed_at__isnull=True).exists()


@pytest.mark.django_db
def test_one_relay_is_queued_per_commit_however_many_events_it_holds(
    officer, listen, django_capture_on_commit_callbacks
):
    listener = listen([officer.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _emit([officer.pk], n=3)

    assert len(callbacks) == 1
    assert [message["event"]["payload"] for message in listener.received()[officer.pk]] == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
    ]


@pytest.mark.django_db
def test_an_event_for_more_people_than_the_channel_layers_pool_reaches_every_one(
    make_user, listen, django_capture_on_commit_callbacks
):
    """The Redis channel layer's pool holds 100 connections and refuses the 101st: a push to an operation's
    150 people must not open one per person at once."""
    people = [make_user().pk for _ in range(150)]
    listener = listen(people)
    with django_capture_on_commit_callbacks(execute=True):
        _emit(people, n=2)

    async def two_each() -> dict[int, list[dict]]:
        # One stream after another: their events are already waiting, and the Redis layer copes badly with
        # 150 receives cancelled at once.
        return {
            person: [(await asyncio.wait_for(listener.layer.receive(channel), 5))["event"]["payload"] for _ in "ab"]
            for person, channel in listener.channels.items()
        }

    assert async_to_sync(two_each)() == {person: [{"n": 0}, {"n": 1}] for person in people}
    assert not Event.objects.filter(pushed_at__isnull=True).exists()


@pytest.mark.django_db
def test_pushed_events_carry_their_id(officer, listen, django_capture_on_commit_callbacks):
    listener = listen([officer.pk])
    with django_capture_on_commit_callbacks(execute=True):
        event = _emit([officer.pk])[0]
    event.refresh_from_db()

    [message] = listener.received()[officer.pk]

    assert message["type"] == "stream.event"
    assert message["event"]["id"] == event.position
    assert message["event"]["type"] == "probe"
    assert message["event"]["payload"] == {"n": 0}


@pytest.mark.django_db
def test_a_client_offline_for_100_events_catches_up_on_exactly_those(officer, make_user, officer_client):
    other = make_user()
    services.events_relay()
    baseline = Event.objects.order_by("-position").values_list("position", flat=True).first() or 0
    _emit([officer.pk], n=60)
    _emit([other.pk], n=10)
    _emit([officer.pk, other.pk], n=40)
    services.events_relay()

    received, after = [], baseline
    while True:
        page = officer_client.get("/api/v1/events/", {"after": after, "limit": 30}).json()
        if not page["results"]:
            break
        received.extend(page["results"])
        after = page["results"][-1]["id"]

    ids = [event["id"] for event in received]
    assert len(received) == 100
    assert ids == sorted(set(ids))
    assert [event["payload"]["n"] for event in received] == list(range(60)) + list(range(40))


@pytest.mark.django_db
def test_events_api_rejects_a_bad_cursor_and_anonymous_callers(officer_client):
    bad = officer_client.get("/api/v1/events/", {"after": "yesterday"})
    assert bad.status_code == 400
    assert "after" in bad.json()
    assert officer_client.get("/api/v1/events/", {"after": -3}).status_code == 400
    assert APIClient().get("/api/v1/events/").status_code == 401


@pytest.mark.django_db
def test_unpublished_events_wait_for_the_sweep(officer):
    """Outside a request no relay was scheduled: the periodic sweep publishes what is pending."""
    _emit([officer.pk], n=3)
    assert Event.objects.filter(position__isnull=True).count() == 3

    assert services.events_relay() == 3
    assert services.events_relay() == 0
    assert not Event.objects.filter(pushed_at__isnull=True).exists()


# --- The WebSocket endpoint -------------------------------------------------------------------


async def _connect(path, headers=None):
    communicator = WebsocketCommunicator(application, path, headers=headers or [(b"origin", b"http://127.0.0.1")])
    connected, code = await communicator.connect()
    return communicator, connected, code


def _token_for(user):
    from accounts.services import token_issue

    return token_issue(user=user)[1]


@pytest.mark.usefixtures("transactional_reference")
def test_websocket_delivers_only_the_users_events_and_replays_from_after(make_user):
    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async

    alice, bob = make_user(), make_user()
    alice_token = _token_for(alice)
    _emit([alice.pk], n=2, kind="before")
    _emit([bob.pk], n=1, kind="secret")
    services.events_relay()
    first = Event.objects.filter(type="before").order_by("position").first()

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/stream/?token={alice_token}&after={first.position}")
        assert connected
        replayed = await communicator.receive_json_from(timeout=2)
        assert replayed["type"] == "before"
        assert replayed["id"] > first.position
        assert await communicator.receive_nothing(timeout=0.2)

        await database_sync_to_async(_emit)([alice.pk], 1, "live")
        await database_sync_to_async(_emit)([bob.pk], 1, "secret")
        await database_sync_to_async(services.events_relay)()
        live = await communicator.receive_json_from(timeout=2)
        assert live["type"] == "live"
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.usefixtures("transactional_reference")
def test_a_backlog_longer_than_a_replay_page_is_replayed_whole_and_in_order(make_user, monkeypatch):
    """A client back from a long break must get every missed event: live ones, with higher ids, would hide a gap."""
    from asgiref.sync import async_to_sync

    from messaging import consumers

    monkeypatch.setattr(consumers, "REPLAY_PAGE", 3)
    alice = make_user()
    token = _token_for(alice)
    _emit([alice.pk], n=1, kind="seen")
    _emit([alice.pk], n=7, kind="missed")
    services.events_relay()
    seen = Event.objects.get(type="seen")
    missed = list(Event.objects.filter(type="missed").order_by("position").values_list("position", flat=True))

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/stream/?token={token}&after={seen.position}")
        assert connected
        replayed = [(await communicator.receive_json_from(timeout=2))["id"] for _ in missed]
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return replayed

    assert async_to_sync(scenario)() == missed


@pytest.mark.usefixtures("transactional_reference")
def test_websocket_refuses_anonymous_revoked_and_cross_site_connections(make_user):
    from asgiref.sync import async_to_sync

    from accounts.models import ApiToken
    from accounts.services import token_revoke

    user = make_user()
    revoked = _token_for(user)
    token_revoke(token=ApiToken.objects.get(user=user))

    async def scenario():
        _, connected, code = await _connect("/ws/stream/")
        assert not connected
        assert code == 4401
        _, connected, code = await _connect(f"/ws/stream/?token={revoked}")
        assert not connected
        assert code == 4401
        _, connected, _ = await _connect("/ws/stream/", headers=[(b"origin", b"https://evil.example")])
        assert not connected

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("transactional_reference")
@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent pushers need PostgreSQL; SQLite serialises every write"
)
def test_one_pusher_at_a_time_so_streams_stay_in_order(make_user, settings, monkeypatch):
    """Two workers pushing consecutive batches at once would interleave them on a client's stream."""
    import threading

    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    user = make_user()
    monkeypatch.setattr(services, "_schedule_relay", lambda: None)  # no relay at commit: the test pushes
    _emit([user.pk], n=3)
    services.events_sequence()
    holding, release = threading.Event(), threading.Event()

    def first_pusher() -> None:
        with transaction.atomic():
            assert services._push_lock_taken()
            holding.set()
            release.wait(10)
        connection.close()

    first = threading.Thread(target=first_pusher)
    first.start()
    assert holding.wait(10)
    while_held = services.events_push()
    release.set()
    first.join(10)
    after = services.events_push()
    channel_layers.backends.clear()

    assert while_held == 0, "a second pusher pushed while the first held the push"
    assert after == 3
    assert not Event.objects.filter(pushed_at__isnull=True).exists()


# --- Events for many people: sent once to all streams -------------------------------------------


@pytest.mark.django_db
def test_an_event_for_many_people_stays_in_order_with_the_personal_ones_around_it(
    make_user, listen, django_capture_on_commit_callbacks
):
    """Personal sends go stream by stream side by side; one sent to all streams must not overtake them."""
    from messaging import streams

    alice = make_user()
    many = [alice.pk, *(make_user().pk for _ in range(streams.BROADCAST_MIN_RECIPIENTS))]
    listener = listen([alice.pk, many[1]])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _emit([alice.pk], kind="before")
        _emit(many, kind="everybody")
        _emit([alice.pk], kind="after")

    received = listener.received()
    assert [message["event"]["type"] for message in received[alice.pk]] == ["before", "everybody", "after"]
    assert [message["type"] for message in received[alice.pk]] == ["stream.event", "stream.broadcast", "stream.event"]
    assert [message["event"]["type"] for message in received[many[1]]] == ["everybody"]
    ids = [message["event"]["id"] for message in received[alice.pk]]
    assert ids == sorted(ids)


@pytest.mark.usefixtures("transactional_reference")
def test_an_event_for_many_people_reaches_their_streams_and_no_other(make_user):
    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async

    from messaging import streams

    recipients = [make_user() for _ in range(streams.BROADCAST_MIN_RECIPIENTS)]
    outsider = make_user()
    tokens = [_token_for(recipients[0]), _token_for(recipients[-1]), _token_for(outsider)]
    services.events_relay()

    async def scenario():
        first, last, other = [(await _connect(f"/ws/stream/?token={token}"))[0] for token in tokens]
        await database_sync_to_async(_emit)([person.pk for person in recipients], 1, "everybody")
        await database_sync_to_async(services.events_relay)()
        got = [await first.receive_json_from(timeout=2), await last.receive_json_from(timeout=2)]
        assert await other.receive_nothing(timeout=0.3)
        assert await first.receive_nothing(timeout=0.1)
        for communicator in (first, last, other):
            await communicator.disconnect()
        return got

    got = async_to_sync(scenario)()
    assert [event["type"] for event in got] == ["everybody", "everybody"]
    assert got[0] == got[1]


@pytest.mark.django_db
def test_a_backlog_for_a_stream_travels_as_one_catch_up_message(make_user, listen):
    """After an outage a stream is owed hundreds of events; one message per event and recipient took minutes
    through Redis. Past PUSH_CATCH_UP_AFTER the stream is told to catch up, a few events still go as they are."""
    people = [make_user().pk for _ in range(3)]
    quiet = make_user().pk
    listener = listen([*people, quiet])
    backlog = _emit(people, n=services.PUSH_CATCH_UP_AFTER + 5)
    _emit([quiet], n=2)

    services.events_relay()

    first = Event.objects.get(pk=backlog[0].pk).position
    received = listener.received()
    for person in people:
        assert received[person] == [{"type": "stream.catch_up", "after": first - 1}]
    assert [message["type"] for message in received[quiet]] == ["stream.event", "stream.event"]
    assert not Event.objects.filter(pushed_at__isnull=True).exists()


@pytest.mark.usefixtures("transactional_reference")
def test_a_stream_told_to_catch_up_sends_the_backlog_from_the_database_once_and_in_order(make_user):
    from channels.db import database_sync_to_async

    alice, bob = make_user(), make_user()
    token = _token_for(alice)
    many = services.PUSH_CATCH_UP_AFTER + 2

    def backlog() -> list[int]:
        _emit([alice.pk], n=many, kind="mine")
        _emit([bob.pk], n=many, kind="secret")
        _emit([alice.pk, bob.pk], n=3, kind="shared")
        services.events_relay()
        mine = Event.objects.filter(recipients__user=alice).order_by("position")
        return list(mine.values_list("position", flat=True))

    def push_again() -> None:
        Event.objects.update(pushed_at=None)  # as after a push that failed part-way
        services.events_relay()

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/stream/?token={token}")  # no ?after=: only what comes
        assert connected
        expected = await database_sync_to_async(backlog)()
        received = [await communicator.receive_json_from(timeout=5) for _ in expected]
        assert await communicator.receive_nothing(timeout=0.3)

        await database_sync_to_async(push_again)()
        assert await communicator.receive_nothing(timeout=0.3), "a stream sent an event twice"

        await database_sync_to_async(_emit)([alice.pk], 1, "live")
        await database_sync_to_async(services.events_relay)()
        live = await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()
        return expected, received, live

    expected, received, live = async_to_sync(scenario)()
    assert [message["id"] for message in received] == expected
    assert [message["type"] for message in received] == ["mine"] * many + ["shared"] * 3
    assert live["type"] == "live"
    assert live["id"] > expected[-1]
