"""``make bench``: start the production topology on loopback, run every benchmark, print one table.

PostgreSQL 15 and Redis in throwaway directories on free ports (never CI's), migrated, reference data and
the demo (seeded with ``simulate_operation``) loaded, one web process (gunicorn sync workers for HTTP, one
daphne for WebSockets) behind nginx, one Celery worker (the event relay) and beat, all with the production
settings: cluster/run.py's topology, reduced to one of each. Each module's ``run(env) -> list[Figure]`` runs
in turn; a module that fails is reported and the others still run. The table goes to stdout and every
figure to ``bench/results/latest.json``.

    python -m bench.run                 # everything
    python -m bench.run filing pages    # only these modules
"""

import importlib
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import BenchEnv, Figure
from cluster.run import Cluster, log

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
#: In order; ``bench.data`` (report, export, import) is optional, so the runner works without it.
MODULES = ["filing", "push", "data", "pages"]
OPTIONAL = {"data"}

_cluster: Cluster | None = None


def cluster() -> Cluster:
    """The running topology, for benchmarks that talk to its processes (gunicorn, daphne, nginx)."""
    if _cluster is None:
        raise RuntimeError("no cluster: benchmarks run under python -m bench.run")
    return _cluster


class BenchCluster(Cluster):
    """One web process (2 gunicorn sync workers + 1 daphne), one worker and beat, behind nginx."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir=workdir, web_count=1, worker_count=1, gunicorn_workers=2)


@contextmanager
def running(keep: bool = False) -> Iterator[tuple[BenchCluster, BenchEnv]]:
    global _cluster
    workdir = Path(tempfile.mkdtemp(prefix="opsplatform-bench-"))
    topology = BenchCluster(workdir)
    try:
        topology.start()
        _cluster = topology
        # This process reads and writes the same database as the servers, with the same settings.
        os.environ.update(topology.env())
        import django

        django.setup()
        yield (
            topology,
            BenchEnv(
                root=ROOT, workdir=workdir, database_url=topology.database_url, redis_url=topology.settings["REDIS_URL"]
            ),
        )
    except BaseException:
        topology.tail()
        raise
    finally:
        _cluster = None
        from django.db import connections

        connections.close_all()
        topology.stop()
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _module_runner(name: str) -> Callable[[BenchEnv], list[Figure]] | None:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if name in OPTIONAL and error.name == f"bench.{name}":
            log(f"bench.{name} is not there: skipped")
            return None
        raise
    runner: Callable[[BenchEnv], list[Figure]] = module.run
    return runner


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    headers = ("benchmark", "metric", "value", "raw", "ratio", "target", "result")
    rows = [
        (
            figure.benchmark,
            figure.metric,
            _number(figure.value, figure.unit),
            _number(figure.baseline, figure.unit),
            "-" if figure.ratio is None else f"{figure.ratio:.2f}",
            figure.target or "-",
            {True: "PASS", False: "FAIL", None: ""}[figure.passed],
        )
        for figure in figures
    ]
    widths = [max(len(str(row[column])) for row in [headers, *rows]) for column in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def write_results(figures: list[Figure], errors: dict[str, str], seconds: float) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "figures": [{**asdict(figure), "ratio": figure.ratio} for figure in figures],
        "errors": errors,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through running(), which stops every server it started


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop)
    keep = "--keep" in argv
    chosen = [name for name in argv if not name.startswith("-")] or MODULES
    unknown = set(chosen) - set(MODULES)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(MODULES)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    with running(keep=keep) as (_topology, env):
        log(f"{time.monotonic() - started:5.1f}s ready; benchmarking (the load generator shares the cores)")
        for name in chosen:
            runner = _module_runner(name)
            if runner is None:
                continue
            module_started = time.monotonic()
            try:
                produced = runner(env)
            except Exception:  # one broken benchmark must not hide the others' figures
                errors[name] = traceback.format_exc()
                log(f"bench.{name} failed:\n{errors[name]}")
                continue
            figures += produced
            log(f"bench.{name}: {len(produced)} figures in {time.monotonic() - module_started:.0f} s")
    seconds = time.monotonic() - started
    write_results(figures, errors, seconds)
    print()
    print(table(figures))
    failed = [figure for figure in figures if figure.passed is False]
    print(
        f"\nmake bench: {seconds:.0f} s; {sum(f.passed is True for f in figures)} targets met, {len(failed)} missed"
        f"{'; errors in ' + ', '.join(errors) if errors else ''}; figures in {RESULTS.relative_to(ROOT)}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    # Run as bench.run, not __main__, so the benchmarks' ``from bench.run import cluster`` sees this run's cluster.
    from bench import run as runner

    sys.exit(runner.main(sys.argv[1:]))
