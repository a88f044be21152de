"""One contract, two implementations: ``RoomDirectory`` and ``RoomLog`` behave the same in
memory and on a real Redis (the ``impl`` fixture runs every test on both)."""

from __future__ import annotations

import pytest
from contract_impls import Impl

from server.interfaces import RoomExists, RoomInfo
from session.codec import encode_stamped
from session.commands import CreateAnnotation, PostChat
from session.events import Stamped
from session.grants import Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef
from session.room import Room

ROOM = RoomId("r-1")
A, B = ParticipantId("a"), ParticipantId("b")
IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))


def busy_room() -> tuple[Room, list[Stamped]]:
    """A room with people, chat and annotations, and every event it emitted."""
    room = Room(ROOM, title="Case", now=100.0)
    events: list[Stamped] = []
    events += room.join(A, "Dr A", Role.HOST, None, 101.0).events
    events += room.join(B, "Dr B", Role.PARTICIPANT, None, 102.0).events
    for i in range(3):
        events += room.handle(A, PostChat(f"hello {i}"), 103.0 + i).events
        annotation = CreateAnnotation(
            AnnotationId(f"ann-{i}"), AnnotationKind.LENGTH, IMAGE, ((0.0, 0.0), (i, 1.0))
        )
        outcome = room.handle(A, annotation, 110.0 + i)
        assert outcome.accepted, outcome.refusal
        events += outcome.events
    events += room.disconnect(B, 120.0).events
    return room, events


def entries(events: list[Stamped]) -> list[tuple[int, bytes]]:
    return [(s.seq, encode_stamped(s)) for s in events if s.seq is not None]


# --- RoomDirectory --------------------------------------------------------------------------
async def test_directory_create_get_list_close(impl: Impl) -> None:
    d = impl.directory
    assert await d.get(ROOM) is None
    assert await d.list() == []
    info = RoomInfo(ROOM, "Case 1", 1000.5)
    assert await d.create(info) == info
    await d.create(RoomInfo(RoomId("r-0"), "Other", 999.0))
    assert await d.get(ROOM) == info
    assert sorted(r.id for r in await d.list()) == ["r-0", "r-1"]
    closed = await d.close(ROOM)
    assert closed == RoomInfo(ROOM, "Case 1", 1000.5, closed=True)
    assert await d.get(ROOM) == closed
    assert await d.close(RoomId("nope")) is None


async def test_directory_refuses_a_taken_id(impl: Impl) -> None:
    await impl.directory.create(RoomInfo(ROOM, "first", 1.0))
    with pytest.raises(RoomExists):
        await impl.directory.create(RoomInfo(ROOM, "second", 2.0))
    info = await impl.directory.get(ROOM)
    assert info is not None and info.title == "first"


# --- RoomLog --------------------------------------------------------------------------------
async def test_an_unknown_room_has_nothing(impl: Impl) -> None:
    assert await impl.log.load(ROOM) is None
    assert await impl.log.last_seq(ROOM) == 0


async def test_a_room_rebuilt_from_the_log_equals_the_live_one(impl: Impl) -> None:
    room, events = busy_room()
    await impl.log.save_snapshot(ROOM, Room(ROOM, title="Case", now=100.0).snapshot())
    await impl.log.append(ROOM, entries(events[:4]))
    await impl.log.append(ROOM, entries(events[4:]))
    assert await impl.log.last_seq(ROOM) == room.seq
    stored = await impl.log.load(ROOM)
    assert stored is not None
    assert stored.snapshot.seq == 0
    assert [s.seq for s in stored.events] == list(range(1, room.seq + 1))
    rebuilt = Room.restore(ROOM, stored.snapshot, stored.events)
    assert rebuilt.snapshot() == room.snapshot()


async def test_a_snapshot_drops_the_events_it_covers(impl: Impl) -> None:
    room, events = busy_room()
    middle = Room.restore(ROOM, Room(ROOM, title="Case", now=100.0).snapshot(), tuple(events[:5]))
    await impl.log.save_snapshot(ROOM, Room(ROOM, title="Case", now=100.0).snapshot())
    await impl.log.append(ROOM, entries(events))
    await impl.log.save_snapshot(ROOM, middle.snapshot())
    stored = await impl.log.load(ROOM)
    assert stored is not None
    assert stored.snapshot == middle.snapshot()
    assert [s.seq for s in stored.events] == list(range(middle.seq + 1, room.seq + 1))
    assert Room.restore(ROOM, stored.snapshot, stored.events).snapshot() == room.snapshot()
    assert await impl.log.last_seq(ROOM) == room.seq


async def test_appending_a_logged_seq_again_changes_nothing(impl: Impl) -> None:
    room, events = busy_room()
    await impl.log.save_snapshot(ROOM, Room(ROOM, title="Case", now=100.0).snapshot())
    await impl.log.append(ROOM, entries(events[:6]))
    await impl.log.append(ROOM, entries(events))  # a retry after an unknown outcome
    stored = await impl.log.load(ROOM)
    assert stored is not None
    assert [s.seq for s in stored.events] == list(range(1, room.seq + 1))


async def test_last_seq_comes_from_the_snapshot_when_the_log_is_trimmed(impl: Impl) -> None:
    room, _ = busy_room()
    await impl.log.save_snapshot(ROOM, room.snapshot())
    assert await impl.log.last_seq(ROOM) == room.seq
    stored = await impl.log.load(ROOM)
    assert stored is not None and stored.events == ()
    assert stored.snapshot == room.snapshot()


async def test_rooms_do_not_share_logs(impl: Impl) -> None:
    _, events = busy_room()
    await impl.log.append(ROOM, entries(events))
    assert await impl.log.last_seq(RoomId("r-2")) == 0
    assert await impl.log.load(RoomId("r-2")) is None
