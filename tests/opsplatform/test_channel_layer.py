"""The Redis channel layer as configured keeps a quiet stream alive when its process is busy."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.messaging.test_redis_outage import RedisServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs the redis-server binary (.ci/run installs it)"
    ),
]

# A receive blocks 5 s in Redis. The event loop is then busy across the moment Redis answers "nothing yet"
# (as a daphne serving many streams is); the read must not time out, and the next message must arrive.
PROBE = textwrap.dedent(
    """
    import asyncio, time
    import django
    django.setup()
    from channels.layers import get_channel_layer

    async def main():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(4.8)
        time.sleep(0.5)  # the loop is busy while the blocking pop returns empty
        await asyncio.sleep(0.3)
        await layer.send(channel, {"type": "probe"})
        print((await asyncio.wait_for(receiving, 10))["type"])

    asyncio.run(main())
    """
)


def test_a_receive_outlives_a_busy_event_loop(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(REDIS_URL=server.url, OPS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="opsplatform.settings.base")
        result = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "probe"
