"""Filing: seizures per second and latency through ``POST /api/v1/seizures/``, beside raw psycopg INSERTs.

Each filing has three commodity lines and three route legs and is sent with an ``Idempotency-Key``, as the
mobile and national-system clients send it, to gunicorn's sync workers with the production settings. The
raw baseline then writes the same rows (the seizure, its lines and legs, read back from the database) with
psycopg into copies of the three tables (same columns, defaults and indexes), one transaction per seizure,
from the same number of client threads, each with its own connection.
"""

import http.client
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from bench.harness import BenchEnv, Figure
from bench.run import cluster
from cluster.run import log

#: (clients, most filings, most seconds): enough filings for a p99 at each concurrency, bounded in time.
ROUNDS = [(1, 200, 40.0), (32, 1600, 60.0)]
WARMUP = 20
TARGET_RATIO = 0.30
TARGET_P99_MS = 150.0
TABLES = ["seizures_seizure", "seizures_commodityline", "seizures_routeleg"]


def filing_body(operation_id: int, number: int) -> dict[str, Any]:
    """A waste seizure at Apapa by Nigeria's officer: three commodity lines, three route legs."""
    return {
        "operation": operation_id,
        "submit": True,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "place_port": "NGAPP",
        "place_function": "port",
        "direction": "import",
        "transport_mode": "1",
        "vessel_name": "GRANDE NIGERIA",
        "vessel_imo": "9321483",
        "containers": ["CSQU3054383"],
        "transport_document": f"MSCU-{100000 + number}",
        "detection_methods": ["risk_profiling", "physical_examination"],
        "concealment_methods": ["misdeclaration"],
        "reasons": ["a"],
        "actions_taken": ["seized"],
        "narrative": f"Benchmark filing {number}: used lead-acid batteries, cathode-ray tubes and cables.",
        "lines": [
            {"mea": "BASEL", "hs_code": "8549.11", "description": "Waste lead-acid batteries", "quantity": "12.5",
             "unit": "TNE", "waste_code": "A1160"},
            {"mea": "BASEL", "hs_code": "8549.11", "description": "Cathode-ray tubes", "quantity": "3.2",
             "unit": "TNE", "waste_code": "A2010"},
            {"mea": "BASEL", "hs_code": "8549.11", "description": "Insulated copper cables", "quantity": "1.75",
             "unit": "TNE", "waste_code": "A1190"},
        ],
        "route": [
            {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
            {"role": "transit", "country": "ES", "place_port": "", "place_name": "Algeciras"},
            {"role": "discovery", "country": "NG", "place_port": "", "place_name": "Apapa"},
        ],
    }  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_clients(
    clients: int, jobs: int, send: Callable[[int, Any], None], connect: Callable[[], Any], seconds: float = 600
) -> dict[str, Any]:
    """Up to ``jobs`` calls of ``send(number, connection)`` from ``clients`` threads for at most ``seconds``:
    throughput and latencies."""
    counter = iter(range(jobs))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    ready = threading.Barrier(clients + 1)
    deadline = [float("inf")]

    def worker() -> None:
        connection = connect()
        ready.wait()
        try:
            while True:
                with lock:
                    number = next(counter, None) if time.perf_counter() < deadline[0] else None
                if number is None:
                    return
                started = time.perf_counter()
                try:
                    send(number, connection)
                except Exception as error:  # counted and shown, never hidden
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
        finally:
            close = getattr(connection, "close", None)
            if close:
                close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "rate": len(latencies) / seconds,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "count": len(latencies),
        "failures": failures,
    }


class Filer:
    """One keep-alive HTTP connection to gunicorn per client thread."""

    def __init__(self, host: str, port: int, token: str, operation_id: int, run: str) -> None:
        self.host, self.port, self.token, self.operation_id, self.run = host, port, token, operation_id, run
        self.ids: list[int] = []
        self.lock = threading.Lock()
        self.round = 0

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def send(self, number: int, connection: http.client.HTTPConnection) -> None:
        body = json.dumps(filing_body(self.operation_id, number)).encode()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": f"bench-{self.run}-{self.round}-{number}",
        }
        try:
            connection.request("POST", "/api/v1/seizures/", body=body, headers=headers)
            response = connection.getresponse()
        except (http.client.HTTPException, OSError):  # gunicorn's sync workers close after each answer
            connection.close()
            connection.connect()
            connection.request("POST", "/api/v1/seizures/", body=body, headers=headers)
            response = connection.getresponse()
        answer = response.read()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
        if response.status != 201:
            raise RuntimeError(f"HTTP {response.status}: {answer[:300]!r}")
        with self.lock:
            self.ids.append(json.loads(answer)["id"])


class RawWriter:
    """The same rows, written with psycopg into copies of the tables, one transaction per seizure."""

    def __init__(
        self, database_url: str, rows: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]
    ):
        self.database_url = database_url
        self.rows = rows

    @staticmethod
    def prepare(database_url: str) -> None:
        with psycopg.connect(database_url, autocommit=True) as connection:
            for table in TABLES:
                copy = sql.Identifier(f"bench_raw_{table}")
                connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(copy))
                connection.execute(
                    sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(copy, sql.Identifier(table))
                )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url)

    @staticmethod
    def _insert(table: str, row: dict[str, Any]) -> sql.Composed:
        columns = [column for column in row if column != "id"]
        return sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
            sql.Identifier(f"bench_raw_{table}"),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(sql.Placeholder(column) for column in columns),
        )

    def send(self, number: int, connection: psycopg.Connection[Any]) -> None:
        seizure, lines, legs = self.rows[number % len(self.rows)]
        seizure = {**seizure, "uuid": uuid.uuid4(), "reference": f"R{number}-{secrets.token_hex(3)}"}
        with connection.transaction():
            new_id = connection.execute(self._insert(TABLES[0], seizure), _adapt(seizure)).fetchone()[0]  # type: ignore[index]
            for table, children in ((TABLES[1], lines), (TABLES[2], legs)):
                for child in children:
                    child = {**child, "seizure_id": new_id}
                    connection.execute(self._insert(table, child), _adapt(child))


def _adapt(row: dict[str, Any]) -> dict[str, Any]:
    """JSON columns come back as Python values; psycopg needs them wrapped to write them again."""
    from psycopg.types.json import Jsonb

    return {key: Jsonb(value) if isinstance(value, (dict, list)) else value for key, value in row.items()}


def _rows_of(
    database_url: str, ids: list[int]
) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    from psycopg.rows import dict_row

    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        seizures = connection.execute("SELECT * FROM seizures_seizure WHERE id = ANY(%s) ORDER BY id", [ids]).fetchall()
        lines = connection.execute(
            "SELECT * FROM seizures_commodityline WHERE seizure_id = ANY(%s) ORDER BY id", [ids]
        ).fetchall()
        legs = connection.execute(
            "SELECT * FROM seizures_routeleg WHERE seizure_id = ANY(%s) ORDER BY id", [ids]
        ).fetchall()
    by_seizure: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {row["id"]: ([], []) for row in seizures}
    for line in lines:
        by_seizure[line["seizure_id"]][0].append(line)
    for leg in legs:
        by_seizure[leg["seizure_id"]][1].append(leg)
    return [(row, *by_seizure[row["id"]]) for row in seizures]


def _setup() -> tuple[str, int]:
    """A token for Nigeria's officer and the demo operation it files into."""
    from accounts.models import User
    from accounts.services import token_issue
    from operations.models import Operation
    from opsplatform.management.commands.seed_demo import DEMO_SEIZURES

    _token, raw = token_issue(user=User.objects.get(username="officer.ng"), name="bench filing")
    return raw, Operation.objects.get(code=DEMO_SEIZURES[0]).pk


def run(env: BenchEnv) -> list[Figure]:
    topology = cluster()
    token, operation_id = _setup()
    port = topology.wsgi_ports[0]
    filer = Filer("127.0.0.1", port, token, operation_id, secrets.token_hex(3))
    warm = run_clients(2, WARMUP, filer.send, filer.connect)
    if warm["failures"]:
        raise RuntimeError(f"filing failed: {warm['failures'][:3]}")
    RawWriter.prepare(env.database_url)
    figures: list[Figure] = []
    for clients, jobs, seconds in ROUNDS:
        filer.ids, filer.round = [], clients
        api = run_clients(clients, jobs, filer.send, filer.connect, seconds)
        if api["failures"]:
            raise RuntimeError(f"{len(api['failures'])} filings failed at {clients} clients: {api['failures'][:3]}")
        writer = RawWriter(env.database_url, _rows_of(env.database_url, filer.ids))
        raw = run_clients(clients, jobs, writer.send, writer.connect, seconds)
        if raw["failures"]:
            raise RuntimeError(f"raw INSERTs failed at {clients} clients: {raw['failures'][:3]}")
        log(
            f"filing, {clients} clients: API {api['rate']:.1f}/s p50 {api['p50_ms']:.0f} ms p99 {api['p99_ms']:.0f} ms;"
            f" raw {raw['rate']:.1f}/s p50 {raw['p50_ms']:.1f} ms p99 {raw['p99_ms']:.1f} ms"
        )
        label = "psycopg INSERTs, one transaction per seizure"
        graded = clients == 32
        ratio = api["rate"] / raw["rate"]
        figures += [
            Figure("filing", f"seizures/s, {clients} client{'s' if clients > 1 else ''}", api["rate"], "/s",
                   raw["rate"], label, f">= {TARGET_RATIO:.2f} of raw" if graded else "",
                   ratio >= TARGET_RATIO if graded else None),
            Figure("filing", f"p50 latency, {clients} client{'s' if clients > 1 else ''}", api["p50_ms"], "ms",
                   raw["p50_ms"], label),
            Figure("filing", f"p99 latency, {clients} client{'s' if clients > 1 else ''}", api["p99_ms"], "ms",
                   raw["p99_ms"], label, f"<= {TARGET_P99_MS:.0f} ms" if graded else "",
                   api["p99_ms"] <= TARGET_P99_MS if graded else None),
        ]  # fmt: skip
    with psycopg.connect(env.database_url, autocommit=True) as connection:
        for table in TABLES:
            connection.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(f"bench_raw_{table}")))
    return figures
