"""Whether this node can reach Redis (``server.health`` named for Redis), and what failing means."""

from __future__ import annotations

from redis.exceptions import RedisError

from server.health import Health

FAILURES = (RedisError, OSError)
"""What a Redis call raises while Redis is unreachable (retried, reported to ``RedisHealth``)."""


class RedisHealth(Health):
    def __init__(self) -> None:
        super().__init__("redis")
