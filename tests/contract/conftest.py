"""Each contract test runs against every implementation: ``memory``, ``sqlite`` (the embedded
durable store, a real file in a temp dir) and ``redis`` (real ``redis-server`` on a free
loopback port, started per test)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).parents[1] / "redis"))
from contract_impls import Impl
from redisproc import RedisProcess, running_redis

from server.durable.sqlite import SqliteRoomDirectory, SqliteStore
from server.memory import MemoryRoomDirectory, MemoryRoomLog
from server.redis.directory import RedisRoomDirectory
from server.redis.roomlog import RedisRoomLog


@pytest.fixture
def redis_proc(tmp_path: Path) -> Iterator[RedisProcess]:
    with running_redis(tmp_path) as proc:
        yield proc


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def impl(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Impl]:
    if request.param == "memory":
        yield Impl("memory", MemoryRoomDirectory(), MemoryRoomLog())
        return
    if request.param == "sqlite":
        store = await SqliteStore.open(tmp_path / "data")
        yield Impl("sqlite", SqliteRoomDirectory(store), store)
        await store.close()
        return
    proc: RedisProcess = request.getfixturevalue("redis_proc")
    client = Redis.from_url(proc.url)
    yield Impl("redis", RedisRoomDirectory(client), RedisRoomLog(client))
    await client.aclose()


# --- the whole server, either way: the room sync suite of tests/server runs on both ---------
sys.path.insert(0, str(Path(__file__).parents[1] / "server"))


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def live_server(request: pytest.FixtureRequest) -> object:
    """Overrides the root ``live_server``: rooms in memory, the embedded durable default, or
    one node on a real Redis (Redis is started first so that it outlives the server's
    shutdown)."""
    overrides: dict[str, str] = {}
    if request.param != "redis":
        overrides["room_store"] = request.param
    else:
        proc: RedisProcess = request.getfixturevalue("redis_proc")
        overrides["redis_url"] = proc.url
    factory = request.getfixturevalue("live_server_factory")
    server = factory(**overrides)
    assert (server.state.redis_node is not None) == (request.param == "redis")
    durable = isinstance(server.state.directory, SqliteRoomDirectory)
    assert durable == (request.param == "sqlite")
    return server
