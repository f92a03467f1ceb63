"""How a pushed event reaches the open streams: the channel-layer groups a stream joins, the messages sent to them.

A stream joins its person's group and the group of all streams. An event for a few people is sent to each
person's group. An event for many is sent once, to all streams, with the list of its recipients, and each
stream passes it on only if its person is on that list. With the Redis layer the difference is large: a send
to a group costs a few round trips and writes one message for each daphne process holding a member, which
that process then reads back, one message at a time. An event for 1,000 people took 1,000 sends from the relay
(over a second) and 1,000 reads in daphne (3 s more); sent to all streams, it is one send and one read per
daphne process, which hands the event to its streams in memory.

The recipients an event was emitted for stay the only people who receive it: a stream whose person is not on
the list sends nothing, and the list is the event's ``EventRecipient`` rows, as for a person's own group.
"""

from bisect import bisect_left
from typing import Any

#: The group every open stream joins.
ALL_STREAMS = "streams.all"

#: From this many recipients on, an event is sent once to all streams rather than to each person's group. Every
#: open stream then wakes up to check the list (some microseconds each); each person's group costs the relay a
#: few Redis round trips and daphne one more message to read.
BROADCAST_MIN_RECIPIENTS = 20


def user_group(user_id: int) -> str:
    """The channel-layer group of one person's open connections."""
    return f"user.{user_id}"


def is_broadcast(recipient_count: int) -> bool:
    return recipient_count >= BROADCAST_MIN_RECIPIENTS


def personal_message(event: dict[str, Any]) -> dict[str, Any]:
    """What is sent to one person's group: the event as the stream sends it."""
    return {"type": "stream.event", "event": event}


def broadcast_message(event: dict[str, Any], recipients: list[int]) -> dict[str, Any]:
    """What is sent to all streams: the event and who may receive it (sorted, for a binary search)."""
    return {"type": "stream.broadcast", "event": event, "recipients": sorted(recipients)}


def addressed_event(message: dict[str, Any], user_id: int) -> dict[str, Any] | None:
    """The event a stream message carries for this person, or None when it is not addressed to them."""
    if message["type"] == "stream.event":
        return message["event"]  # type: ignore[no-any-return]
    recipients: list[int] = message["recipients"]
    at = bisect_left(recipients, user_id)
    return message["event"] if at < len(recipients) and recipients[at] == user_id else None  # type: ignore[no-any-return]
