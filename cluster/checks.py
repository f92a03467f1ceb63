"""What ``make cluster-test`` proves, against a cluster started by cluster/run.py.

(a) Cross-process push: a seizure filed through web-2's gunicorn reaches a WebSocket client connected
    directly to web-1's daphne (so only Redis can have carried it) and one connected through nginx.
(b) A web process killed mid-run loses no filing: 50 filings alternate between web-1 and web-2 from four
    clients; web-1 (gunicorn and daphne) is SIGKILLed part-way; a client whose request to web-1 fails
    retries against web-2 with the same Idempotency-Key. Exactly one seizure per filing exists at the end.
(c) A worker killed with tasks queued loses no task: reports of the demo operation are queued, worker-1 is
    SIGKILLed while it holds one; every report becomes ready.
(d) Operations: readiness of the survivor, the host's metrics, JSON logs carrying the request id, nginx
    keeping /metrics private.
"""

import asyncio
import http.client
import json
import os
import secrets
import statistics
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect

from cluster.run import OPENER, Cluster, demo_code, demo_password

FILINGS = 50
FILING_CLIENTS = 4
KILL_AFTER_ANSWERS = 16
PUSH_ROUNDS = 5
REPORTS = 4


@dataclass
class Result:
    name: str
    passed: bool
    summary: str


class Unreachable(Exception):
    """The request got no HTTP answer: refused, reset mid-request, or timed out."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def call(
    method: str, url: str, *, token: str | None = None, body: Any = None, headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Accept": "application/json"})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), _decode(response.read()))
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), _decode(error.read()))
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise Unreachable(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from error


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


@dataclass
class Context:
    cluster: Cluster
    run: str = field(default_factory=lambda: secrets.token_hex(3))
    tokens: dict[str, str] = field(default_factory=dict)
    operation_id: int = 0

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = call(
                "POST",
                f"{self.cluster.wsgi_url(2)}/api/v1/auth/token/",
                body={
                    "username": username,
                    "password": demo_password(username),
                    "otp": demo_code(username),
                    "name": "cluster-test",
                },
            )
            assert answer.status == 201, f"token for {username}: {answer.status} {answer.body}"
            self.tokens[username] = answer.body["token"]
        return self.tokens[username]

    def filing(self, narrative: str) -> dict[str, Any]:
        """A waste seizure at Lagos for the demo operation, filed by Nigeria's officer."""
        return {
            "operation": self.operation_id,
            "submit": True,
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
            "place_port": "NGAPP",
            "place_function": "port",
            "direction": "import",
            "transport_mode": "1",
            "vessel_name": "GRANDE NIGERIA",
            "vessel_imo": "9321483",
            "containers": ["CSQU3054383"],
            "transport_document": "MSCU-123456",
            "detection_methods": ["risk_profiling", "physical_examination"],
            "concealment_methods": ["misdeclaration"],
            "reasons": ["a"],
            "actions_taken": ["seized"],
            "narrative": narrative,
            "lines": [
                {
                    "mea": "BASEL",
                    "hs_code": "8549.11",
                    "description": "Waste lead-acid batteries",
                    "quantity": "12.5",
                    "unit": "TNE",
                    "waste_code": "A1160",
                },
            ],
            "route": [
                {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
                {"role": "discovery", "country": "NG", "place_port": "", "place_name": "Apapa"},
            ],
        }


def _metrics(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = call("GET", f"{url}/metrics")
    assert answer.status == 200, f"metrics: {answer.status}"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.body if isinstance(answer.body, str) else "")
        for sample in family.samples
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- (a) --------------------------------------------------------------------------------------


async def _seizure_pushed(stream: ClientConnection, seizure_id: int, timeout: float = 15) -> float:
    """When the stream delivered the filing's event (other events on the stream are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(stream.recv(), max(deadline - time.monotonic(), 0.01)))
        if message.get("type") == "seizure" and message.get("payload", {}).get("id") == seizure_id:
            return time.perf_counter()


async def _cross_process(context: Context) -> str:
    cluster = context.cluster
    coordinator, officer = context.token("coordinator"), context.token("officer.ng")
    direct_url = f"{cluster.asgi_url(1)}/ws/stream/"
    nginx_url = f"{cluster.url.replace('http://', 'ws://')}/ws/stream/"
    async with (
        connect(direct_url, additional_headers={"Authorization": f"Bearer {coordinator}"}, proxy=None) as direct,
        connect(nginx_url, additional_headers={"Authorization": f"Bearer {officer}"}, proxy=None) as through_nginx,
    ):
        for _attempt in range(20):  # the server counts a stream just after accepting it
            open_streams = await asyncio.to_thread(_metrics, cluster.wsgi_url(2))
            gauge = open_streams.get(("opsplatform_websocket_connections", ()), 0)
            if gauge == 2:
                break
            await asyncio.sleep(0.1)
        assert gauge == 2, f"the open-WebSocket gauge reads {gauge} with 2 streams open"
        to_push, after_answer = [], []
        for round_number in range(PUSH_ROUNDS):
            body = context.filing(f"cluster-test {context.run} push {round_number}")
            sent = time.perf_counter()
            answer = await asyncio.to_thread(
                call, "POST", f"{cluster.wsgi_url(2)}/api/v1/seizures/", token=officer, body=body,
                headers={"Idempotency-Key": f"{context.run}-push-{round_number}"},
            )  # fmt: skip
            answered = time.perf_counter()
            assert answer.status == 201, f"filing on web-2: {answer.status} {answer.body}"
            on_web1, via_nginx = await asyncio.gather(
                _seizure_pushed(direct, answer.body["id"]), _seizure_pushed(through_nginx, answer.body["id"])
            )
            to_push.append(on_web1 - sent)
            after_answer.append(max(on_web1 - answered, 0))
            assert via_nginx
    return (
        f"{PUSH_ROUNDS}/{PUSH_ROUNDS} seizures filed through web-2's gunicorn reached the coordinator on web-1's "
        f"daphne and the officer through nginx; filing to push median {_ms(statistics.median(to_push))}, "
        f"max {_ms(max(to_push))} (after the 201: median {_ms(statistics.median(after_answer))}); "
        f"open-WebSocket gauge read 2"
    )


def check_cross_process_push(context: Context) -> str:
    return asyncio.run(_cross_process(context))


# --- (b) --------------------------------------------------------------------------------------


@dataclass
class Filing:
    index: int
    aimed_at: int
    seizure_id: int = 0
    attempts: int = 0
    failovers: int = 0
    in_flight_waits: int = 0
    replayed: bool = False
    errors: list[str] = field(default_factory=list)


def _file_with_failover(context: Context, filing: Filing, token: str) -> None:
    """One client: aim at its web process; on no answer, the other one, same key; wait out a 409."""
    body = context.filing(f"cluster-test {context.run} filing {filing.index:02d}")
    key = f"{context.run}-filing-{filing.index}"
    web = filing.aimed_at
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        filing.attempts += 1
        try:
            answer = call(
                "POST", f"{context.cluster.wsgi_url(web)}/api/v1/seizures/", token=token, body=body,
                headers={"Idempotency-Key": key},
            )  # fmt: skip
        except Unreachable as error:
            filing.errors.append(f"web-{web}: {error}")
            if web == 1:
                web, filing.failovers = 2, filing.failovers + 1
            else:
                time.sleep(0.5)
            continue
        if answer.status == 409:  # the first attempt died in flight; the key is taken over after a while
            filing.in_flight_waits += 1
            time.sleep(float(answer.headers.get("Retry-After", "1")))
            continue
        if answer.status == 201:
            filing.seizure_id = answer.body["id"]
            filing.replayed = answer.headers.get("Idempotent-Replayed") == "true"
            return
        raise AssertionError(f"filing {filing.index} on web-{web}: {answer.status} {answer.body}")
    raise AssertionError(f"filing {filing.index} got no answer in 90 s: {filing.errors}")


def check_web_process_killed(context: Context) -> str:
    cluster = context.cluster
    token = context.token("officer.ng")
    filings = [Filing(index=index, aimed_at=1 if index % 2 == 0 else 2) for index in range(FILINGS)]
    pending = list(reversed(filings))
    lock = threading.Lock()
    answered = 0
    kill_now = threading.Event()
    failures: list[str] = []

    def client() -> None:
        nonlocal answered
        while True:
            with lock:
                if not pending:
                    return
                filing = pending.pop()
            try:
                _file_with_failover(context, filing, token)
            except Exception as error:
                failures.append(str(error))
            with lock:
                answered += 1
                if answered == KILL_AFTER_ANSWERS:
                    kill_now.set()

    killed_at: list[float] = []

    def killer() -> None:
        if kill_now.wait(timeout=120):
            cluster.kill("web1-wsgi", "web1-asgi")
            killed_at.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(FILING_CLIENTS)] + [threading.Thread(target=killer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert not failures, f"filings failed: {failures[:3]}"
    assert killed_at, "web-1 was never killed"

    prefix = f"cluster-test {context.run} filing "
    with psycopg.connect(cluster.database_url) as connection:
        rows = connection.execute(
            "SELECT id, narrative FROM seizures_seizure WHERE narrative LIKE %s", (prefix + "%",)
        ).fetchall()
    stored: dict[str, list[int]] = {}
    for seizure_id, narrative in rows:
        stored.setdefault(narrative, []).append(seizure_id)
    duplicates = sum(len(ids) - 1 for ids in stored.values())
    missing = [f.index for f in filings if f"{prefix}{f.index:02d}" not in stored]
    mismatched = [f.index for f in filings if stored.get(f"{prefix}{f.index:02d}", [None])[0] != f.seizure_id]
    assert not missing, f"filings lost: {missing}"
    assert duplicates == 0, f"{duplicates} duplicate seizures"
    assert not mismatched, f"answers naming another seizure than the stored one: {mismatched}"

    failed_over = [f for f in filings if f.failovers]
    cut_off = [f for f in failed_over if any("refused" not in error.lower() for error in f.errors)]
    return (
        f"{FILINGS} filings from {FILING_CLIENTS} clients, {sum(f.aimed_at == 1 for f in filings)} aimed at web-1, "
        f"web-1 SIGKILLed after {KILL_AFTER_ANSWERS} answers: {len(rows)} seizures stored, duplicates 0, lost 0; "
        f"{len(failed_over)} retried on web-2 with the same key ({len(cut_off)} cut off mid-request, "
        f"{len(failed_over) - len(cut_off)} refused), {sum(f.in_flight_waits for f in filings)} waits on 409, "
        f"{sum(f.replayed for f in filings)} replayed answers; {elapsed:.1f} s"
    )


# --- (c) --------------------------------------------------------------------------------------


def _received_reports(cluster: Cluster, worker: int, offset: int) -> int:
    text = cluster.processes[f"worker{worker}"].log.read_bytes()[offset:].decode("utf-8", errors="replace")
    return sum(1 for line in text.splitlines() if "reports.tasks.generate_report[" in line and "received" in line)


def check_worker_killed(context: Context) -> str:
    cluster = context.cluster
    token = context.token("coordinator")
    base = cluster.wsgi_url(2)
    log_offset = cluster.processes["worker1"].log.stat().st_size
    reports = []
    for number in range(REPORTS):
        answer = call(
            "POST", f"{base}/api/v1/reports/", token=token,
            body={"operation": context.operation_id, "kind": "preliminary", "language": "en"},
            headers={"Idempotency-Key": f"{context.run}-report-{number}"},
        )  # fmt: skip
        assert answer.status == 201, f"report request: {answer.status} {answer.body}"
        assert answer.body["status"] != "ready", "the report was rendered in the request, not by a worker"
        reports.append(answer.body["id"])
    requested = time.monotonic()

    deadline = time.monotonic() + 30
    while _received_reports(cluster, 1, log_offset) == 0:
        assert time.monotonic() < deadline, "worker-1 never took a report task"
        time.sleep(0.05)
    cluster.kill("worker1")
    killed = time.monotonic()

    def statuses() -> dict[int, str]:
        return {
            report: call("GET", f"{base}/api/v1/reports/{report}/", token=token).body["status"] for report in reports
        }

    at_kill = statuses()
    deadline = time.monotonic() + 150
    while True:
        now = statuses()
        assert "failed" not in now.values(), f"a report failed: {now}"
        if all(status == "ready" for status in now.values()):
            break
        assert time.monotonic() < deadline, f"reports not ready 150 s after the kill: {now}"
        time.sleep(1)
    ready = time.monotonic()
    waiting = sorted(status for status in at_kill.values() if status != "ready")
    return (
        f"{REPORTS} reports of the demo operation queued; worker-1 SIGKILLed {killed - requested:.1f} s later while "
        f"holding one (at the kill: {', '.join(waiting) or 'none waiting'}); all {REPORTS} ready "
        f"{ready - killed:.1f} s after the kill, made by worker-2"
    )


# --- (d) --------------------------------------------------------------------------------------


def check_operations_view(context: Context) -> str:
    cluster = context.cluster
    ready = call("GET", f"{cluster.wsgi_url(2)}/readyz")
    assert ready.status == 200, f"web-2 readyz: {ready.status} {ready.body}"
    assert {name: check["status"] for name, check in ready.body["checks"].items()} == {"database": "ok", "redis": "ok"}
    assert call("GET", f"{cluster.url}/metrics").status == 404, "nginx must not expose /metrics"

    request_id = f"cluster-{context.run}-probe"
    probe = call("GET", f"{cluster.url}/healthz", headers={"X-Request-ID": request_id})
    assert probe.status == 200, probe.status
    assert probe.headers.get("X-Request-ID") == request_id, probe.headers
    time.sleep(0.5)
    lines, logged = 0, False
    for name in ("web2-wsgi", "web2-asgi", "worker2", "beat"):
        for line in cluster.processes[name].log.read_text(encoding="utf-8", errors="replace").splitlines():
            lines += 1
            try:
                entry = json.loads(line)
            except ValueError:
                raise AssertionError(f"a line of {name}'s log is not JSON: {line[:200]!r}") from None
            logged = logged or (entry.get("request_id") == request_id and entry.get("path") == "/healthz")
    assert logged, f"no JSON log line of web-2 carries the request id {request_id}"

    samples = _metrics(cluster.wsgi_url(2))

    def total(name: str, **labels: str) -> float:
        return sum(
            value
            for (sample, sample_labels), value in samples.items()
            if sample == name and all(dict(sample_labels).get(key) == wanted for key, wanted in labels.items())
        )

    filed = total("opsplatform_http_requests_total", method="POST", status="201")
    relayed = total("opsplatform_events_relayed_total")
    queue = samples.get(("opsplatform_celery_queue_length", (("queue", "celery"),)))
    sockets = total("opsplatform_websocket_connections")
    assert filed >= FILINGS, f"only {filed} POSTs answered 201 in the metrics"
    assert relayed >= FILINGS, f"only {relayed} events relayed in the metrics"
    assert queue is not None, "no Celery queue length in the metrics"
    assert sockets == 0, f"{sockets} WebSockets still counted after every client left"
    return (
        f"web-2 ready (database ok, redis ok); {lines} log lines of web-2, worker-2 and beat, all JSON; the "
        f"probe's request id {request_id} in its log line and header; host metrics: {filed:.0f} POSTs answered "
        f"201, {relayed:.0f} events relayed, celery queue {queue:.0f}, 0 open WebSockets (web-1's killed daphne "
        f"forgotten); /metrics refused through nginx"
    )


def run_all(cluster: Cluster) -> list[Result]:
    from cluster import faults_redis

    context = Context(cluster)
    operations = call(
        "GET", f"{cluster.wsgi_url(2)}/api/v1/operations/?status=active", token=context.token("officer.ng")
    )
    context.operation_id = next(item["id"] for item in operations.body["results"] if item["code"] == "DEMETER-2026")
    from cluster import faults_workers  # imports this module

    checks: list[tuple[str, Callable[[Context], str]]] = [
        ("(a) push across processes", check_cross_process_push),
        ("(b) web-1 killed during filings", check_web_process_killed),
        ("(c) worker killed with tasks queued", check_worker_killed),
        ("(d) readiness, metrics, logs", check_operations_view),
        *faults_workers.CHECKS,
        *faults_redis.CHECKS,  # last: Redis stays behind their proxy afterwards
    ]
    only = [prefix for prefix in os.environ.get("CLUSTER_TEST_ONLY", "").split(",") if prefix]
    if only:  # while working on one scenario: CLUSTER_TEST_ONLY=r1,r2 runs those alone
        checks = [(name, check) for name, check in checks if any(name.startswith(f"({p})") for p in only)]
    results = []
    for name, check in checks:
        started = time.monotonic()
        try:
            result = Result(name, True, check(context))
        except Exception as error:
            traceback.print_exc()
            result = Result(name, False, f"{type(error).__name__}: {error}")
        print(f"[{'PASS' if result.passed else 'FAIL'}] {name} ({time.monotonic() - started:.1f} s): {result.summary}")
        results.append(result)
    return results
