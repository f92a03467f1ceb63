"""The Redis channel layer, with a pool that waits for a free connection instead of refusing one.

redis-py's pool raises ``MaxConnectionsError`` past its 100 connections. When a thousand streams close at once
(a client network drops, a deploy), their consumers' ``group_discard`` calls then failed (829 of 1,000 in a
benchmark run), leaving their channels in the groups: every event sent to all streams was then addressed to
them too, for a day (the layer's group expiry). Waiting a moment for a connection costs nothing comparable.
"""

from typing import Any

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from redis.asyncio import BlockingConnectionPool

#: How long a command waits for a free connection of the pool before failing.
POOL_WAIT_SECONDS = 10


class RedisChannelLayer(BaseRedisChannelLayer):
    def create_pool(self, index: int) -> Any:
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(host.pop("address"), timeout=POOL_WAIT_SECONDS, **host)
