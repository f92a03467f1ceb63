"""Redis faults for ``make cluster-test``: Redis is the broker, the channel layer and the cache at once.

(r1) Redis cut while seizures are filed: every filing still answers 201, and every filed seizure's event
     reaches the WebSocket clients within 5 s of Redis returning, once each after de-duplication by event id
     (clients resume with ``?after=`` the highest id they saw, as the stream supports).
(r2) Broker unreachable at request time, the worse way: connections are accepted and never answered (a host
     gone silent, not one refusing). No filing hangs longer than 5 s, every one answers 201, and their events
     arrive once Redis answers again.

Redis is put behind a small TCP proxy on its own port for these checks (it is restarted once on another port,
with its data): the proxy passes traffic through, refuses connections and resets the open ones, or swallows
traffic. Sizes default to the reliability targets; ``FAULTS_REDIS_FILINGS``, ``FAULTS_REDIS_OUTAGE_SECONDS``,
``FAULTS_REDIS_CLIENTS`` and ``FAULTS_REDIS_SILENT_FILINGS`` make them larger (a soak).
"""

import asyncio
import contextlib
import json
import os
import socket
import statistics
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from websockets.asyncio.client import connect

from cluster.checks import Context, Unreachable, call
from cluster.run import Cluster, free_ports, log, wait_until

FILINGS = int(os.environ.get("FAULTS_REDIS_FILINGS", "500"))
OUTAGE_SECONDS = float(os.environ.get("FAULTS_REDIS_OUTAGE_SECONDS", "30"))
FILING_CLIENTS = int(os.environ.get("FAULTS_REDIS_CLIENTS", "8"))
SILENT_FILINGS = int(os.environ.get("FAULTS_REDIS_SILENT_FILINGS", "12"))
DELIVERY_LIMIT_SECONDS = 5.0
REQUEST_LIMIT_SECONDS = 5.0
LISTENERS = ("coordinator", "officer.ng")


# --- the proxy ----------------------------------------------------------------------------------


class RedisProxy:
    """Between every process of the cluster and Redis: ``passing``, ``refusing`` or ``silent``.

    Refusing closes the listening socket (new connections are refused) and resets every open connection.
    Silent accepts connections and reads what is sent, but forwards nothing either way, as a peer that
    vanished from the network would; when it ends, the connections it swallowed are reset.
    """

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port = listen_port
        self.target_port = target_port
        self.mode = "passing"
        self.lock = threading.Lock()
        self.connections: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.accepted = 0

    def start(self) -> None:
        self._listen()

    def refuse(self) -> None:
        with self.lock:
            self.mode = "refusing"
            listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        self._reset_all()

    def silence(self) -> None:
        with self.lock:
            self.mode = "silent"

    def restore(self) -> None:
        with self.lock:
            was, self.mode = self.mode, "passing"
        if was == "silent":
            self._reset_all()
        if self.listener is None:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.listen_port))
        listener.listen(512)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="redis-proxy").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._track(client)
            if self.mode == "silent":
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            self._track(upstream)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "silent":  # swallowed, as by a dead link; reset when the link returns
                    time.sleep(0.05)
                    if source not in self.connections:
                        return
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._reset(source)
            self._reset(target)

    def _swallow(self, client: socket.socket) -> None:
        try:
            while client.recv(65536):
                pass
        except OSError:
            pass
        finally:
            self._reset(client)

    def _track(self, sock: socket.socket) -> None:
        with self.lock:
            self.connections.add(sock)

    def _reset(self, sock: socket.socket) -> None:
        """Reset the connection. Shut down first: closing a socket that another thread is blocked reading
        leaves it open until that read returns (never, on an idle Redis connection), and Redis would keep
        counting it as a client."""
        with self.lock:
            self.connections.discard(sock)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()

    def _reset_all(self) -> None:
        with self.lock:
            open_now = list(self.connections)
        for sock in open_now:
            self._reset(sock)


_proxies: dict[int, RedisProxy] = {}


def redis_proxy(cluster: Cluster) -> RedisProxy:
    """Move the cluster's Redis to another port (its AOF keeps the data) and put the proxy on the old one."""
    if id(cluster) in _proxies:
        return _proxies[id(cluster)]
    redis = cluster.processes["redis"]
    redis.signal_group(15)
    redis.popen.wait(timeout=15)
    (behind,) = free_ports(1)
    cluster._spawn(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", str(behind), "--dir", str(cluster.workdir / "redis"),
         "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"],
    )  # fmt: skip

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", behind), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_until("Redis behind the proxy", answers, 15)
    proxy = RedisProxy(cluster.redis_port, behind)
    proxy.start()
    _proxies[id(cluster)] = proxy
    log(f"Redis moved to 127.0.0.1:{behind}, behind a proxy on 127.0.0.1:{cluster.redis_port}")
    return proxy


# --- clients ------------------------------------------------------------------------------------


@dataclass
class Listener:
    """A WebSocket client that keeps the highest event id it saw and resumes from it after a break."""

    username: str
    cursor: int
    received: dict[int, float] = field(default_factory=dict)  # event id -> when first received
    seizures: dict[int, set[int]] = field(default_factory=dict)  # seizure id -> event ids that carried it
    repeats: int = 0
    out_of_order: int = 0
    connections: int = 0
    breaks: int = 0
    #: What came on the stream, in order (id, type, seizure id): what a failure message shows.
    seen: list[tuple[Any, Any, Any]] = field(default_factory=list)

    def take(self, message: dict[str, Any]) -> None:
        event_id = message.get("id")
        self.seen.append((event_id, message.get("type"), (message.get("payload") or {}).get("id")))
        if not isinstance(event_id, int):
            return
        if event_id in self.received:
            self.repeats += 1
            return
        if event_id < self.cursor:
            self.out_of_order += 1
        self.received[event_id] = time.monotonic()
        self.cursor = max(self.cursor, event_id)
        if message.get("type") == "seizure":
            self.seizures.setdefault(message.get("payload", {}).get("id"), set()).add(event_id)

    def arrival(self, seizure_id: int) -> float | None:
        events = self.seizures.get(seizure_id)
        return min(self.received[event] for event in events) if events else None


async def _follow(url: str, token: str, listener: Listener, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            async with connect(
                f"{url}?after={listener.cursor}", additional_headers={"Authorization": f"Bearer {token}"},
                proxy=None, open_timeout=3, ping_interval=5, ping_timeout=5,
            ) as stream:  # fmt: skip
                listener.connections += 1
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(stream.recv(), 0.5)
                    except TimeoutError:
                        continue
                    listener.take(json.loads(raw))
        except Exception:  # closed by the server, refused, timed out: resume from the cursor
            listener.breaks += 1
            await asyncio.sleep(0.25)


class Listening:
    """The listeners' streams, on an event loop of their own, for the duration of a ``with`` block."""

    def __init__(self, context: Context) -> None:
        cluster = context.cluster
        with psycopg.connect(cluster.database_url) as connection:
            row = connection.execute("SELECT coalesce(max(position), 0) FROM messaging_event").fetchone()
        start = int(row[0]) if row else 0
        self.listeners = [Listener(username, start) for username in LISTENERS]
        self.tokens = [context.token(username) for username in LISTENERS]
        self.url = f"{cluster.url.replace('http://', 'ws://')}/ws/stream/"
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            await asyncio.gather(
                *(
                    _follow(self.url, token, lis, self.stop)
                    for token, lis in zip(self.tokens, self.listeners, strict=True)
                )
            )

        self.loop.run_until_complete(main())

    def __enter__(self) -> "Listening":
        self.thread.start()
        wait_until("the listeners' streams", lambda: all(lis.connections for lis in self.listeners), 15)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=10)

    def wait_for(self, seizure_ids: list[int], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(lis.arrival(sid) is not None for lis in self.listeners for sid in seizure_ids):
                return True
            time.sleep(0.1)
        return False


@dataclass
class Filed:
    index: int
    status: int = 0
    seizure_id: int = 0
    sent: float = 0.0
    answered: float = 0.0
    error: str = ""


def _file_all(context: Context, prefix: str, count: int, clients: int, pace: Callable[[int], None]) -> list[Filed]:
    """``count`` filings through nginx from ``clients`` threads; ``pace(index)`` may hold a filing back."""
    token = context.token("officer.ng")
    filings = [Filed(index) for index in range(count)]
    pending = list(reversed(filings))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not pending:
                    return
                filed = pending.pop()
            pace(filed.index)
            filed.sent = time.monotonic()
            try:
                answer = call(
                    "POST", f"{context.cluster.url}/api/v1/seizures/", token=token,
                    body=context.filing(f"{prefix} {filed.index:04d}"),
                    headers={"Idempotency-Key": f"{prefix}-{filed.index}"}, timeout=30,
                )  # fmt: skip
                filed.status = answer.status
                if answer.status == 201:
                    filed.seizure_id = answer.body["id"]
                else:
                    filed.error = str(answer.body)[:200]
            except Unreachable as error:
                filed.error = str(error)
            filed.answered = time.monotonic()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return filings


def _probe_push(context: Context, listening: Listening, label: str, timeout: float = 60) -> float:
    """File one seizure and wait for both listeners to get it: the whole chain works again."""
    started = time.monotonic()
    [probe] = _file_all(context, f"faults-redis {context.run} {label}", 1, 1, lambda _index: None)
    assert probe.status == 201, f"{label} filing: {probe.status} {probe.error}"
    assert listening.wait_for([probe.seizure_id], timeout), f"{label}: its event did not arrive in {timeout:.0f} s"
    return time.monotonic() - started


def _stored(context: Context, prefix: str) -> dict[str, int]:
    with psycopg.connect(context.cluster.database_url) as connection:
        rows = connection.execute(
            "SELECT narrative, count(*) FROM seizures_seizure WHERE narrative LIKE %s GROUP BY narrative",
            (prefix + " %",),
        ).fetchall()
    return dict(rows)


def _deliveries(listening: Listening, filings: list[Filed], back: float) -> tuple[float, list[str], int]:
    """The longest delay after Redis returned (or after the 201, for later filings), what is missing, duplicates."""
    delays, missing, duplicates = [], [], 0
    for lis in listening.listeners:
        for filed in filings:
            arrived = lis.arrival(filed.seizure_id)
            if arrived is None:
                missing.append(f"{lis.username}:{filed.seizure_id}")
                continue
            delays.append(arrived - max(back, filed.answered))
            duplicates += len(lis.seizures[filed.seizure_id]) - 1
    return (max(delays) if delays else 0.0), missing, duplicates


def _lateness(listening: Listening, filings: list[Filed], back: float) -> str:
    """Where the late events were, for a failure's message: per stream, how many came late, and when the
    stream's first event after Redis returned and the latest one came (seconds after Redis returned)."""
    parts = []
    for lis in listening.listeners:
        timings = [
            (arrived - back, filed.answered - back, filed.seizure_id)
            for filed in filings
            if (arrived := lis.arrival(filed.seizure_id)) is not None and arrived >= back
        ]
        late = [t for t in timings if t[0] - max(t[1], 0) > DELIVERY_LIMIT_SECONDS]
        first = min((t[0] for t in timings), default=-1.0)
        latest = max(timings, default=(0.0, 0.0, 0))
        parts.append(
            f"{lis.username}: {len(late)} late of {len(timings)} after the return, first at {first:.2f} s, "
            f"last at {latest[0]:.2f} s (seizure {latest[2]} answered at {latest[1]:.2f} s)"
        )
    return "; ".join(parts)


# --- (r1) ---------------------------------------------------------------------------------------


def check_redis_cut_during_filings(context: Context) -> str:
    proxy = redis_proxy(context.cluster)
    prefix = f"faults-redis {context.run} cut"
    with Listening(context) as listening:
        recovered = _probe_push(context, listening, "before-cut")
        cut_at = time.monotonic()
        proxy.refuse()
        back_at = [0.0]

        def restore_later() -> None:
            time.sleep(OUTAGE_SECONDS)
            proxy.restore()
            back_at[0] = time.monotonic()

        restorer = threading.Thread(target=restore_later)
        restorer.start()
        filings = _file_all(context, prefix, FILINGS, FILING_CLIENTS, lambda _index: None)
        restorer.join()
        back = back_at[0]
        filed = [f for f in filings if f.status == 201]
        arrived = listening.wait_for([f.seizure_id for f in filed], DELIVERY_LIMIT_SECONDS + 25)
        max_delay, missing, duplicates = _deliveries(listening, filed, back)
    failures = [f for f in filings if f.status != 201]
    during = sum(1 for f in filings if f.answered <= back)
    longest = max(f.answered - f.sent for f in filings)
    stored = _stored(context, prefix)
    print(
        f"  [r1] outage {back - cut_at:.1f} s; filings {len(filings)} ({during} answered during the outage); "
        f"failures {len(failures)}; max event delay after return {max_delay:.2f} s; duplicates {duplicates}; "
        f"longest request {longest:.2f} s; missing events {len(missing)}; stored seizures {sum(stored.values())} "
        f"(duplicate rows {sum(c - 1 for c in stored.values())}); stream breaks "
        + ", ".join(f"{lis.username} {lis.breaks}" for lis in listening.listeners)
        + "; out-of-order "
        + ", ".join(f"{lis.username} {lis.out_of_order}" for lis in listening.listeners)
        + "; repeats dropped "
        + ", ".join(f"{lis.username} {lis.repeats}" for lis in listening.listeners),
        flush=True,
    )
    assert not failures, f"{len(failures)} filings failed, e.g. {[(f.status, f.error) for f in failures[:3]]}"
    assert len(stored) == FILINGS, f"{FILINGS - len(stored)} filings not stored"
    assert sum(stored.values()) == FILINGS, f"{sum(stored.values()) - FILINGS} duplicate seizures stored"
    assert arrived, f"{len(missing)} events never arrived, e.g. {missing[:5]}"
    assert not missing, f"{len(missing)} events never arrived, e.g. {missing[:5]}"
    assert duplicates == 0, f"{duplicates} seizures arrived under two event ids"
    assert max_delay <= DELIVERY_LIMIT_SECONDS, (
        f"an event arrived {max_delay:.2f} s after Redis returned; " + _lateness(listening, filed, back)
    )
    return (
        f"Redis cut {back - cut_at:.1f} s (refused, open connections reset) while {FILINGS} seizures were filed "
        f"through nginx from {FILING_CLIENTS} clients ({during} answered during the outage): failures 0; "
        f"{len(listening.listeners)} WebSocket clients got all {len(filed)} events, max delay after return "
        f"{max_delay:.2f} s, duplicates 0; longest request {longest:.2f} s; push worked {recovered:.1f} s "
        f"after Redis moved behind the proxy"
    )


# --- (r2) ---------------------------------------------------------------------------------------


def check_broker_silent_at_request_time(context: Context) -> str:
    proxy = redis_proxy(context.cluster)
    prefix = f"faults-redis {context.run} silent"
    with Listening(context) as listening:
        _probe_push(context, listening, "before-silence")
        silenced_at = time.monotonic()
        proxy.silence()
        filings = _file_all(context, prefix, SILENT_FILINGS, 4, lambda _index: None)
        silent_for = time.monotonic() - silenced_at
        proxy.restore()
        back = time.monotonic()
        filed = [f for f in filings if f.status == 201]
        listening.wait_for([f.seizure_id for f in filed], 30)
        max_delay, missing, duplicates = _deliveries(listening, filed, back)
    failures = [f for f in filings if f.status != 201]
    durations = [f.answered - f.sent for f in filings]
    longest = max(durations)
    print(
        f"  [r2] broker silent {silent_for:.1f} s; filings {len(filings)}; failures {len(failures)}; longest "
        f"request {longest:.2f} s (median {statistics.median(durations):.2f} s); max event delay after return "
        f"{max_delay:.2f} s; missing events {len(missing)}; duplicates {duplicates}",
        flush=True,
    )
    assert not failures, f"{len(failures)} filings failed, e.g. {[(f.status, f.error) for f in failures[:3]]}"
    assert longest <= REQUEST_LIMIT_SECONDS, f"a filing took {longest:.2f} s with the broker silent"
    assert not missing, (
        f"{len(missing)} events never arrived after the broker returned, e.g. {missing[:5]}; the streams' last "
        f"messages: {[(lis.username, lis.seen[-15:]) for lis in listening.listeners]}"
    )
    assert duplicates == 0, f"{duplicates} seizures arrived under two event ids"
    return (
        f"Redis accepted connections and answered nothing for {silent_for:.1f} s: {len(filings)} filings, "
        f"failures 0, longest request {longest:.2f} s (median {statistics.median(durations):.2f} s); their events "
        f"arrived {max_delay:.2f} s at most after Redis answered again, duplicates 0"
    )


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("(r1) Redis cut during filings", check_redis_cut_during_filings),
    ("(r2) broker silent at request time", check_broker_silent_at_request_time),
]
