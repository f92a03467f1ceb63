"""The tools of ``make cluster-test`` and ``make soak`` do what their figures rely on."""

import shutil
import time

import pytest
import redis

from cluster.faults_redis import RedisProxy
from cluster.run import free_ports
from load.run import scaled_fault_sizes
from tests.messaging.test_redis_outage import RedisServer


def test_a_soak_scales_every_fault_size_not_set_by_hand() -> None:
    sizes = scaled_fault_sizes({"FAULT_REPORTS": "5", "PATH": "/bin"}, 4)

    assert sizes["FAULTS_REDIS_FILINGS"] == "2000"
    assert sizes["FAULT_EMAIL_FILINGS"] == "12"
    assert sizes["FAULT_REPORTS"] == "5"  # set by hand: kept
    assert sizes["FAULT_SCALE"] == "4"
    assert sizes["PATH"] == "/bin"


@pytest.mark.redis
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary (.ci/run installs it)")
def test_the_redis_proxy_closes_the_upstream_connection_of_every_client_that_leaves(tmp_path) -> None:
    """Redis counted every connection a client had closed through the proxy as open, until it refused new ones
    (``max number of clients reached``), which looked like a leak in the platform."""
    server = RedisServer(tmp_path)
    server.start()
    (port,) = free_ports(1)
    proxy = RedisProxy(port, server.port)
    proxy.start()
    direct = redis.Redis(port=server.port)
    try:
        before = direct.info("clients")["connected_clients"]
        for _ in range(20):
            through = redis.Redis(port=port)
            assert through.ping()
            through.close()
        deadline = time.monotonic() + 5
        while direct.info("clients")["connected_clients"] > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert direct.info("clients")["connected_clients"] == before
    finally:
        direct.close()
        proxy.refuse()
        server.stop()
