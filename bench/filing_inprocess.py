"""One filing's cost in-process: SQL queries and milliseconds per ``POST /api/v1/seizures/``.

The same body as ``bench/filing.py`` (three lines, three legs, submitted, with an ``Idempotency-Key``), sent by
Django's test client with a bearer token to a database already migrated and seeded (``seed_demo``). The
broker is the in-memory one and tasks are not run in the request (as behind gunicorn, where a worker runs
them), unless ``--eager``: then what the workers would do after commit is counted in too. Prints the
queries of one filing grouped by statement and table, and the mean and median time of ``--filings``.

    DATABASE_URL=postgres://... python -m bench.filing_inprocess --filings 40 [--profile] [--eager]
"""

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from collections import Counter


def _statement(sql: str) -> str:
    verb = sql.split(" ", 1)[0]
    table = re.search(r'(?:FROM|INTO|UPDATE) "([a-z_]+)"', sql)
    return f"{verb} {table.group(1) if table else ''}".strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=40)
    parser.add_argument("--eager", action="store_true", help="run after-commit tasks in the request")
    parser.add_argument("--queries", action="store_true", help="list every query of one filing")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the timed filings")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.base")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true" if args.eager else "false"
    import django

    django.setup()
    import logging

    logging.getLogger("opsplatform.request").setLevel(logging.WARNING)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.filing import _setup, filing_body

    token, operation_id = _setup()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    run = secrets.token_hex(3)

    def file(number: int) -> None:
        response = client.post(
            "/api/v1/seizures/",
            data=filing_body(operation_id, number),
            content_type="application/json",
            headers={"Idempotency-Key": f"inprocess-{run}-{number}", "Accept": "application/json"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:300]!r}")

    for number in range(3):  # warm: imports, reference caches, prepared plans
        file(number)
    with CaptureQueriesContext(connection) as captured:
        file(3)
    counts = Counter(_statement(query["sql"]) for query in captured.captured_queries)
    print(f"queries per filing: {len(captured.captured_queries)}")
    for name, count in counts.most_common(25):
        print(f"  {count:3d} {name}")
    if args.queries:
        for number, query in enumerate(captured.captured_queries, start=1):
            print(f"{number:4d} {float(query['time']) * 1000:6.1f} ms {query['sql'][:200]}")
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    times = []
    for number in range(4, 4 + args.filings):
        started = time.perf_counter()
        file(number)
        times.append((time.perf_counter() - started) * 1000)
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(
        f"ms per filing ({args.filings} filings, {'eager tasks' if args.eager else 'tasks queued'}): "
        f"mean {statistics.mean(times):.1f}, median {statistics.median(times):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
