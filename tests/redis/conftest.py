"""A real ``redis-server`` per test (free loopback port, temp dir, ``--save ''``)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redisproc import RedisProcess, running_redis


@pytest.fixture
def redis_proc(tmp_path: Path) -> Iterator[RedisProcess]:
    workdir = tmp_path / "redis"
    workdir.mkdir()
    with running_redis(workdir) as proc:
        yield proc


@pytest.fixture
async def redis_client(redis_proc: RedisProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_proc.url)
    yield client
    await client.aclose()


# The room client lives with the server tests; the multi-node tests use the same one.
sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
