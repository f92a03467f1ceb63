"""Faults of the workers and of PostgreSQL, against a cluster started by cluster/run.py (after checks (a)-(d)).

(e) A worker killed during e-mail fan-out: everyone is e-mailed at once; seizures are filed, each owing an
    e-mail to the operation's other participants; the loopback SMTP server answers slowly and, at its Nth
    recipient command, the worker talking to it is SIGKILLed mid-conversation, then started again. Every
    e-mail owed reaches the server exactly once per recipient (counted by Message-ID).
(f) A worker killed during report generation: reports are queued; the worker that logs that it is generating
    one is SIGKILLed at once and started again. Every edition becomes ready with one PDF and one workbook,
    one "ready" event, one e-mail to its requester; only the edition cut off was generated twice.
(g) PostgreSQL restarted during a load run: clients file seizures (same Idempotency-Key until a 201) and
    read the list while PostgreSQL is stopped (fast shutdown) and started again. Errors only during the
    outage, none later than 10 s after PostgreSQL is back, no half-written seizure, every 201 a stored
    seizure, workers (relay) and daphne (a pushed filing) working again.

Sizes come from the environment, for a longer ``make soak``: FAULT_EMAIL_FILINGS, FAULT_EMAIL_KILL_AT,
FAULT_REPORTS, FAULT_PG_CLIENTS, FAULT_PG_OUTAGE_SECONDS, FAULT_PG_AFTER_SECONDS.
"""

import asyncio
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from websockets.asyncio.client import connect

from cluster.checks import Answer, Context, Unreachable, _seizure_pushed, call
from cluster.run import Cluster


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


EMAIL_FILINGS = _env_int("FAULT_EMAIL_FILINGS", 3)
EMAIL_KILL_AT = _env_int("FAULT_EMAIL_KILL_AT", 6)  # the Nth recipient command of the run
SMTP_DELAY_SECONDS = 0.05
REPORTS = _env_int("FAULT_REPORTS", 3)
PG_CLIENTS = _env_int("FAULT_PG_CLIENTS", 3)
PG_OUTAGE_SECONDS = _env_int("FAULT_PG_OUTAGE_SECONDS", 4)
PG_AFTER_SECONDS = _env_int("FAULT_PG_AFTER_SECONDS", 12)
PG_BEFORE_SECONDS = 3
RECOVERY_LIMIT_SECONDS = 10

EVERYONE_IMMEDIATE = (
    "from accounts.models import User\n"
    "from messaging.services import notification_preference_set\n"
    "for user in User.objects.filter(is_active=True):\n"
    "    notification_preference_set(user=user, frequency='immediate')\n"
)


def _wait(what: str, done: Callable[[], bool], timeout: float, interval: float = 0.5) -> float:
    """Seconds until ``done()``; fails the check after ``timeout``."""
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout:.0f} s"
        time.sleep(interval)
    return time.monotonic() - started


def _rows(cluster: Cluster, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.database_url) as connection:
        return connection.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _workers_up(cluster: Cluster) -> list[str]:
    """Start again any worker an earlier check killed; which ones were."""
    started = []
    for worker in range(1, cluster.worker_count + 1):
        if not cluster.processes[f"worker{worker}"].alive:
            cluster.start_worker(worker)
            started.append(f"worker{worker}")
    return started


_IMMEDIATE_RUNS: set[str] = set()


def _everyone_immediate(context: Context) -> None:
    """Everyone chooses immediate e-mail (through the service, as the settings page does), once per run."""
    if context.run not in _IMMEDIATE_RUNS:
        context.cluster._manage("shell", "-c", EVERYONE_IMMEDIATE)
        _IMMEDIATE_RUNS.add(context.run)


def _worker_log(cluster: Cluster, name: str, offset: int) -> str:
    return cluster.processes[name].log.read_bytes()[offset:].decode("utf-8", errors="replace")


def _worker_names(cluster: Cluster) -> list[str]:
    return [f"worker{worker}" for worker in range(1, cluster.worker_count + 1)]


def _socket_inode(port: int) -> str | None:
    """The inode of the loopback TCP socket whose local port is ``port`` (the SMTP client's end)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    return fields[9]
    return None


def _worker_owning(cluster: Cluster, port: int) -> str | None:
    """Which worker (main process or pool child) holds the client end of an SMTP connection."""
    inode = _socket_inode(port)
    if inode is None:
        return None
    groups = {cluster.processes[name].popen.pid: name for name in _worker_names(cluster)}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            group = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
            if group not in groups:
                continue
            if any(os.readlink(fd) == f"socket:[{inode}]" for fd in (proc / "fd").iterdir()):
                return groups[group]
        except OSError:
            continue
    return None


# --- (e) --------------------------------------------------------------------------------------


def check_worker_killed_during_email(context: Context) -> str:
    cluster = context.cluster
    assert cluster.smtp is not None, "the cluster has no SMTP server"
    mailbox = cluster.smtp.mailbox
    _workers_up(cluster)
    _everyone_immediate(context)
    token = context.token("officer.ng")
    since = datetime.now(UTC)
    first_recipient = mailbox.recipients_seen
    killed: list[tuple[str, float, int]] = []

    def kill_the_sender(seen: int, peer: tuple[str, int]) -> None:
        if killed or seen - first_recipient < EMAIL_KILL_AT:
            return
        name = _worker_owning(cluster, peer[1])
        if name is not None:
            cluster.kill(name)
            killed.append((name, time.monotonic(), seen - first_recipient))

    mailbox.delay, mailbox.on_recipient = SMTP_DELAY_SECONDS, kill_the_sender
    try:
        for number in range(EMAIL_FILINGS):
            answer = call(
                "POST", f"{cluster.wsgi_url(2)}/api/v1/seizures/", token=token,
                body=context.filing(f"cluster-test {context.run} e-mail {number:02d}"),
                headers={"Idempotency-Key": f"{context.run}-email-{number}"},
            )  # fmt: skip
            assert answer.status == 201, f"filing: {answer.status} {answer.body}"
        _wait("a worker killed while talking SMTP", lambda: bool(killed), 60, 0.1)
    finally:
        mailbox.on_recipient = None
    name, killed_at, at_recipient = killed[0]
    cluster.start_worker(int(name.removeprefix("worker")))

    def unsent() -> int:
        query = "SELECT count(*) FROM messaging_notification WHERE created_at >= %s AND frequency = 'immediate' "
        return int(_rows(cluster, query + "AND sent_at IS NULL", (since,))[0][0])  # type: ignore[call-overload]

    _wait("every e-mail owed sent after the kill", lambda: unsent() == 0, 150, 1)
    done = time.monotonic() - killed_at
    mailbox.delay = 0
    host = urlsplit(cluster.url).hostname
    owed = {
        (str(address), f"<notification.{pk}.{user_id}@{host}>")  # messaging.services.notification_message_id
        for pk, user_id, address in _rows(
            cluster,
            "SELECT n.id, n.user_id, u.email FROM messaging_notification n JOIN accounts_user u ON u.id = n.user_id "
            "WHERE n.created_at >= %s AND n.frequency = 'immediate'",
            (since,),
        )
    }
    copies = mailbox.copies()
    missing = [item for item in owed if copies[item] == 0]
    duplicates = sum(copies[item] - 1 for item in owed if copies[item] > 1)
    keys = _rows(cluster, "SELECT count(DISTINCT key) FROM messaging_notification WHERE created_at >= %s", (since,))
    assert owed, "no e-mail was owed"
    assert not missing, f"{len(missing)} e-mails never delivered: {missing[:3]}"
    assert duplicates == 0, f"{duplicates} e-mails delivered twice"
    return (
        f"{EMAIL_FILINGS} seizures filed, {keys[0][0]} fan-out tasks owing {len(owed)} e-mails; kills 1 ({name}, "
        f"SIGKILLed at the server's recipient command {at_recipient} of the run, mid-conversation, then restarted); "
        f"delivered {len(owed) - len(missing)}/{len(owed)} by Message-ID, duplicates {duplicates}, missing "
        f"{len(missing)}; all sent {done:.1f} s after the kill"
    )


# --- (f) --------------------------------------------------------------------------------------


class KillMissed(Exception):
    """The report being generated finished before the kill landed: nothing was cut off, so try again."""


def check_worker_killed_during_report(context: Context) -> str:
    """A demo-sized report takes a fraction of a second on an idle machine, so a kill aimed at one may land just
    after it finished. Such a round still proves every report is made once; another round is then queued, at
    most three, until a kill cuts a generation off."""
    for attempt in range(1, 4):
        try:
            return _report_kill_round(context, attempt)
        except KillMissed as missed:
            print(f"[cluster] (f) round {attempt}: {missed}; queuing another round", flush=True)
    raise AssertionError("in three rounds, no kill landed while a report was being generated")


def _report_kill_round(context: Context, attempt: int) -> str:
    cluster = context.cluster
    _workers_up(cluster)
    _everyone_immediate(context)
    token = context.token("coordinator")
    offsets = {name: cluster.processes[name].log.stat().st_size for name in _worker_names(cluster)}
    since = datetime.now(UTC)
    reports = []
    for number in range(REPORTS):
        answer = call(
            "POST", f"{cluster.wsgi_url(2)}/api/v1/reports/", token=token,
            body={"operation": context.operation_id, "kind": "preliminary", "language": "en"},
            headers={"Idempotency-Key": f"{context.run}-killed-report-{attempt}-{number}"},
        )  # fmt: skip
        assert answer.status == 201, f"report request: {answer.status} {answer.body}"
        assert answer.body["status"] != "ready", "the report was rendered in the request, not by a worker"
        reports.append(int(answer.body["id"]))

    def generating() -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for name, offset in offsets.items():
            for report_id in re.findall(r"report (\d+) generating", _worker_log(cluster, name, offset)):
                found.setdefault(int(report_id), []).append(name)
        return found

    victim: list[tuple[str, int]] = []

    def one_generating() -> bool:
        for report_id, names in generating().items():
            if report_id in reports:
                victim.append((names[0], report_id))
                return True
        return False

    _wait("a worker generating a report", one_generating, 60, 0.02)
    name, cut_report = victim[0]
    cluster.kill(name)
    killed_at = time.monotonic()
    status_at_kill = _rows(cluster, "SELECT status, progress FROM reports_report WHERE id = %s", (cut_report,))[0]
    cluster.start_worker(int(name.removeprefix("worker")))

    def statuses() -> list[str]:
        return [
            str(row[0]) for row in _rows(cluster, "SELECT status FROM reports_report WHERE id = ANY(%s)", (reports,))
        ]

    _wait("every report ready after the kill", lambda: all(status == "ready" for status in statuses()), 150, 1)
    ready_after = time.monotonic() - killed_at
    assert "failed" not in statuses()
    keys = [f"report-ready:{report}" for report in reports]

    def e_mailed() -> bool:
        query = "SELECT count(*) FROM messaging_notification WHERE key = ANY(%s) AND sent_at IS NOT NULL"
        return bool(_rows(cluster, query, (keys,))[0][0] == len(reports))

    _wait("the requester e-mailed of every report", e_mailed, 60)

    runs = generating()
    events = dict(
        _rows(
            cluster,
            "SELECT (payload->>'id')::bigint, count(*) FROM messaging_event WHERE type = 'report' AND op = 'ready' "
            "AND created_at >= %s GROUP BY 1",
            (since,),
        )
    )
    host = urlsplit(cluster.url).hostname
    mails = {
        int(str(key).split(":")[1]): f"<notification.{pk}.{user_id}@{host}>"
        for pk, user_id, key in _rows(
            cluster,
            "SELECT id, user_id, key FROM messaging_notification WHERE key = ANY(%s)",
            (keys,),
        )
    }
    assert cluster.smtp is not None
    delivered = {item.message_id for item in cluster.smtp.mailbox.snapshot()}
    copies = cluster.smtp.mailbox.copies()
    problems = []
    for report in reports:
        expected_runs = 2 if report == cut_report and status_at_kill[0] == "running" else 1
        if len(runs.get(report, [])) != expected_runs:
            problems.append(f"report {report} generated {len(runs.get(report, []))} times")
        if events.get(report) != 1:
            problems.append(f"report {report}: {events.get(report, 0)} ready events")
        if report not in mails or mails[report] not in delivered:
            problems.append(f"report {report}: no e-mail to its requester")
        elif sum(count for (_, message_id), count in copies.items() if message_id == mails[report]) != 1:
            problems.append(f"report {report}: e-mailed more than once")
    assert not problems, "; ".join(problems)
    if status_at_kill[0] != "running":
        raise KillMissed(f"report {cut_report} was {status_at_kill[0]} at the kill")
    return (
        f"{REPORTS} reports queued; {name} SIGKILLed while generating report {cut_report} (running, "
        f"{status_at_kill[1]}% at the kill), then restarted; all {REPORTS} ready {ready_after:.1f} s after the kill; "
        f"generations {sum(len(names) for names in runs.values() if names)} ({REPORTS} + 1 cut off), "
        "one ready event and one e-mail per report, duplicates 0"
    )


# --- (g) --------------------------------------------------------------------------------------


@dataclass
class Attempt:
    kind: str
    started: float
    ended: float
    status: int | None
    error: str = ""


@dataclass
class Load:
    attempts: list[Attempt] = field(default_factory=list)
    answered: dict[str, int] = field(default_factory=dict)  # narrative -> seizure id of its 201
    unfinished: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)


def _timed(load: Load, kind: str, request: Callable[[], Answer]) -> Answer | None:
    started = time.monotonic()
    try:
        answer = request()
    except Unreachable as error:
        load.record(Attempt(kind, started, time.monotonic(), None, str(error)))
        return None
    detail = "" if answer.status < 300 else str(answer.body)[:200]
    load.record(Attempt(kind, started, time.monotonic(), answer.status, detail))
    return answer


def _filer(context: Context, client: int, token: str, load: Load, stop: threading.Event) -> None:
    """Files one seizure after another; a failed filing is retried with its key until it answers 201."""
    url = f"{context.cluster.wsgi_url(2)}/api/v1/seizures/"
    number = 0
    while not stop.is_set():
        narrative = f"cluster-test {context.run} pg {client}-{number:03d}"
        body, headers = context.filing(narrative), {"Idempotency-Key": f"{context.run}-pg-{client}-{number}"}
        deadline = time.monotonic() + 60
        while True:
            answer = _timed(
                load, "file", partial(call, "POST", url, token=token, body=body, headers=headers, timeout=10)
            )
            if answer is not None and answer.status == 201:
                with load.lock:
                    load.answered[narrative] = int(answer.body["id"])
                break
            if time.monotonic() > deadline:
                load.unfinished.append(narrative)
                break
            time.sleep(0.2)
        number += 1


def _reader(context: Context, token: str, load: Load, stop: threading.Event) -> None:
    url = f"{context.cluster.url}/api/v1/seizures/?operation={context.operation_id}"
    while not stop.is_set():
        _timed(load, "read", lambda: call("GET", url, token=token, timeout=10))
        time.sleep(0.1)


async def _pushed_after_restart(context: Context) -> float:
    """A filing made now reaches a WebSocket on web-2's daphne: daphne and the relaying workers are back."""
    cluster = context.cluster
    headers = {"Authorization": f"Bearer {context.token('coordinator')}"}
    async with connect(f"{cluster.asgi_url(2)}/ws/stream/", additional_headers=headers, proxy=None) as stream:
        sent = time.perf_counter()
        answer = await asyncio.to_thread(
            call, "POST", f"{cluster.wsgi_url(2)}/api/v1/seizures/", token=context.token("officer.ng"),
            body=context.filing(f"cluster-test {context.run} pg pushed"),
            headers={"Idempotency-Key": f"{context.run}-pg-pushed"},
        )  # fmt: skip
        assert answer.status == 201, f"filing after the restart: {answer.status} {answer.body}"
        return await _seizure_pushed(stream, answer.body["id"], timeout=30) - sent


def check_postgres_restarted(context: Context) -> str:
    cluster = context.cluster
    officer, reader_token = context.token("officer.ng"), context.token("coordinator")
    load, stop = Load(), threading.Event()
    since = datetime.now(UTC)
    threads = [threading.Thread(target=_filer, args=(context, n, officer, load, stop)) for n in range(PG_CLIENTS)]
    threads.append(threading.Thread(target=_reader, args=(context, reader_token, load, stop)))
    for thread in threads:
        thread.start()
    try:
        time.sleep(PG_BEFORE_SECONDS)
        stopping = time.monotonic()
        cluster.postgres_stop()
        time.sleep(PG_OUTAGE_SECONDS)
        cluster.postgres_start()
        back = time.monotonic()
        time.sleep(PG_AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    failed = [a for a in load.attempts if a.status is None or a.status >= 300]
    outside = [a for a in failed if a.ended < stopping or a.started > back + RECOVERY_LIMIT_SECONDS]
    recovery = max([a.ended - back for a in failed if a.started >= stopping] + [0.0])
    statuses: dict[str, int] = {}
    for attempt in failed:
        label = str(attempt.status or "no answer")
        statuses[label] = statuses.get(label, 0) + 1
    after_back = [a for a in load.attempts if a.started > back + RECOVERY_LIMIT_SECONDS]
    assert after_back, "no request after the recovery limit"

    prefix = f"cluster-test {context.run} pg "
    stored = _rows(
        cluster,
        "SELECT s.id, s.narrative, "
        "(SELECT count(*) FROM seizures_commodityline l WHERE l.seizure_id = s.id), "
        "(SELECT count(*) FROM seizures_routeleg r WHERE r.seizure_id = s.id), "
        "(SELECT count(*) FROM messaging_event e WHERE e.type = 'seizure' AND e.payload->>'id' = s.id::text), "
        "(SELECT count(*) FROM accounts_auditevent a WHERE a.object_type = 'seizure' AND a.object_id = s.id::text "
        "AND a.action = 'create') "
        "FROM seizures_seizure s WHERE s.narrative LIKE %s",
        (prefix + "%",),
    )
    by_narrative: dict[str, list[int]] = {}
    half_written = []
    for seizure_id, narrative, lines, legs, events, audits in stored:
        by_narrative.setdefault(str(narrative), []).append(int(seizure_id))  # type: ignore[call-overload]
        if (lines, legs) != (1, 2) or not events or audits != 1:
            half_written.append(f"{seizure_id}: {lines} lines, {legs} legs, {events} events, {audits} audits")
    duplicates = sum(len(ids) - 1 for ids in by_narrative.values())
    unmatched = [n for n, sid in load.answered.items() if n.startswith(prefix) and by_narrative.get(n) != [sid]]
    unpushed = _wait(
        "every event of the run relayed by the workers",
        lambda: (
            not _rows(
                cluster, "SELECT 1 FROM messaging_event WHERE created_at >= %s AND pushed_at IS NULL LIMIT 1", (since,)
            )
        ),
        60,
    )
    push_seconds = asyncio.run(_pushed_after_restart(context))

    assert not load.unfinished, f"filings never answered 201: {load.unfinished[:3]}"
    assert not outside, (
        f"{len(outside)} errors outside the outage: {[(a.kind, a.status, a.error) for a in outside[:3]]}"
    )
    assert recovery <= RECOVERY_LIMIT_SECONDS, f"recovery took {recovery:.1f} s after PostgreSQL was back"
    assert not half_written, f"half-written seizures: {half_written[:3]}"
    assert duplicates == 0, f"{duplicates} duplicate seizures"
    assert not unmatched, f"201s without their seizure: {unmatched[:3]}"
    files = sum(a.kind == "file" for a in load.attempts)
    return (
        f"{PG_CLIENTS} filers + 1 reader; PostgreSQL fast-stopped for an outage of {back - stopping:.1f} s; "
        f"{len(load.attempts)} requests ({files} filing attempts, {len(load.answered)} seizures answered 201); "
        f"errors {len(failed)} during the outage ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}), "
        f"errors outside the outage 0; recovery {recovery:.1f} s after PostgreSQL was back; half-written "
        f"seizures 0 of {len(stored)}, duplicates 0, every 201 stored; events relayed {unpushed:.1f} s after the "
        f"load; a filing pushed through daphne after the restart in {push_seconds * 1000:.0f} ms"
    )


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("(e) worker killed during e-mail fan-out", check_worker_killed_during_email),
    ("(f) worker killed during report generation", check_worker_killed_during_report),
    ("(g) PostgreSQL restarted during load", check_postgres_restarted),
]
