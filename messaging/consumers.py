"""The real-time stream: ``/ws/stream/``. A connection joins its user's group and the group of all streams,
whose events it passes on only to a user among their recipients (``messaging.streams``)."""

from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from opsplatform.metrics import WEBSOCKETS_OPEN

from . import selectors, streams
from .services import user_group

#: Missed events are read and sent this many at a time, until the stream has caught up.
REPLAY_PAGE = 1000

#: Channel-layer messages whose handlers never touch the database (see ``StreamConsumer.dispatch``).
LIVE_MESSAGES = {"stream.event", "stream.broadcast"}


class StreamConsumer(AsyncJsonWebsocketConsumer):
    """Sends each event addressed to the user, as ``{id, type, op, payload, created_at}``.

    ``?after=ID`` first replays what was missed since ``ID``. The stream remembers the highest id it sent and
    sends nothing at or below it again, so live events overlapping a replay are dropped here; clients still
    keep the highest id seen, as a reconnection may repeat what was in flight.
    A backlog comes as one ``stream.catch_up`` message rather than an event at a time (``events_push``): the
    stream then reads the events it has not sent from the database, as a replay does.
    """

    group: str | None = None
    user_id: int | None = None
    counted = False
    user: Any = None
    #: The highest event id sent on this stream (or that the client said it had, with ``?after=``).
    sent_through: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user, self.group, self.user_id = user, user_group(user.pk), user.pk
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(streams.ALL_STREAMS, self.channel_name)
        await self.accept()
        WEBSOCKETS_OPEN.inc()
        self.counted = True
        after = _after(self.scope.get("query_string", b""))
        if after is not None:
            self.sent_through = after
            await self._send_missed()

    async def disconnect(self, code: int) -> None:
        if self.counted:
            WEBSOCKETS_OPEN.dec()
            self.counted = False
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(streams.ALL_STREAMS, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """A live event goes straight to its handler. Channels first closes stale database connections for every
        message, a hop to the one thread that runs synchronous code: with 1,000 streams, 1,000 hops one after
        another for each event, most of daphne's time for a broadcast. These handlers use no database."""
        if message["type"] in LIVE_MESSAGES:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; a ping is answered so they can detect a dead link."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def stream_event(self, message: dict[str, Any]) -> None:
        await self._send_live(message["event"])

    async def _send_live(self, event: dict[str, Any]) -> None:
        if self.sent_through is not None and event["id"] <= self.sent_through:
            return  # already sent by a replay or a catch-up
        await self.send_json(event)
        self.sent_through = event["id"]

    async def stream_catch_up(self, message: dict[str, Any]) -> None:
        """Send what this stream has not sent yet, from the database; a stream opened without ``?after=``
        starts at the backlog's beginning (``after``), as it would have received the backlog's events."""
        if self.sent_through is None:
            self.sent_through = int(message["after"])
        await self._send_missed()

    async def _send_missed(self) -> None:
        """Every event of the user past ``sent_through``, a page at a time until the stream has caught up."""
        assert self.sent_through is not None
        while True:
            missed = await self._missed(self.user, self.sent_through)
            for event in missed:
                await self.send_json(event)
                self.sent_through = event["id"]
            # A full page may have more behind it: stopping there would leave a gap that live events, whose ids
            # are higher, would then hide from a client that keeps only the highest id it has seen.
            if len(missed) < REPLAY_PAGE:
                return

    async def stream_broadcast(self, message: dict[str, Any]) -> None:
        """An event sent to all streams: passed on only if this stream's user is one of its recipients."""
        event = streams.addressed_event(message, self.user_id) if self.user_id is not None else None
        if event is not None:
            await self._send_live(event)

    @database_sync_to_async
    def _missed(self, user: Any, after: int) -> list[dict[str, Any]]:
        events = selectors.events_after(user=user, after=after)[:REPLAY_PAGE]
        return [selectors.event_as_message(event) for event in events]


def _after(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return None
