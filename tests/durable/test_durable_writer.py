"""The log writer over the embedded store: the barrier returns once the room's events are in
the file, snapshots trim the log, and a room rebuilt from the file after the store is closed
(a restart) equals the live one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.durable.sqlite import SqliteStore
from server.health import Health
from server.journal import LogWriter
from session.codec import encode_stamped
from session.commands import PostChat
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.room import Room

ROOM = RoomId("w-1")
A = ParticipantId("a")
WAIT = 10.0  # a safety net against hangs, not a timing assertion


def emit(room: Room, writer: LogWriter, text: str, now: float) -> None:
    for stamped in room.handle(A, PostChat(text), now).events:
        writer.observe(stamped, encode_stamped(stamped))


async def test_the_barrier_means_in_the_file(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path)
    room = Room(ROOM, title="t", now=1.0)
    room.join(A, "A", Role.HOST, None, 2.0)
    writer = LogWriter(store, room, Health("room log"), snapshot_every=8)
    task = asyncio.create_task(writer.run())
    for i in range(30):
        emit(room, writer, f"m{i}", 10.0 + i)
        if i % 7 == 0:
            async with asyncio.timeout(WAIT):
                await writer.barrier()
    async with asyncio.timeout(WAIT):
        await writer.barrier()
    assert writer.durable_seq == room.seq
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await store.close()

    reopened = await SqliteStore.open(tmp_path)
    stored = await reopened.load(ROOM)
    assert stored is not None
    assert stored.snapshot.seq > 0  # snapshots were taken and the log trimmed behind them
    assert all(s.seq is not None and s.seq > stored.snapshot.seq for s in stored.events)
    assert Room.restore(ROOM, stored.snapshot, stored.events).snapshot() == room.snapshot()
    await reopened.close()
