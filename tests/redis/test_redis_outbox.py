"""The bridge's outbox on a real Redis: order kept, one message per frame per node, and a
backlog that Redis cannot drain ends the bridges instead of growing without bound."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
import pytest
from redis.asyncio import Redis

from server.redis.health import RedisHealth
from server.redis.outbox import Outbox

pytestmark = pytest.mark.redis


async def received(redis: Redis, channel: str, count: int, start: Any) -> list[list[Any]]:
    got: list[list[Any]] = []
    async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
        await pubsub.subscribe(channel)
        start()
        async with asyncio.timeout(10):  # a safety net, not a timing assertion
            async for message in pubsub.listen():
                got.append(msgpack.unpackb(message["data"]))
                if len(got) == count:
                    return got
    return got


async def test_one_publish_per_frame_per_node_in_order(redis_client: Redis) -> None:
    outbox = Outbox(redis_client, RedisHealth(), on_failure=lambda: None)
    shared, own = b"shared-frame", b"own-frame"
    outbox.post("node-a", ["joined", "1", None])
    for conn_id in ("1", "2", "3"):
        outbox.post_frame("node-a", conn_id, shared)  # one flush: the same bytes object
    outbox.post_frame("node-a", "4", own)
    outbox.post_frame("node-a", "5", shared)  # not merged across another message: order kept
    tasks: list[asyncio.Task[None]] = []

    def start() -> None:  # once subscribed: pub/sub keeps nothing for late subscribers
        tasks.append(asyncio.create_task(outbox.run()))

    got = await received(redis_client, "node-a", 4, start)
    assert got == [
        ["joined", "1", None],
        ["frame", ["1", "2", "3"], shared],
        ["frame", ["4"], own],
        ["frame", ["5"], shared],
    ]
    tasks[0].cancel()


async def test_a_backlog_ends_the_bridges(redis_client: Redis) -> None:
    failures: list[int] = []
    outbox = Outbox(redis_client, RedisHealth(), lambda: failures.append(1), max_posts=3)
    for i in range(3):
        outbox.post("node-a", ["cmd", "b", str(i), b""])
    assert (outbox.pending, failures) == (3, [])
    outbox.post("node-a", ["cmd", "b", "3", b""])
    assert (outbox.pending, failures) == (1, [1])  # the old backlog is gone, bridges ended
