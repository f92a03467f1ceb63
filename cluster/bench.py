"""Figures for sizing (docs/deployment.md), measured on the loopback cluster: ``python -m cluster.bench``.

Not a test: it prints numbers. Every loop is bounded in requests and time, and all traffic stays on loopback.
The load generator shares the machine with the cluster, so figures are lower bounds for a dedicated host.

1. The same authenticated API read served by gunicorn (sync workers) and by daphne (ASGI), same concurrency.
2. Filings per second through gunicorn.
3. WebSocket fan-out: many streams open on the daphnes, one filing, time until every stream has its event;
   memory of a daphne per open stream.
"""

import asyncio
import functools
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from cluster.checks import Context, call
from cluster.run import log, running_cluster

CONCURRENCY = 8
READ_SECONDS = 12
FILINGS = 60
STREAMS = 400


def _load(send: Callable[[], int], *, concurrency: int, seconds: float, limit: int = 100_000) -> dict[str, float]:
    """Requests per second and latency percentiles of ``send`` run by ``concurrency`` threads."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal failures
        while time.monotonic() < deadline and len(latencies) < limit:
            started = time.perf_counter()
            status = send()
            elapsed = time.perf_counter() - started
            with lock:
                if status < 400:
                    latencies.append(elapsed)
                else:
                    failures += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "rps": len(latencies) / duration,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95)] * 1000,
        "failures": failures,
        "count": len(latencies),
    }


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _status(url: str, token: str) -> int:
    return call("GET", url, token=token).status


def bench_reads(context: Context) -> None:
    cluster = context.cluster
    token = context.token("officer.ng")
    for path in ("/api/v1/me/", f"/api/v1/seizures/?operation={context.operation_id}"):
        for name, base in (
            ("gunicorn, 2 sync workers", cluster.wsgi_url(1)),
            ("daphne, 1 ASGI process", f"http://127.0.0.1:{cluster.asgi_ports[0]}"),
        ):
            send = functools.partial(_status, base + path, token)
            figures = _load(send, concurrency=CONCURRENCY, seconds=READ_SECONDS)
            print(
                f"API read {path} via {name}, {CONCURRENCY} clients: {figures['rps']:.1f} req/s, "
                f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, {figures['failures']} failed",
                flush=True,
            )


def bench_filings(context: Context) -> None:
    token = context.token("officer.ng")
    counter = iter(range(FILINGS))
    lock = threading.Lock()

    def file_one() -> int:
        with lock:
            number = next(counter, None)
        if number is None:
            return 599
        body = context.filing(f"bench {context.run} filing {number}")
        return call("POST", f"{context.cluster.wsgi_url(1)}/api/v1/seizures/", token=token, body=body).status

    figures = _load(file_one, concurrency=4, seconds=60, limit=FILINGS)
    print(
        f"Filings via gunicorn (2 sync workers), 4 clients: {figures['rps']:.1f} filings/s, "
        f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms",
        flush=True,
    )


async def _fan_out(context: Context) -> None:
    cluster = context.cluster
    token = context.token("coordinator")
    officer = context.token("officer.ng")
    daphnes = [cluster.processes[f"web{web}-asgi"].popen.pid for web in (1, 2)]
    before = [_rss_kib(pid) for pid in daphnes]
    streams: list[ClientConnection] = []
    for number in range(STREAMS):
        url = f"{cluster.asgi_url(1 + number % 2)}/ws/stream/"
        streams.append(await connect(url, additional_headers={"Authorization": f"Bearer {token}"}, proxy=None))
    after = [_rss_kib(pid) for pid in daphnes]
    per_stream = statistics.mean((a - b) / (STREAMS / 2) for a, b in zip(after, before, strict=True))
    body = context.filing(f"bench {context.run} fan-out")
    sent = time.perf_counter()
    answer = await asyncio.to_thread(
        call, "POST", f"{cluster.wsgi_url(1)}/api/v1/seizures/", token=officer, body=body
    )  # fmt: skip
    seizure_id = answer.body["id"]

    async def delivered(stream: ClientConnection) -> float:
        while True:
            message = json.loads(await asyncio.wait_for(stream.recv(), 60))
            if message.get("type") == "seizure" and message.get("payload", {}).get("id") == seizure_id:
                return time.perf_counter() - sent

    arrivals = sorted(await asyncio.gather(*(delivered(stream) for stream in streams)))
    print(
        f"Fan-out to {STREAMS} streams on 2 daphnes: first {arrivals[0] * 1000:.0f} ms, "
        f"median {arrivals[len(arrivals) // 2] * 1000:.0f} ms, last {arrivals[-1] * 1000:.0f} ms after the POST; "
        f"about {per_stream:.0f} KiB of daphne memory per open stream",
        flush=True,
    )
    await asyncio.gather(*(stream.close() for stream in streams))


def main() -> int:
    with running_cluster(keep="--keep" in sys.argv[1:]) as cluster:
        context = Context(cluster)
        operations = call(
            "GET", f"{cluster.wsgi_url(2)}/api/v1/operations/?status=active", token=context.token("officer.ng")
        )
        context.operation_id = next(item["id"] for item in operations.body["results"] if item["code"] == "DEMETER-2026")
        log("benchmarking (the load generator shares the 2 cores)")
        bench_reads(context)
        bench_filings(context)
        asyncio.run(_fan_out(context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
