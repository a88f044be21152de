"""``LocalCluster`` over the SQLite store, without uvicorn: rooms come back with the same
seq and everyone offline, a room with no logged event is hosted fresh, a closed one stays
down, and an unreadable one is skipped while the others still come back."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from server.cluster import LocalCluster, local_journal
from server.durable.sqlite import SqliteRoomDirectory, SqliteStore
from server.interfaces import RoomInfo
from server.metrics import Metrics
from server.rooms import RoomRegistry
from server.settings import Settings
from session.codec import encode_stamped
from session.commands import PostChat
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.room import Room

A = ParticipantId("a")
WAIT = 10.0  # a safety net against hangs, not a timing assertion


async def logged_room(store: SqliteStore, room_id: str, lines: int) -> Room:
    room = Room(RoomId(room_id), title=room_id, now=1.0)
    await SqliteRoomDirectory(store).create(RoomInfo(room.id, room_id, 1.0))
    await store.save_snapshot(room.id, room.snapshot())
    events = list(room.join(A, "A", Role.HOST, None, 2.0).events)
    for i in range(lines):
        events += room.handle(A, PostChat(f"line {i}"), 3.0 + i).events
    await store.append(room.id, [(s.seq, encode_stamped(s)) for s in events if s.seq])
    return room


async def test_rooms_come_back_offline_and_stay_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await SqliteStore.open(tmp_path)
    directory = SqliteRoomDirectory(store)
    live = await logged_room(store, "busy", 5)
    broken = await logged_room(store, "broken", 3)
    gap = "DELETE FROM events WHERE room = ? AND seq = 2"
    await store._run(lambda: store._conn.execute(gap, (broken.id,)))
    await directory.create(RoomInfo(RoomId("quiet"), "quiet", 1.0))
    await logged_room(store, "done", 1)
    await directory.close(RoomId("done"))

    settings = Settings(data_dir=tmp_path)
    journal = local_journal(store)
    registry = RoomRegistry(settings, Metrics(), directory, journal)
    cluster = LocalCluster(settings, registry, directory, journal)
    with caplog.at_level(logging.ERROR):
        await cluster.start()
    assert "room broken could not be restored" in caplog.text
    assert registry.get(broken.id) is None
    assert registry.get(RoomId("done")) is None
    quiet = registry.get(RoomId("quiet"))
    assert quiet is not None and quiet.room.seq == 0

    host = registry.get(live.id)
    assert host is not None
    assert host.room.seq > live.seq  # the offline event came on top of the same seqs
    assert host.room.snapshot().state.chat == live.snapshot().state.chat
    member = host.room.participant(A)
    assert member is not None and not member.online
    writer = journal.writers[live.id]
    async with asyncio.timeout(WAIT):
        await writer.barrier()
    assert await store.last_seq(live.id) == host.room.seq  # the offline event is logged too
    await cluster.stop()
    await registry.stop()
    await store.close()
