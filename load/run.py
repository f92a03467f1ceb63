"""Load on the production topology on loopback: ``make load`` (short, CI) and ``make soak`` (long, by hand).

``load``: starts the cluster of cluster/run.py (PostgreSQL, Redis, gunicorn + daphne behind nginx, workers,
beat), makes one account per simulated person (load/provision.py), runs load/locustfile.py headless and prints
failures and p50/p95/p99 per request type and in total. Exits non-zero on any failure or on no request at all.

``soak``: the same for longer and with more people, then ``make cluster-test`` with ``FAULT_SCALE`` passed on
to the fault scenarios (cluster/faults_*.py read it to size their runs), and one summary of both.

Environment: LOAD_USERS (50), LOAD_SECONDS (60), LOAD_SPAWN_RATE (10 a second); for soak SOAK_USERS (100),
SOAK_SECONDS (600) and FAULT_SCALE (4). All traffic stays on loopback and every run is bounded in time.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cluster.run import ROOT, Cluster, log, running_cluster

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


@dataclass
class Figures:
    kind: str
    name: str
    requests: int
    failures: int
    p50: str
    p95: str
    p99: str
    rps: float


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _accounts_for(users: int) -> dict[str, int]:
    """One account per simulated person: Locust spreads ``users`` by the weights of load/locustfile.py
    (officers 5, coordinators 1, analysts 1, listeners 2, who use officers' and coordinators' accounts)."""
    share = -(-users // 9)
    return {"officers": users, "coordinators": share, "analysts": share + 1}


def _read(stats: Path) -> tuple[list[Figures], list[list[str]]]:
    with (stats.parent / f"{stats.name}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    figures = [
        Figures(
            kind=row["Type"],
            name=row["Name"],
            requests=int(row["Request Count"]),
            failures=int(row["Failure Count"]),
            p50=row["50%"],
            p95=row["95%"],
            p99=row["99%"],
            rps=float(row["Requests/s"]),
        )
        for row in rows
    ]
    failures_file = stats.parent / f"{stats.name}_failures.csv"
    failures = []
    if failures_file.exists():
        with failures_file.open(encoding="utf-8") as handle:
            failures = [
                [row.get("Method", ""), row.get("Name", ""), row.get("Error", ""), row.get("Occurrences", "")]
                for row in csv.DictReader(handle)
            ]
    return figures, failures


def _print(title: str, figures: list[Figures], failures: list[list[str]]) -> None:
    print(f"\n{title}", flush=True)
    print(f"{'type':<6} {'name':<28} {'requests':>9} {'failures':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'req/s':>6}")  # fmt: skip
    for row in figures:
        name = row.name if row.kind else "TOTAL"
        print(
            f"{row.kind or '':<6} {name:<28} {row.requests:>9} {row.failures:>9} {row.p50:>7} {row.p95:>7} "
            f"{row.p99:>7} {row.rps:>6.1f}"
        )
    for method, name, error, occurrences in failures:
        print(f"FAILED {occurrences} x {method} {name}: {error[:400]}")


def load_on(cluster: Cluster, *, users: int, seconds: int, spawn_rate: int, title: str) -> tuple[bool, str]:
    """Accounts for ``users`` people on a running cluster, one Locust run; (passed, summary line)."""
    with tempfile.TemporaryDirectory(prefix="opsplatform-load-") as scratch:
        accounts = Path(scratch) / "accounts.json"
        counts = _accounts_for(users)
        subprocess.run(
            [sys.executable, "-m", "load.provision", str(accounts),
             *(item for role, count in counts.items() for item in (f"--{role}", str(count)))],
            cwd=ROOT, env=cluster.env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        log(f"{cluster.elapsed()} {', '.join(f'{count} {role}' for role, count in counts.items())} provisioned")
        stats = Path(scratch) / "stats"
        command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", cluster.url,
            "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
            "--stop-timeout", "10", "--csv", str(stats), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        log(f"{cluster.elapsed()} Locust: {users} users for {seconds} s against {cluster.url}")
        started = time.monotonic()
        locust_log = Path(scratch) / "locust.log"
        with locust_log.open("w") as output:
            locust = subprocess.run(
                command, cwd=ROOT, env={**cluster.env(), "LOAD_ACCOUNTS": str(accounts)},
                stdout=subprocess.DEVNULL, stderr=output, timeout=seconds + 180,
            )  # fmt: skip
        elapsed = time.monotonic() - started
        figures, failures = _read(stats)
        if locust.returncode not in (0, 1):
            print(locust_log.read_text(encoding="utf-8", errors="replace")[-4000:])
    dead = [process.name for process in cluster.processes.values() if not process.alive]
    _print(f"{title}: {users} users, {seconds} s ({elapsed:.0f} s with ramp-up and stop)", figures, failures)
    total = next((row for row in figures if row.name == "Aggregated"), None)
    requests = total.requests if total else 0
    failed = total.failures if total else 0
    if dead:
        print(f"processes that died under load: {', '.join(dead)}")
    passed = requests > 0 and failed == 0 and not dead and locust.returncode == 0
    summary = (
        f"{title}: {users} users, {seconds} s: {requests} requests, {failed} failures, "
        f"p95 {total.p95 if total else '-'} ms, p99 {total.p99 if total else '-'} ms"
    )
    print(summary, flush=True)
    return passed, summary


def run_load(*, users: int, seconds: int, spawn_rate: int, title: str) -> tuple[bool, str]:
    """A cluster of its own for one load run."""
    with running_cluster() as cluster:
        return load_on(cluster, users=users, seconds=seconds, spawn_rate=spawn_rate, title=title)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["load", "soak"])
    arguments = parser.parse_args()
    spawn_rate = env_int("LOAD_SPAWN_RATE", 10)
    if arguments.command == "load":
        passed, _summary = run_load(
            users=env_int("LOAD_USERS", 50), seconds=env_int("LOAD_SECONDS", 60), spawn_rate=spawn_rate,
            title="make load",
        )  # fmt: skip
        print(f"{int(passed)} passed, {int(not passed)} failed", flush=True)
        return 0 if passed else 1

    scale = os.environ.get("FAULT_SCALE", "").strip() or "4"
    passed, summary = run_load(
        users=env_int("SOAK_USERS", 100), seconds=env_int("SOAK_SECONDS", 600), spawn_rate=spawn_rate,
        title="make soak",
    )  # fmt: skip
    log(f"make cluster-test with FAULT_SCALE={scale}")
    started = time.monotonic()
    faults = subprocess.run(
        [sys.executable, "-m", "cluster.run", "test"], cwd=ROOT, env=scaled_fault_sizes(os.environ, int(scale)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    sys.stdout.write(faults.stdout)
    checks = [line for line in faults.stdout.splitlines() if line.startswith(("[PASS]", "[FAIL]"))]
    print("\nmake soak summary", flush=True)
    print(f"  load: {'PASS' if passed else 'FAIL'}  {summary}")
    print(f"  cluster-test (FAULT_SCALE={scale}): {'PASS' if faults.returncode == 0 else 'FAIL'} "
          f"in {time.monotonic() - started:.0f} s")  # fmt: skip
    for line in checks:
        print(f"    {line[:200]}")
    results = [passed, faults.returncode == 0]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed", flush=True)
    return 0 if all(results) else 1


#: The fault scenarios' sizes in CI (cluster/faults_workers.py, cluster/faults_redis.py), multiplied by
#: FAULT_SCALE for a soak. Outages keep their length: what grows is the work done through them.
FAULT_SIZES = {
    "FAULT_EMAIL_FILINGS": 3,
    "FAULT_REPORTS": 3,
    "FAULT_PG_CLIENTS": 3,
    "FAULT_PG_AFTER_SECONDS": 12,
    "FAULTS_REDIS_FILINGS": 500,
    "FAULTS_REDIS_SILENT_FILINGS": 12,
}


def scaled_fault_sizes(environ: Mapping[str, str], scale: int) -> dict[str, str]:
    """The environment for a soak's ``make cluster-test``: every size not set by hand, times ``scale``."""
    sizes = {name: str(size * scale) for name, size in FAULT_SIZES.items()}
    return {**sizes, **environ, "FAULT_SCALE": str(scale)}


if __name__ == "__main__":
    sys.exit(main())
