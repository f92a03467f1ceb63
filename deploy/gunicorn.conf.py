"""gunicorn settings for the HTTP (WSGI) side: ``gunicorn -c deploy/gunicorn.conf.py opsplatform.wsgi``.

Sync workers, because the views are synchronous: on this project's benchmark they served about twice as many
requests as the same views under an ASGI server. Every value can be overridden on the command line
(``--bind``, ``--workers``) or through the environment (``GUNICORN_BIND``, ``WEB_CONCURRENCY``).
"""

import os
from pathlib import Path
from typing import Any

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")]
# gunicorn reads WEB_CONCURRENCY itself; 2 x cores + 1 is its usual advice for sync workers.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Each request is logged once, by the application, with its request id: no separate access log.
accesslog = None
errorlog = "-"
# Only the local nginx may say which scheme and client a request came with.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "opsplatform-wsgi"

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own messages (boot, worker exits) in the same JSON lines as the application's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "opsplatform.logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def on_starting(server: Any) -> None:
    """Multi-process metrics need their directory before any worker writes to it."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits stops counting in the live gauges (open WebSockets are daphne's, but to be sure)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
