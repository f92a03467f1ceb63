"""A Celery worker that lost the broker tries again at a steady interval, for as long as it takes."""

import logging
import socket
from types import SimpleNamespace

import pytest
from kombu.exceptions import OperationalError

from opsplatform.celery import app
from opsplatform.worker import BrokerConsumer


def _refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def test_workers_use_the_steady_reconnection_and_never_give_up():
    assert app.conf.worker_consumer == "opsplatform.worker:BrokerConsumer"
    assert app.conf.broker_connection_max_retries is None


def test_a_worker_retries_a_lost_broker_every_second_not_ever_more_slowly(settings, caplog):
    """Celery's own schedule waits 2, 4, 6 ... 30 s between attempts: after a 30 s Redis outage a worker came
    back up to 10 s after Redis did, and the events filed meanwhile waited as long."""
    settings.BROKER_RECONNECT_SECONDS = 1
    consumer = BrokerConsumer(
        on_task_request=lambda *_: None, init_callback=lambda *_: None, hostname="probe", app=app, pool=None,
        timer=None, hub=None, controller=SimpleNamespace(use_eventloop=False),
    )  # fmt: skip
    consumer.first_connection_attempt = False  # a worker that was connected and lost the broker
    retries = app.conf.broker_connection_max_retries
    app.conf.broker_connection_max_retries = 2
    try:
        with (
            caplog.at_level(logging.ERROR, logger="celery.worker.consumer.consumer"),
            pytest.raises(OperationalError),
        ):
            consumer.ensure_connected(app.connection_for_read(_refused_url()))
    finally:
        app.conf.broker_connection_max_retries = retries

    waits = [record.getMessage().split("Trying again ")[1].split("...")[0] for record in caplog.records]
    assert waits == ["in 1.00 second", "in 1.00 second"]
