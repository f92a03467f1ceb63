"""Report, export and import of an operation of a million commodity lines, each beside raw PostgreSQL.

``run(env)`` is what ``make bench`` calls; ``python -m bench.data [--lines N]`` starts a throwaway
PostgreSQL and Redis on loopback, migrates, loads the reference data and prints the same figures.

Every product figure runs in a fresh ``python -m bench.data --step ...`` process against
``env.database_url``, so peak memory is the export's own and nothing is cached between figures:

- report: the JSON debrief (``reports.datasets.operation_dataset``, serialised as the API serves it) beside
  the very SQL statements it issued, replayed raw through psycopg; then the PDF (``reports.pdf.debrief_pdf``);
- export: the raw lines CSV (``reports.exports.lines_csv``, as the download view streams it) in lines/s and
  MB/s with the process's peak RSS, beside ``COPY (lines joined to their seizures) TO STDOUT``;
- import: lines/s through ``seizures.services.seizures_import`` (parsing and full validation, written and
  submitted in one transaction) beside ``COPY ... FROM STDIN`` of the same CSV into a table of its columns.

The operation is filed by ``manage.py simulate_operation --lines N --bulk``.
"""

import argparse
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import BenchEnv, Figure

ROOT = Path(__file__).resolve().parent.parent
LINES = int(os.environ.get("BENCH_DATA_LINES", "1000000"))
IMPORT_LINES = int(os.environ.get("BENCH_DATA_IMPORT_LINES", "3000"))
OPERATION = "BENCH-DATA"
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))

# --- the parent: steps in subprocesses, figures ---------------------------------------------------


def _env(env: BenchEnv) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    return {
        **inherited,
        "DATABASE_URL": env.database_url,
        "REDIS_URL": env.redis_url,
        "DJANGO_SETTINGS_MODULE": "opsplatform.settings.base",
        "OPS_VAR_DIR": str(env.workdir / "var"),
        "PYTHONPATH": str(env.root),
    }


def _step(env: BenchEnv, step: str, *extra: str) -> dict[str, Any]:
    """Run one step in its own process; it answers with one JSON line on stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.data", "--step", step, *extra],
        cwd=env.root,
        env=_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    answers = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not answers:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise RuntimeError(f"bench.data step {step} failed (exit {done.returncode})")
    return json.loads(answers[-1])


def _log(message: str) -> None:
    print(f"[bench.data] {message}", file=sys.stderr, flush=True)


def run(env: BenchEnv, lines: int = LINES, import_lines: int = IMPORT_LINES) -> list[Figure]:
    started = time.monotonic()
    _step(env, "setup")
    _log(f"simulating an operation of {lines:,} commodity lines")
    simulated = _step(env, "simulate", str(lines))
    _log(f"simulated in {simulated['seconds']:.1f} s; measuring the report")
    report = _step(env, "report")
    _log("measuring the export")
    export = _step(env, "export")
    copy_to = _step(env, "copy-to")
    _log(f"measuring the import of {import_lines:,} lines")
    imported = _step(env, "import", str(import_lines))
    ratio = report["dataset_seconds"] / report["sql_seconds"]
    export_ratio = export["rows_per_second"] / copy_to["rows_per_second"]
    import_ratio = imported["lines_per_second"] / imported["copy_lines_per_second"]
    figures = [
        Figure("report", f"seizures filed (bulk simulation), {simulated['lines']:,} lines",
               simulated["lines_per_second"], "lines/s"),
        Figure("report", f"JSON debrief, {report['lines']:,} lines ({report['queries']} queries)",
               report["dataset_seconds"], "s", report["sql_seconds"], "the same SQL statements, raw psycopg",
               "<= 2x raw SQL", ratio <= 2),
        Figure("report", f"PDF debrief ({report['pdf_pages']} pages)", report["pdf_seconds"], "s",
               target="<= 3 s", passed=report["pdf_seconds"] <= 3),
        Figure("export", f"lines CSV, {export['rows']:,} lines", export["rows_per_second"], "lines/s",
               copy_to["rows_per_second"], "COPY (lines joined to seizures) TO STDOUT", ">= 0.5 of raw",
               export_ratio >= 0.5),
        Figure("export", "lines CSV throughput", export["mb_per_second"], "MB/s", copy_to["mb_per_second"],
               "COPY TO STDOUT"),
        Figure("export", "peak RSS of the exporting process", export["peak_rss_mb"], "MB", target="< 300 MB",
               passed=export["peak_rss_mb"] < 300),
        Figure("import", f"bulk import, full validation, {imported['lines']:,} lines", imported["lines_per_second"],
               "lines/s", imported["copy_lines_per_second"], "COPY FROM STDIN, same CSV", ">= 0.25 of raw",
               import_ratio >= 0.25),
    ]  # fmt: skip
    _log(f"done in {time.monotonic() - started:.0f} s")
    return figures


def print_figures(figures: list[Figure]) -> None:
    print(f"{'benchmark':<8} {'metric':<58} {'value':>12} {'unit':<8} {'raw':>12} {'ratio':>7}  target")
    for figure in figures:
        raw = f"{figure.baseline:12.3f}" if figure.baseline is not None else " " * 12
        ratio = f"{figure.ratio:7.2f}" if figure.ratio is not None else " " * 7
        verdict = "" if figure.passed is None else ("PASS" if figure.passed else "FAIL")
        print(
            f"{figure.benchmark:<8} {figure.metric[:58]:<58} {figure.value:12.3f} {figure.unit:<8} {raw} {ratio}  "
            f"{figure.target} {verdict}".rstrip()
        )


# --- the steps, each in its own process -----------------------------------------------------------


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.base")
    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_setup() -> dict[str, Any]:
    """Administrations with officers, a coordinator and an active operation, made through the services."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts import services as accounts
    from accounts.choices import AdministrationKind, Role
    from accounts.models import Administration, User
    from operations import services as operations
    from operations.models import Operation
    from reference.models import Country, Mea
    from seizures.simulation import FLOWS

    if Operation.objects.filter(code=OPERATION).exists():
        return {"created": False}
    secretariat = Administration.objects.filter(code="bench-vocu").first() or accounts.administration_create(
        code="bench-vocu", name="Bench V-OCU", kind=AdministrationKind.SECRETARIAT
    )
    coordinator = User.objects.filter(username="bench.coordinator").first() or accounts.user_create(
        username="bench.coordinator", email="coordinator@bench.test", password=None, administration=secretariat,
        role=Role.COORDINATOR,
    )  # fmt: skip
    codes = sorted({code for flows in FLOWS.values() for flow in flows for code in flow.countries()})
    administrations = []
    for country in Country.objects.filter(code__in=codes).order_by("code"):
        administration = accounts.administration_create(
            code=f"bench-{country.code.lower()}", name=f"{country.name_en} Customs", kind=AdministrationKind.CUSTOMS,
            country=country,
        )  # fmt: skip
        for role in (Role.NATIONAL_CONTACT, Role.OFFICER):
            accounts.user_create(
                username=f"bench.{role}.{country.code.lower()}", email=f"{role}.{country.code.lower()}@bench.test",
                password=None, administration=administration, role=role,
            )  # fmt: skip
        administrations.append(administration)
    now = timezone.now()
    operation = operations.operation_create(
        user=coordinator, code=OPERATION, name_en="Benchmark operation", name_fr="Opération de mesure",
        coordinating_administration=secretariat, coordinators=[coordinator], starts_at=now - timedelta(days=30),
        ends_at=now + timedelta(days=30), scope_meas=list(Mea.objects.filter(code__in=["BASEL", "MONTREAL", "CITES"])),
    )  # fmt: skip
    operations.participation_invite(user=coordinator, operation=operation, administrations=administrations)
    for participation in operation.participations.select_related("administration"):
        ncp = participation.administration.users.get(role=Role.NATIONAL_CONTACT)
        operations.participation_respond(user=ncp, participation=participation, accept=True)
    operations.operation_transition(user=coordinator, operation=operation, action="activate")
    return {"created": True, "administrations": len(administrations)}


def step_simulate(lines: int) -> dict[str, Any]:
    from django.core.management import call_command

    from seizures.models import CommodityLine

    out = io.StringIO()
    started = time.perf_counter()
    call_command("simulate_operation", OPERATION, "--lines", str(lines), "--bulk", stdout=out)
    seconds = time.perf_counter() - started
    total = CommodityLine.objects.filter(seizure__operation__code=OPERATION).count()
    return {"seconds": seconds, "lines": total, "lines_per_second": lines / seconds, "output": out.getvalue()}


def _operation() -> Any:
    from operations.models import Operation

    return Operation.objects.get(code=OPERATION)


def step_report() -> dict[str, Any]:
    """The debrief's data as the API serves it, the same SQL replayed raw, and the PDF."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.choices import ReportAudience, ReportKind
    from reports.datasets import operation_dataset
    from reports.pdf import debrief_pdf
    from seizures.models import CommodityLine

    operation = _operation()
    lines = CommodityLine.objects.filter(seizure__operation=operation).count()
    options = {"operation": operation, "kind": ReportKind.PRELIMINARY, "audience": ReportAudience.COORDINATION}
    operation_dataset(**options, language="en")  # warm: imports, translations, the planner's statistics
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        data = operation_dataset(**options, language="en")
        data["version"], data["report_id"] = 1, 0
        body = json.dumps(data)
        dataset_seconds = time.perf_counter() - started
    statements = [query["sql"] for query in captured.captured_queries]
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql.encode() if isinstance(sql, str) else sql, prepare=False)
            cursor.fetchall()
    sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pdf = debrief_pdf(json.loads(body))
    pdf_seconds = time.perf_counter() - started
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    return {
        "lines": lines, "queries": len(statements), "dataset_seconds": dataset_seconds, "sql_seconds": sql_seconds,
        "json_bytes": len(body), "pdf_seconds": pdf_seconds, "pdf_pages": pages, "pdf_bytes": len(pdf),
    }  # fmt: skip


def step_export() -> dict[str, Any]:
    """The raw lines download, consumed as the streaming response would send it."""
    from reports.choices import ReportAudience, ReportKind
    from reports.exports import lines_csv

    operation = _operation()
    before = _peak_rss_mb()
    size = rows = 0
    started = time.perf_counter()
    for chunk in lines_csv(
        operation=operation, kind=ReportKind.PRELIMINARY, audience=ReportAudience.COORDINATION, language="en"
    ):
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    rows -= 1  # the header
    return {
        "rows": rows, "bytes": size, "seconds": seconds, "rows_per_second": rows / seconds,
        "mb_per_second": size / seconds / 1e6, "peak_rss_mb": _peak_rss_mb(), "rss_before_mb": before,
    }  # fmt: skip


def step_copy_to() -> dict[str, Any]:
    """PostgreSQL alone: the operation's lines joined to their seizures, straight out with COPY."""
    from django.db import connection

    operation = _operation()
    connection.ensure_connection()
    sql = (
        "COPY (SELECT s.reference, s.status, s.country_id, s.occurred_at, l.* FROM seizures_commodityline l "
        "JOIN seizures_seizure s ON s.id = l.seizure_id WHERE s.operation_id = %s "
        "ORDER BY s.reference, l.position) TO STDOUT WITH (FORMAT csv)"
    )
    size = rows = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(sql, [operation.pk]) as copy:
        for chunk in copy:
            size += len(chunk)
            rows += bytes(chunk).count(b"\n")
    seconds = time.perf_counter() - started
    return {"rows": rows, "bytes": size, "rows_per_second": rows / seconds, "mb_per_second": size / seconds / 1e6}


IMPORT_HEADER = [
    "seizure", "country", "occurred_at", "place_port", "place_name", "place_function", "direction", "transport_mode",
    "vessel_name", "vessel_imo", "flight", "vehicle_registration", "containers", "transport_document",
    "detection_methods", "concealment_methods", "reasons", "actions_taken", "narrative", "handling_code", "route",
    "mea", "hs_code", "description", "quantity", "unit", "waste_code", "ods_substance", "equipment_pieces",
    "species", "cites_appendix", "cites_term", "live_count", "surviving_count", "disposal",
]  # fmt: skip


def import_file(operation: Any, lines: int, seed: int = 7) -> bytes:
    """A platform-layout CSV of simulated filings, one row per commodity line, as an officer would fill it."""
    import random

    from seizures.simulation import FilingGenerator, _skewed_weights, operation_reporters

    rng = random.Random(seed)
    reporters = operation_reporters(operation=operation)
    generator = FilingGenerator(operation=operation, rng=rng)
    weights = _skewed_weights(reporters, rng)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(IMPORT_HEADER)
    written = number = 0
    while written < lines:
        number += 1
        data = generator.filing(rng.choices(reporters, weights=weights, k=1)[0]).data
        route = ">".join(
            f"{leg['country']}{'@' + leg['place_port'] if leg['place_port'] else ''}:{leg['role']}"
            for leg in data["route"]
        )
        header = {
            **{name: data.get(name) or "" for name in IMPORT_HEADER[:21]},
            "seizure": f"S{number}",
            "country": data["route"][next(i for i, leg in enumerate(data["route"]) if leg["role"] == "discovery")][
                "country"
            ],
            "occurred_at": data["occurred_at"].strftime("%Y-%m-%dT%H:%M"),
            "containers": " ".join(data["containers"]),
            "route": route,
        }
        for name in ("detection_methods", "concealment_methods", "reasons", "actions_taken"):
            header[name] = ";".join(data[name])
        for position, line in enumerate(data["lines"]):
            cells = [header[name] if position == 0 or name == "seizure" else "" for name in IMPORT_HEADER[:21]]
            cells += ["" if line.get(name) is None else str(line.get(name)) for name in IMPORT_HEADER[21:]]
            writer.writerow(cells)
            written += 1
    return out.getvalue().encode()


def step_import(lines: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.urls import reverse

    from seizures import services

    operation = _operation()
    coordinator = operation.coordinators.order_by("pk").first()
    content = import_file(operation, lines)
    rows = content.count(b"\n") - 1
    reverse("operation-detail", args=[operation.pk])  # a serving process has its URLs loaded already
    started = time.perf_counter()
    result = services.seizures_import(user=coordinator, operation=operation, name="bench.csv", content=content)
    seconds = time.perf_counter() - started
    columns = ", ".join(f'"{name}" text' for name in IMPORT_HEADER)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_import ({columns}) ON COMMIT DROP")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_import FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(content)
        copy_seconds = time.perf_counter() - started
    return {
        "lines": result.lines, "rows": rows, "seizures": len(result.seizures), "seconds": seconds,
        "lines_per_second": result.lines / seconds, "copy_lines_per_second": rows / copy_seconds,
    }  # fmt: skip


STEPS = {
    "setup": step_setup,
    "simulate": step_simulate,
    "report": step_report,
    "export": step_export,
    "copy-to": step_copy_to,
    "import": step_import,
}


# --- standalone: throwaway PostgreSQL and Redis ------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def services(workdir: Path) -> Any:
    """PostgreSQL 15 and Redis on loopback, as .ci/run starts them, stopped and removed afterwards."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    pg_port = int(os.environ.get("BENCH_PGPORT") or _free_port())
    redis_port = int(os.environ.get("BENCH_REDIS_PORT") or _free_port())
    pg = workdir / "pg"
    if as_postgres:
        shutil.chown(workdir, "postgres", "postgres")
    quiet = {"stdout": subprocess.DEVNULL, "check": True}
    subprocess.run([*as_postgres, str(PGBIN / "initdb"), "-D", str(pg), "-U", "postgres", "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8"], **quiet)  # type: ignore[call-overload]  # fmt: skip
    options = (
        f"-c listen_addresses=127.0.0.1 -p {pg_port} -k {workdir} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c shared_buffers=256MB -c work_mem=64MB"
    )
    subprocess.run([*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(pg), "-l", str(workdir / "pg.log"), "-w",
                    "-t", "30", "-o", options, "start"], **quiet)  # type: ignore[call-overload]  # fmt: skip
    redis = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        subprocess.run([str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "bench"],
                       **quiet)  # type: ignore[call-overload]  # fmt: skip
        yield f"postgres://postgres@127.0.0.1:{pg_port}/bench", f"redis://127.0.0.1:{redis_port}/0"
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        subprocess.run([*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(pg), "-m", "fast", "-w", "stop"],
                       stdout=subprocess.DEVNULL, check=False)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=LINES, help="commodity lines in the simulated operation")
    parser.add_argument("--import-lines", type=int, default=IMPORT_LINES, help="lines in the imported file")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("values", nargs="*", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _django()
        print(json.dumps(STEPS[args.step](*args.values)))  # type: ignore[operator]
        return 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-data-") as scratch:
        workdir = Path(scratch)
        workdir.chmod(0o755)  # PostgreSQL runs as its own user when we are root
        (workdir / "scratch").mkdir()
        with services(workdir / "scratch") as (database_url, redis_url):
            env = BenchEnv(root=ROOT, workdir=workdir, database_url=database_url, redis_url=redis_url)
            child = _env(env)
            for command in (["migrate", "--noinput", "-v0"], ["load_reference_data"]):
                subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=child, check=True,
                               stdout=subprocess.DEVNULL)  # fmt: skip
            figures = run(env, lines=args.lines, import_lines=args.import_lines)
    print_figures(figures)
    print(f"bench.data: {time.monotonic() - started:.0f} s wall, services and migrations included")
    return 0


if __name__ == "__main__":
    sys.exit(main())
