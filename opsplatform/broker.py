"""Scheduling a task from a request without waiting on a broker that is down.

A task scheduled after commit is a shortcut: the periodic sweeps (beat) do the same work a moment later.
So a request asks the broker once, gives up at the first failure, and for ``BROKER_RETRY_AFTER_SECONDS``
afterwards this process does not ask again: during an outage each request would otherwise pay a connection
timeout per task it schedules (a filing schedules two), and one that fails silently costs seconds each time.
A request waits at most ``BROKER_PUBLISH_TIMEOUT_SECONDS`` for the broker.
"""

import logging
import threading
import time
from typing import Any

from celery import Task
from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_failed_at: float | None = None


def broker_schedule(task: Task, **options: Any) -> bool:
    """``task.apply_async(**options)`` once, without retry; False if the broker is (recently) unreachable."""
    global _failed_at
    now = time.monotonic()
    with _lock:
        if _failed_at is not None and now - _failed_at < settings.BROKER_RETRY_AFTER_SECONDS:
            return False
    timeout = settings.BROKER_PUBLISH_TIMEOUT_SECONDS
    try:
        # A connection of its own, with short timeouts: the pool's wait as long as the workers' reads must.
        with task.app.connection_for_write(
            transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
        ) as connection:
            task.apply_async(retry=False, connection=connection, **options)
    except Exception:  # any broker failure: the request must still succeed
        with _lock:
            _failed_at = time.monotonic()
        logger.warning(
            "%s not scheduled: the broker is unreachable; not asking again for %s s, the periodic sweep covers it",
            task.name, settings.BROKER_RETRY_AFTER_SECONDS, exc_info=True,
        )  # fmt: skip
        return False
    with _lock:
        _failed_at = None
    return True


def broker_forget_failure() -> None:
    """Ask the broker again at the next scheduling (tests; a process that knows the broker is back)."""
    global _failed_at
    with _lock:
        _failed_at = None
