"""With a real Redis broker, workers take the event relay before e-mail fan-outs and reports queued earlier."""

import shutil

import pytest
from kombu import Connection

from messaging.tasks import relay_events, send_notifications
from opsplatform.celery import app
from reports.tasks import generate_report
from tests.messaging.test_redis_outage import RedisServer

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs the redis-server binary (.ci/run installs it)"
    ),
]


@pytest.fixture
def broker_url(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield server.url
    finally:
        app.conf.task_always_eager = eager
        server.stop()


def test_a_worker_takes_the_relay_before_the_work_queued_ahead_of_it(broker_url):
    queue = app.conf.task_default_queue  # routed as in production, on a broker of the test's own
    with Connection(broker_url) as connection:
        send_notifications.apply_async(kwargs={"key": "a"}, connection=connection)
        generate_report.apply_async(args=[1], connection=connection)
        send_notifications.apply_async(kwargs={"key": "b"}, connection=connection)
        relay_events.apply_async(connection=connection)

        taken = []
        with connection.SimpleQueue(queue) as simple:
            for _ in range(4):
                message = simple.get(timeout=5)
                taken.append(message.headers["task"])
                message.ack()

    assert taken[0] == "messaging.tasks.relay_events"
    assert taken[1:] == [
        "messaging.tasks.send_notifications",
        "reports.tasks.generate_report",
        "messaging.tasks.send_notifications",
    ], "the rest keep their order"
