"""The durable log writer against a real redis-server: acks wait for the log, Redis going
away pauses the room (nothing dropped, health says why), and a restart that lost every key
is repaired from the live room."""

from __future__ import annotations

import asyncio

import pytest
from livetools import eventually
from redis.asyncio import Redis
from redisproc import RedisProcess

from server.journal import LogWriter
from server.redis.health import FAILURES, RedisHealth
from server.redis.roomlog import RedisRoomLog
from session.codec import encode_stamped
from session.commands import PostChat
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.room import Room

pytestmark = pytest.mark.redis

ROOM = RoomId("w-1")
A = ParticipantId("a")
WAIT = 10.0  # a safety net against hangs, not a timing assertion


def emit(room: Room, writer: LogWriter, text: str, now: float) -> int:
    outcome = room.handle(A, PostChat(text), now)
    for stamped in outcome.events:
        writer.observe(stamped, encode_stamped(stamped))
    seq = outcome.events[-1].seq
    assert seq is not None
    return seq


async def started(
    redis: Redis, room: Room, every: int = 256
) -> tuple[LogWriter, RedisHealth, asyncio.Task[None]]:
    health = RedisHealth()
    writer = LogWriter(
        RedisRoomLog(redis),
        room,
        health,
        failures=FAILURES,
        snapshot_every=every,
        retry_s=0.05,
    )
    return writer, health, asyncio.create_task(writer.run())


def new_room() -> Room:
    room = Room(ROOM, title="t", now=1.0)
    room.join(A, "A", Role.HOST, None, 2.0)  # before the writer: covered by its first snapshot
    return room


async def test_barrier_returns_once_the_events_are_in_redis(redis_client: Redis) -> None:
    room = new_room()
    writer, health, task = await started(redis_client, room, every=4)
    for i in range(10):
        seq = emit(room, writer, f"m{i}", 10.0 + i)
    async with asyncio.timeout(WAIT):
        await writer.barrier()
    assert writer.durable_seq == seq == room.seq
    stored = await RedisRoomLog(redis_client).load(ROOM)
    assert stored is not None
    assert stored.snapshot.seq > 1  # periodic snapshots happened
    assert Room.restore(ROOM, stored.snapshot, stored.events).snapshot() == room.snapshot()
    assert health.ok
    task.cancel()


async def test_redis_down_holds_the_room_back_then_recovers(
    redis_proc: RedisProcess, redis_client: Redis
) -> None:
    room = new_room()
    writer, health, task = await started(redis_client, room)
    emit(room, writer, "before", 10.0)
    async with asyncio.timeout(WAIT):
        await writer.barrier()

    redis_proc.stop()
    seq = emit(room, writer, "during", 11.0)
    barrier = asyncio.create_task(writer.barrier())
    await eventually(lambda: not health.ok, WAIT)
    assert not barrier.done()  # nothing acknowledged while it cannot be logged
    assert "room w-1 log" in health.view().error

    redis_proc.start()  # same port, every key lost (--save '')
    async with asyncio.timeout(WAIT):
        await barrier
    assert health.ok
    assert writer.durable_seq == seq
    stored = await RedisRoomLog(redis_client).load(ROOM)
    assert stored is not None  # rewritten from the live room
    assert Room.restore(ROOM, stored.snapshot, stored.events).snapshot() == room.snapshot()
    task.cancel()


async def test_resync_rewrites_a_room_redis_forgot(redis_client: Redis) -> None:
    room = new_room()
    writer, _, task = await started(redis_client, room)
    emit(room, writer, "x", 10.0)
    async with asyncio.timeout(WAIT):
        await writer.barrier()
    await redis_client.flushall()  # what a restart without persistence leaves
    writer.resync()
    log = RedisRoomLog(redis_client)
    async with asyncio.timeout(WAIT):
        while await log.last_seq(ROOM) != room.seq:  # noqa: ASYNC110 - polling Redis
            await asyncio.sleep(0.02)
    stored = await log.load(ROOM)
    assert stored is not None and stored.snapshot == room.snapshot()
    task.cancel()
