import asyncio
from collections.abc import Iterable

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from messaging import streams
from messaging.services import user_group


class GroupListener:
    """Listens on the channel layer as each user's open connection would: in its own group and in all streams'
    group, keeping only what the stream would pass on (``messaging.streams.addressed_event``)."""

    def __init__(self, user_ids: Iterable[int]) -> None:
        self.layer = get_channel_layer()
        self.channels: dict[int, str] = {}
        for user_id in user_ids:
            channel = async_to_sync(self.layer.new_channel)()
            async_to_sync(self.layer.group_add)(user_group(user_id), channel)
            async_to_sync(self.layer.group_add)(streams.ALL_STREAMS, channel)
            self.channels[user_id] = channel

    def received(self, timeout: float = 0.3) -> dict[int, list[dict]]:
        """Everything each user's connection got, waiting at most ``timeout`` for the first of each."""

        async def drain(user_id: int, channel: str) -> list[dict]:
            messages = []
            wait = timeout
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(channel), wait)
                except TimeoutError:
                    return messages
                if message["type"] != "stream.broadcast" or streams.addressed_event(message, user_id) is not None:
                    messages.append(message)
                wait = 0.05

        async def drain_all() -> dict[int, list[dict]]:
            # One channel after another: the Redis layer can hang when many receives are cancelled at once.
            return {user_id: await drain(user_id, channel) for user_id, channel in self.channels.items()}

        return async_to_sync(drain_all)()

    def close(self) -> None:
        for user_id, channel in self.channels.items():
            async_to_sync(self.layer.group_discard)(user_group(user_id), channel)
            async_to_sync(self.layer.group_discard)(streams.ALL_STREAMS, channel)


@pytest.fixture
def listen():
    listeners: list[GroupListener] = []

    def start(user_ids: Iterable[int]) -> GroupListener:
        listener = GroupListener(user_ids)
        listeners.append(listener)
        return listener

    yield start
    for listener in listeners:
        listener.close()
