"""The Celery worker's link to the broker (``CELERY_WORKER_CONSUMER``).

Celery reconnects a worker to a lost broker after 2 s, then 4, 6, 8 ... up to 30 s between attempts: after a
30 s Redis outage a worker was back up to 10 s after Redis, and the events filed meanwhile waited that long
for the relay. A worker tries again every ``BROKER_RECONNECT_SECONDS`` instead, for as long as it takes
(``CELERY_BROKER_CONNECTION_MAX_RETRIES``): one connection attempt a second per worker costs Redis nothing.
"""

import functools
from typing import Any

from celery.worker.consumer import Consumer
from django.conf import settings


class BrokerConsumer(Consumer):  # type: ignore[misc]  # celery ships no type hints
    """Celery's consumer, reconnecting at a steady interval rather than a growing one."""

    def ensure_connected(self, conn: Any) -> Any:
        interval = float(settings.BROKER_RECONNECT_SECONDS)
        conn.ensure_connection = functools.partial(
            conn.ensure_connection, interval_start=interval, interval_step=interval, interval_max=interval
        )
        return super().ensure_connected(conn)
