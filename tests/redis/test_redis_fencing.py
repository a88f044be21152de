"""Fencing: a node that lost a room (declared dead, room taken over) cannot write its log,
and its writer tells the node to stop hosting the room."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.journal import LogWriter
from server.redis import keys
from server.redis.health import FAILURES, RedisHealth
from server.redis.roomlog import NotOwner, RedisRoomLog
from session.codec import encode_stamped
from session.commands import PostChat
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.room import Room

pytestmark = pytest.mark.redis

ROOM = RoomId("f-1")
A = ParticipantId("a")


def room_with_chat() -> tuple[Room, list[tuple[int, bytes]]]:
    room = Room(ROOM, now=1.0)
    events = list(room.join(A, "A", Role.HOST, None, 2.0).events)
    events += room.handle(A, PostChat("hi"), 3.0).events
    return room, [(s.seq, encode_stamped(s)) for s in events if s.seq is not None]


async def test_only_the_owner_writes(redis_client: Redis) -> None:
    room, entries = room_with_chat()
    mine = RedisRoomLog(redis_client, "node-a")
    await mine.save_snapshot(ROOM, Room(ROOM, now=1.0).snapshot())  # no owner yet: allowed
    await redis_client.set(keys.room_owner(ROOM), "node-a")
    await mine.append(ROOM, entries[:1])

    await redis_client.set(keys.room_owner(ROOM), "node-b")  # taken over
    with pytest.raises(NotOwner, match="node-b"):
        await mine.append(ROOM, entries[1:])
    with pytest.raises(NotOwner):
        await mine.save_snapshot(ROOM, room.snapshot())
    assert await mine.last_seq(ROOM) == entries[0][0]  # nothing more was written

    theirs = RedisRoomLog(redis_client, "node-b")
    await theirs.append(ROOM, entries[1:])
    assert await theirs.last_seq(ROOM) == room.seq


async def test_a_fenced_writer_gives_the_room_up(redis_client: Redis) -> None:
    room, _ = room_with_chat()
    await redis_client.set(keys.room_owner(ROOM), "node-b")
    lost = asyncio.Event()
    writer = LogWriter(
        RedisRoomLog(redis_client, "node-a"),
        room,
        RedisHealth(),
        failures=FAILURES,
        on_lost=lost.set,
    )
    task = asyncio.create_task(writer.run())
    async with asyncio.timeout(10):  # a safety net, not a timing assertion
        await lost.wait()
        await task  # the writer ended
    assert writer.durable_seq == 0
    assert await RedisRoomLog(redis_client).load(ROOM) is None
