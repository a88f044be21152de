"""The embedded store on a real SQLite file: what it holds survives closing and reopening
(a restart), many rooms' appends share one commit (group commit), and failures surface as
``StoreError`` for the log writer to retry. The seam's contract itself runs in
tests/contract (``impl`` = sqlite)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from server.durable.sqlite import FILE_NAME, SqliteRoomDirectory, SqliteStore, StoreError
from server.interfaces import RoomInfo
from session.codec import encode_stamped
from session.commands import PostChat
from session.events import Stamped
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.room import Room

A = ParticipantId("a")


def chatty_room(room_id: str, lines: int) -> tuple[Room, list[Stamped]]:
    room = Room(RoomId(room_id), title=room_id, now=1.0)
    events = list(room.join(A, "A", Role.HOST, None, 2.0).events)
    for i in range(lines):
        events += room.handle(A, PostChat(f"line {i}"), 3.0 + i).events
    return room, events


def entries(events: list[Stamped]) -> list[tuple[int, bytes]]:
    return [(s.seq, encode_stamped(s)) for s in events if s.seq is not None]


async def test_rooms_and_logs_survive_reopening_the_file(tmp_path: Path) -> None:
    room, events = chatty_room("r-1", 5)
    store = await SqliteStore.open(tmp_path)
    directory = SqliteRoomDirectory(store)
    await directory.create(RoomInfo(room.id, "Case", 10.0))
    await directory.create(RoomInfo(RoomId("r-2"), "Closed", 11.0))
    await directory.close(RoomId("r-2"))
    await store.save_snapshot(room.id, Room(room.id, title="r-1", now=1.0).snapshot())
    await store.append(room.id, entries(events))
    await store.close()

    again = await SqliteStore.open(tmp_path)
    assert (tmp_path / FILE_NAME).exists()
    assert await SqliteRoomDirectory(again).list() == [
        RoomInfo(room.id, "Case", 10.0),
        RoomInfo(RoomId("r-2"), "Closed", 11.0, closed=True),
    ]
    stored = await again.load(room.id)
    assert stored is not None
    assert Room.restore(room.id, stored.snapshot, stored.events).snapshot() == room.snapshot()
    await again.close()


async def test_concurrent_appends_of_many_rooms_share_commits(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path)
    rooms = [chatty_room(f"r-{i}", 3) for i in range(20)]
    for room, _ in rooms:
        await store.save_snapshot(room.id, Room(room.id, title="t", now=1.0).snapshot())
    before = store.commits
    await asyncio.gather(*(store.append(room.id, entries(ev)) for room, ev in rooms))
    # The first append commits alone; the 19 queued meanwhile share the next commit.
    assert store.commits - before < len(rooms)
    for room, _ in rooms:
        assert await store.last_seq(room.id) == room.seq
    await store.close()


async def test_a_failing_disk_is_a_store_error(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path)
    room, events = chatty_room("r-1", 1)
    await store._run(lambda: store._conn.execute("DROP TABLE events"))  # a broken file
    with pytest.raises(StoreError):
        await store.append(room.id, entries(events))
    with pytest.raises(StoreError):
        await store.last_seq(room.id)
    assert issubclass(StoreError, OSError)  # the log writer retries OSErrors
    await store.close()


async def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path)
    await store.close()
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
