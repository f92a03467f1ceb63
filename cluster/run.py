"""Start the production topology on loopback, in a temporary directory, with free ports.

PostgreSQL 15 (initdb, migrate, reference data, demo accounts), Redis (AOF, ``noeviction``), two web
processes, each gunicorn (HTTP, WSGI, sync workers) plus daphne (WebSockets, ASGI), one nginx in front
routing ``/ws/`` to the daphnes and the rest to the gunicorns, two Celery workers and beat. Every process
runs the production settings with JSON logs and shares one multi-process metrics directory, as the
processes of one host do.

    python -m cluster.run serve   # make cluster: runs until Ctrl-C, then stops everything
    python -m cluster.run test    # make cluster-test: starts it, runs cluster/checks.py, stops it
"""

import argparse
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cluster.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
NGINX_LOCATIONS = ROOT / "deploy" / "nginx" / "opsplatform-locations.conf"
NGINX_HTTP = ROOT / "deploy" / "nginx" / "opsplatform-http.conf"
DEMO_ACCOUNTS = ROOT / "fixtures" / "demo" / "accounts.json"
STOP_GRACE_SECONDS = 10
#: Never through a proxy from the environment: everything here is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

#: What the cluster changes from the defaults, and why.
CLUSTER_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "opsplatform.settings.production",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS ends at nginx in production
    "LOG_FORMAT": "json",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",  # to cluster/smtp.py's server on loopback
    "EMAIL_TIMEOUT": "5",
    "NOTIFICATION_CLAIM_SECONDS": "10",  # an e-mail claimed by a killed worker is sent again after 10 s
    "REPORT_INLINE_MAX_LINES": "10",  # every report of the demo operation goes to a worker
    "REPORT_STALE_SECONDS": "15",  # a report whose worker died is taken up again after 15 s ...
    "CELERY_VISIBILITY_TIMEOUT": "20",  # ... and its unacknowledged task handed to another worker after 20 s
    "IDEMPOTENCY_IN_FLIGHT_SECONDS": "10",  # a filing cut off by a killed web process may be retried after 10 s
}


def log(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now; all held open together so they are distinct."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def demo_password(username: str) -> str:
    users = json.loads(DEMO_ACCOUNTS.read_text(encoding="utf-8"))["users"]
    return next(user["password"] for user in users if user["username"] == username)


def demo_code(username: str) -> str:
    """The current second-factor code of a demo account whose role requires one (empty for the others)."""
    from base64 import b32decode

    from django_otp.oath import totp

    demo = json.loads(DEMO_ACCOUNTS.read_text(encoding="utf-8"))
    role = next(user["role"] for user in demo["users"] if user["username"] == username)
    if role not in ("secretariat", "coordinator", "national_contact"):
        return ""
    return f"{totp(b32decode(demo['totp_secret'])):06d}"


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with OPENER.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return None


def answers(url: str) -> Callable[[], bool]:
    return lambda: http_status(url) == 200


def logged(path: Path, text: str) -> Callable[[], bool]:
    return lambda: text in path.read_text(encoding="utf-8", errors="replace")


def wait_until(what: str, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} was not ready within {timeout:.0f} s")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        """Each process leads its own group (start_new_session): this reaches its workers and children too."""
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)


class Cluster:
    def __init__(self, *, workdir: Path, web_count: int = 2, worker_count: int = 2, gunicorn_workers: int = 2) -> None:
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.web_count = web_count
        self.worker_count = worker_count
        self.gunicorn_workers = gunicorn_workers
        ports = free_ports(3 + 2 * web_count)
        self.pg_port, self.redis_port, self.nginx_port = ports[:3]
        self.wsgi_ports = ports[3 : 3 + web_count]
        self.asgi_ports = ports[3 + web_count :]
        self.processes: dict[str, Process] = {}
        self.smtp_port = free_ports(1)[0]
        self.smtp: SmtpServer | None = None
        self.postgres_started = False
        self.as_root = os.geteuid() == 0
        self.started_at = time.monotonic()
        self.settings = {
            **CLUSTER_SETTINGS,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/opsplatform",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "OPS_VAR_DIR": str(workdir / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
            "SITE_URL": self.url,
        }
        self.settings.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(self.smtp_port))

    # --- addresses ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def wsgi_url(self, web: int) -> str:
        return f"http://127.0.0.1:{self.wsgi_ports[web - 1]}"

    def asgi_url(self, web: int) -> str:
        return f"ws://127.0.0.1:{self.asgi_ports[web - 1]}"

    @property
    def database_url(self) -> str:
        return self.settings["DATABASE_URL"]

    def env(self, **overrides: str) -> dict[str, str]:
        inherited = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
        return {**inherited, **self.settings, **overrides}

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.started_at:5.1f}s"

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        for directory in (self.logs, self.workdir / "metrics", self.workdir / "redis", self.workdir / "nginx" / "tmp"):
            directory.mkdir(parents=True, exist_ok=True)
        self._start_postgres()
        self._start_redis()
        self._prepare_database()
        self._start_smtp()
        for web in range(1, self.web_count + 1):
            self._start_web(web)
        for worker in range(1, self.worker_count + 1):
            self._start_worker(worker)
        self._start_beat()
        self._start_nginx()
        self._wait_ready()

    def stop(self) -> None:
        """Gracefully (SIGTERM) in reverse order of start, then SIGKILL whatever is left of each group."""
        for process in reversed(list(self.processes.values())):
            if process.alive:
                process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in reversed(list(self.processes.values())):
            try:
                process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log(f"{process.name} did not stop in {STOP_GRACE_SECONDS} s: killed")
            process.signal_group(signal.SIGKILL)
            try:
                process.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log(f"{process.name} (pid {process.popen.pid}) survived SIGKILL")
        if self.postgres_started:
            self._as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.workdir / "pg"), "-m", "fast", "-w", "stop"])
            self.postgres_started = False
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None

    def kill(self, *names: str) -> None:
        """Like a machine losing power: SIGKILL each named process and everything it started."""
        for name in names:
            self.processes[name].signal_group(signal.SIGKILL)
        for name in names:
            self.processes[name].popen.wait(timeout=10)

    def start_worker(self, worker: int) -> None:
        """Start worker N again, as a supervisor does after a crash, and wait until it takes tasks."""
        process = self.processes.get(f"worker{worker}")
        assert process is None or not process.alive, f"worker{worker} is running"
        offset = process.log.stat().st_size if process else 0
        process = self._start_worker(worker)
        wait_until(
            f"worker{worker}",
            lambda: "ready." in process.log.read_bytes()[offset:].decode("utf-8", errors="replace"),
            60,
        )

    def postgres_stop(self) -> None:
        """A fast shutdown, as a restart or a failover does: sessions are cut, nothing committed is lost."""
        self._as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.workdir / "pg"), "-m", "fast", "-w", "stop"])

    def postgres_start(self) -> None:
        data = self.workdir / "pg"
        self._as_postgres(
            [str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "30", "-o",
             self.postgres_options, "start"]
        )  # fmt: skip

    def tail(self, lines: int = 25) -> None:
        for path in sorted(self.logs.glob("*.log")):
            content = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            print(f"----- {path.name} (last {len(content)} lines)", file=sys.stderr)
            for line in content:
                print(f"  {line[:400]}", file=sys.stderr)

    # --- the parts ------------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Process:
        path = self.logs / f"{name}.log"
        with path.open("ab") as output:
            popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env or self.env(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, path)
        self.processes[name] = process
        return process

    def _as_postgres(self, command: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run(prefix + command, check=True, stdout=subprocess.DEVNULL)

    def _start_postgres(self) -> None:
        data = self.workdir / "pg"
        data.mkdir()
        if self.as_root:
            os.chmod(self.workdir, 0o755)  # postgres must reach its own directory
            shutil.chown(data, "postgres", "postgres")
        self._as_postgres(
            [str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
             "--locale=C.UTF-8"]
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {data} -c max_connections=100 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # throwaway data: speed over safety
        )
        self.postgres_options = options
        self._as_postgres(
            [str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "30", "-o", options,
             "start"]
        )  # fmt: skip
        self.postgres_started = True
        subprocess.run(
            [str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "opsplatform"],
            check=True,
        )
        log(f"{self.elapsed()} PostgreSQL on 127.0.0.1:{self.pg_port}")

    def _start_redis(self) -> None:
        directory = self.workdir / "redis"
        self._spawn(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--dir", str(directory),
             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"],
        )  # fmt: skip

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    return conn.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until("Redis", answers, 15)
        log(f"{self.elapsed()} Redis on 127.0.0.1:{self.redis_port} (AOF, noeviction)")

    def _manage(self, *args: str, **env: str) -> None:
        name = f"manage-{args[0]}"
        with (self.logs / f"{name}.log").open("ab") as output:
            subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(**env), stdout=output, stderr=output,
                check=True,
            )  # fmt: skip

    def _prepare_database(self) -> None:
        static = threading.Thread(target=self._manage, args=("collectstatic", "--noinput", "--verbosity", "0"))
        static.start()
        self._manage("migrate", "--noinput")
        self._manage("load_reference_data")
        # The demo's first report is rendered at once, as `make demo` does; later ones go to the workers.
        self._manage("seed_demo", REPORT_INLINE_MAX_LINES="5000")
        static.join()
        log(f"{self.elapsed()} database migrated, reference data and demo accounts loaded, static files collected")

    def _start_web(self, web: int) -> None:
        self._spawn(
            f"web{web}-wsgi",
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.wsgi_ports[web - 1]}", "--workers", str(self.gunicorn_workers),
             "--name", f"opsplatform-web{web}-wsgi", "opsplatform.wsgi:application"],
            self.env(DATABASE_CONN_MAX_AGE="60"),
        )  # fmt: skip
        self._spawn(
            f"web{web}-asgi",
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.asgi_ports[web - 1]), "--proxy-headers",
             "--access-log", os.devnull, "opsplatform.asgi:application"],
            self.env(DATABASE_CONN_MAX_AGE="0"),  # no persistent connections under ASGI
        )  # fmt: skip

    def _start_smtp(self) -> None:
        self.smtp = SmtpServer(self.smtp_port)
        self.smtp.start()
        log(f"{self.elapsed()} SMTP server on 127.0.0.1:{self.smtp_port}")

    def _start_worker(self, worker: int) -> Process:
        return self._spawn(
            f"worker{worker}",
            [str(BIN / "celery"), "-A", "opsplatform", "--quiet", "worker", "-n", f"worker{worker}@%h",
             "--concurrency", "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
            self.env(DATABASE_CONN_MAX_AGE="60"),
        )  # fmt: skip

    def _start_beat(self) -> None:
        self._spawn(
            "beat",
            [str(BIN / "celery"), "-A", "opsplatform", "--quiet", "beat", "--loglevel", "INFO",
             "--schedule", str(self.workdir / "celerybeat-schedule")],
        )  # fmt: skip

    def _start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx; `make nginx` does it as root)")
        prefix = self.workdir / "nginx"
        conf = prefix / "nginx.conf"
        conf.write_text(self._nginx_conf(prefix), encoding="utf-8")
        self._spawn("nginx", [nginx, "-e", str(self.logs / "nginx-error.log"), "-p", str(prefix), "-c", str(conf)])

    def _nginx_conf(self, prefix: Path) -> str:
        user = ""
        if self.as_root:  # nginx started by root hands its workers to "nobody" unless told otherwise
            user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
        wsgi = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in self.wsgi_ports)
        asgi = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in self.asgi_ports)
        temp = "\n".join(
            f"    {kind}_temp_path {prefix / 'tmp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""# Generated by cluster/run.py for one run; the routing rules are deploy/nginx's.
{user}
daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {self.logs / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
{temp}
    include {NGINX_HTTP};
    access_log {self.logs / "nginx-access.log"} opsplatform;
    upstream opsplatform_wsgi {{
{wsgi}
        keepalive 16;
    }}
    upstream opsplatform_asgi {{
        least_conn;
{asgi}
    }}
    server {{
        listen 127.0.0.1:{self.nginx_port};
        server_name 127.0.0.1 localhost;
        include {NGINX_LOCATIONS};
    }}
}}
"""

    def _wait_ready(self) -> None:
        def check(process: Process, ready: Callable[[], bool], timeout: float = 60) -> None:
            def up() -> bool:
                if not process.alive:
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}; see {process.log}")
                return bool(ready())

            wait_until(process.name, up, timeout)

        for web in range(1, self.web_count + 1):
            check(self.processes[f"web{web}-wsgi"], answers(f"{self.wsgi_url(web)}/readyz"))
            check(self.processes[f"web{web}-asgi"], answers(f"http://127.0.0.1:{self.asgi_ports[web - 1]}/healthz"))
        for worker in range(1, self.worker_count + 1):
            process = self.processes[f"worker{worker}"]
            check(process, logged(process.log, "ready."))
        check(self.processes["beat"], logged(self.processes["beat"].log, "beat: Starting"))
        check(self.processes["nginx"], answers(f"{self.url}/readyz"))
        log(f"{self.elapsed()} {self.web_count} web processes, {self.worker_count} workers, beat and nginx up")

    def describe(self) -> str:
        lines = [f"opsplatform cluster: {self.url}/  (nginx)"]
        for web in range(1, self.web_count + 1):
            lines.append(
                f"  web-{web}: HTTP {self.wsgi_url(web)}  (gunicorn, {self.gunicorn_workers} workers)"
                f"   WebSocket {self.asgi_url(web)}/ws/stream/  (daphne)"
            )
        lines += [
            f"  PostgreSQL {self.database_url}   Redis {self.settings['REDIS_URL']}",
            f"  workers: {self.worker_count} (+ beat)   metrics: {self.wsgi_url(1)}/metrics   logs: {self.logs}",
            "  logins: " + ", ".join(f"{user} / {demo_password(user)}" for user in ("coordinator", "officer.ng")),
        ]
        return "\n".join(lines)


@contextmanager
def running_cluster(*, keep: bool = False) -> Iterator[Cluster]:
    workdir = Path(tempfile.mkdtemp(prefix="opsplatform-cluster-"))
    cluster = Cluster(workdir=workdir)
    try:
        cluster.start()
        yield cluster
    except BaseException:
        cluster.tail()
        raise
    finally:
        cluster.stop()
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def serve(keep: bool) -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with running_cluster(keep=keep) as cluster:
        print(cluster.describe(), flush=True)
        print("Ctrl-C stops everything.", flush=True)
        while not stop.wait(1):
            dead = [process.name for process in cluster.processes.values() if not process.alive]
            if dead:
                log(f"stopped unexpectedly: {', '.join(dead)}; see {cluster.logs}")
                stop.wait()
        log("stopping")
    return 0


def test(keep: bool) -> int:
    from cluster import checks

    started = time.monotonic()
    with running_cluster(keep=keep) as cluster:
        load = _load_first(cluster)
        results = load + checks.run_all(cluster)
    passed = sum(1 for result in results if result.passed)
    failed = len(results) - passed
    print(f"\nmake cluster-test: {time.monotonic() - started:.0f} s in all", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and results else 1


def _load_first(cluster: Cluster) -> list[Any]:
    """With CLUSTER_TEST_LOAD_SECONDS, a short ``make load`` (LOAD_USERS people) on this cluster before the
    checks: CI's load run costs no cluster start of its own. Needs the ``load`` extra."""
    seconds = int(os.environ.get("CLUSTER_TEST_LOAD_SECONDS") or 0)
    if seconds <= 0:
        return []
    from cluster.checks import Result
    from load.run import env_int, load_on

    started = time.monotonic()
    passed, summary = load_on(
        cluster, users=env_int("LOAD_USERS", 50), seconds=seconds, spawn_rate=env_int("LOAD_SPAWN_RATE", 10),
        title="load",
    )  # fmt: skip
    print(f"[{'PASS' if passed else 'FAIL'}] load ({time.monotonic() - started:.1f} s): {summary}", flush=True)
    return [Result("load", passed, summary)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["serve", "test"])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (data and logs)")
    arguments = parser.parse_args()
    return serve(arguments.keep) if arguments.command == "serve" else test(arguments.keep)


if __name__ == "__main__":
    sys.exit(main())
