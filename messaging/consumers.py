"""The real-time stream: ``/ws/stream/``. A connection joins its user's group and nothing else."""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from opsplatform.metrics import WEBSOCKETS_OPEN

from . import selectors
from .services import user_group

#: Missed events are read and sent this many at a time, until the stream has caught up.
REPLAY_PAGE = 1000


class StreamConsumer(AsyncJsonWebsocketConsumer):
    """Sends each event addressed to the user, as ``{id, type, op, payload, created_at}``.

    ``?after=ID`` first replays what was missed since ``ID``. Live events may overlap the replay:
    clients keep the highest id seen and drop anything at or below it.
    """

    group: str | None = None
    counted = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        WEBSOCKETS_OPEN.inc()
        self.counted = True
        after = _after(self.scope.get("query_string", b""))
        while after is not None:
            missed = await self._missed(user, after)
            for message in missed:
                await self.send_json(message)
            # A full page may have more behind it: stopping there would leave a gap that live events, whose ids
            # are higher, would then hide from a client that keeps only the highest id it has seen.
            after = missed[-1]["id"] if len(missed) == REPLAY_PAGE else None

    async def disconnect(self, code: int) -> None:
        if self.counted:
            WEBSOCKETS_OPEN.dec()
            self.counted = False
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; a ping is answered so they can detect a dead link."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def stream_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

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
