"""Push: commit-to-receipt latency of an event for 1,000 people, each with a stream open on one daphne.

An event addressed to all of them is written through ``messaging.services.event_emit`` in a transaction of
this process, as a filing writes its event; the clock starts when that transaction has committed. From
there the product path runs unchanged: the commit hook queues the relay on Redis, the Celery worker
sequences and publishes the event to each person's channel-layer group, and daphne's consumers send it
down the WebSockets. The latency of each of the 1,000 receipts counts.

The raw baseline, same run: one Redis ``PUBLISH`` of a message of the same size to 1,000 asyncio
subscribers, each on its own connection, in this process, timed from before the publish to each receipt.
"""

import asyncio
import json
import os
import time
from typing import Any

import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

from bench.filing import percentile
from bench.harness import BenchEnv, Figure
from bench.run import cluster
from cluster.run import log

CLIENTS = int(os.environ.get("BENCH_PUSH_CLIENTS", "1000"))
ROUNDS = 12
WARMUP_ROUNDS = 2
CONNECT_AT_ONCE = 50
TARGET_P99_MS = 100.0
USERNAME = "bench.push.{:04d}"


def _people() -> list[tuple[int, str]]:
    """1,000 officers of Nigeria's customs, each with a token (created once; a rerun reuses them)."""
    from accounts.models import Administration, User
    from accounts.services import token_issue

    officer = User.objects.get(username="officer.ng")
    administration: Administration = officer.administration  # type: ignore[assignment]
    existing = set(User.objects.filter(username__startswith="bench.push.").values_list("username", flat=True))
    new = [
        User(
            username=USERNAME.format(number),
            email=f"{USERNAME.format(number)}@bench.invalid",
            administration=administration,
            role=officer.role,
            language=officer.language,
            password="!",  # unusable: they sign in with their token only
        )
        for number in range(CLIENTS)
        if USERNAME.format(number) not in existing
    ]
    # Accounts, not the product path being measured: created in bulk (user_create would hash 1,000 passwords).
    User.objects.bulk_create(new, batch_size=500)
    people = User.objects.filter(username__startswith="bench.push.").order_by("username")[:CLIENTS]
    return [(person.pk, token_issue(user=person, name="bench push")[1]) for person in people]


def _emit(round_number: int, user_ids: list[int]) -> float:
    from django.db import transaction

    from messaging.services import event_emit

    with transaction.atomic():
        event_emit(type="bench", op="push", payload={"round": round_number}, recipients=user_ids)
    return time.perf_counter()


async def _receipt(stream: ClientConnection, round_number: int) -> float:
    while True:
        message = json.loads(await asyncio.wait_for(stream.recv(), 30))
        if message.get("type") == "bench" and message.get("payload", {}).get("round") == round_number:
            return time.perf_counter()


async def _open_streams(url: str, tokens: list[str]) -> list[ClientConnection]:
    streams: list[ClientConnection] = []
    for start in range(0, len(tokens), CONNECT_AT_ONCE):
        batch = tokens[start : start + CONNECT_AT_ONCE]
        streams += await asyncio.gather(
            *(
                connect(url, additional_headers={"Authorization": f"Bearer {token}"}, proxy=None, open_timeout=60)
                for token in batch
            )
        )
    return streams


async def _product(url: str, people: list[tuple[int, str]]) -> list[float]:
    user_ids = [user_id for user_id, _token in people]
    streams = await _open_streams(url, [token for _user_id, token in people])
    await asyncio.sleep(1)  # every consumer has joined its group
    latencies: list[float] = []
    try:
        for round_number in range(WARMUP_ROUNDS + ROUNDS):
            receipts = [asyncio.ensure_future(_receipt(stream, round_number)) for stream in streams]
            committed = await asyncio.to_thread(_emit, round_number, user_ids)
            arrived = await asyncio.gather(*receipts)
            if round_number >= WARMUP_ROUNDS:
                latencies += [moment - committed for moment in arrived]
            await asyncio.sleep(0.3)
    finally:
        await asyncio.gather(*(stream.close() for stream in streams), return_exceptions=True)
    return latencies


async def _raw(redis_url: str) -> list[float]:
    channel = "bench.raw.push"
    message = json.dumps(
        {"id": 1, "type": "bench", "op": "push", "payload": {"round": 0}, "created_at": "2026-01-01T00:00:00+00:00"}
    )
    clients = [aioredis.from_url(redis_url) for _ in range(CLIENTS)]
    subscriptions = [client.pubsub() for client in clients]
    for start in range(0, CLIENTS, CONNECT_AT_ONCE):
        await asyncio.gather(*(sub.subscribe(channel) for sub in subscriptions[start : start + CONNECT_AT_ONCE]))
    for sub in subscriptions:  # the subscribe confirmations
        await sub.get_message(timeout=5)
    publisher = aioredis.from_url(redis_url)

    async def receipt(sub: Any) -> float:
        while True:
            received = await sub.get_message(ignore_subscribe_messages=True, timeout=30)
            if received is not None:
                return time.perf_counter()

    latencies: list[float] = []
    try:
        for round_number in range(WARMUP_ROUNDS + ROUNDS):
            receipts = [asyncio.ensure_future(receipt(sub)) for sub in subscriptions]
            await asyncio.sleep(0.05)
            sent = time.perf_counter()
            await publisher.publish(channel, message)
            arrived = await asyncio.gather(*receipts)
            if round_number >= WARMUP_ROUNDS:
                latencies += [moment - sent for moment in arrived]
            await asyncio.sleep(0.3)
    finally:
        for sub in subscriptions:
            await sub.aclose()
        for client in [*clients, publisher]:
            await client.aclose()
    return latencies


def run(env: BenchEnv) -> list[Figure]:
    topology = cluster()
    people = _people()
    url = f"{topology.asgi_url(1)}/ws/stream/"
    product = asyncio.run(_product(url, people))
    raw = asyncio.run(_raw(env.redis_url))
    figures = []
    label = f"one Redis PUBLISH to {CLIENTS:,} asyncio subscribers"
    for share, name in ((0.50, "p50"), (0.99, "p99")):
        value, baseline = percentile(product, share) * 1000, percentile(raw, share) * 1000
        graded = name == "p99"
        figures.append(
            Figure("push", f"commit to WebSocket receipt {name}, {CLIENTS:,} clients", value, "ms", baseline, label,
                   f"<= {TARGET_P99_MS:.0f} ms" if graded else "", value <= TARGET_P99_MS if graded else None)
        )  # fmt: skip
    log(
        f"push: p50 {figures[0].value:.0f} ms p99 {figures[1].value:.0f} ms; raw p50 {figures[0].baseline:.0f} ms "
        f"p99 {figures[1].baseline:.0f} ms ({ROUNDS} rounds of {CLIENTS} receipts)"
    )
    return figures
