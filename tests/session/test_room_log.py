"""The bounded log, snapshots and rebuilding a room from them."""

import pytest

from session.commands import PostChat, SetFollowing
from session.events import PresenceChanged, Stamped
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.log import EventLog
from session.room import Room


def pid(name: str) -> ParticipantId:
    return ParticipantId(name)


def chat(room: Room, n: int, at: float = 10.0) -> None:
    for i in range(n):
        room.handle(pid("a"), PostChat(f"m{i}"), at + i)


@pytest.fixture
def small() -> Room:
    room = Room(RoomId("r"), now=0.0, log_size=4)
    room.join(pid("a"), "A", Role.PARTICIPANT, None, 1.0)  # seq 1
    return room


def test_events_since_returns_what_the_log_still_holds(small):
    chat(small, 5)  # seq 2..6, the log keeps 3..6
    assert small.seq == 6
    assert small.events_since(6) == ()
    assert [s.seq for s in small.events_since(2)] == [3, 4, 5, 6]
    assert [s.seq for s in small.events_since(4)] == [5, 6]
    assert small.events_since(1) is None  # seq 2 fell out of the log
    assert small.events_since(7) is None  # from the future
    assert small.events_since(-1) is None


def test_a_new_room_is_up_to_date_at_zero(small):
    fresh = Room(RoomId("r"), now=0.0)
    assert fresh.events_since(0) == ()
    assert [s.seq for s in small.events_since(0)] == [1]


def test_log_guards_its_order():
    log = EventLog(2)
    stamped = Stamped(1, 0.0, None, PresenceChanged(pid("a"), online=True))
    log.append(stamped)
    with pytest.raises(ValueError, match="expected seq 2"):
        log.append(stamped)
    with pytest.raises(ValueError, match="expected seq 2"):
        log.append(Stamped(None, 0.0, None, stamped.event))
    with pytest.raises(ValueError, match="size"):
        EventLog(0)


def test_a_snapshot_is_independent_of_the_live_room(small):
    snapshot = small.snapshot()
    assert (snapshot.seq, snapshot.at) == (1, 1.0)
    chat(small, 2)
    small.handle(pid("a"), SetFollowing(following=False), 20.0)
    assert snapshot.state.chat == []
    assert snapshot.state.participants[pid("a")].following
    assert "state" not in repr(snapshot)


def test_restore_from_snapshot_and_later_events(small):
    snapshot = small.snapshot()
    chat(small, 3)
    small.disconnect(pid("a"), 30.0)
    events = small.events_since(snapshot.seq)
    assert events is not None
    restored = Room.restore(small.id, snapshot, events, log_size=4, offline_grace=60.0)
    assert restored.snapshot() == small.snapshot()
    assert restored.seq == small.seq
    assert restored.get_timer() == small.get_timer() == 90.0
    assert restored.events_since(snapshot.seq) == events
    # the restored room carries on where the old one stopped
    assert restored.handle(pid("a"), PostChat("next"), 40.0).events[0].seq == small.seq + 1


def test_restore_skips_old_and_ephemeral_events_and_refuses_gaps(small):
    empty = Room(RoomId("r"), now=0.0).snapshot()
    chat(small, 2)
    all_events = small.events_since(0)
    assert all_events is not None
    pointer = Stamped(None, 5.0, pid("a"), PresenceChanged(pid("a"), online=True))
    restored = Room.restore(RoomId("r"), small.snapshot(), (*all_events, pointer))
    assert restored.snapshot() == small.snapshot()
    with pytest.raises(ValueError, match="expected seq 1"):
        Room.restore(RoomId("r"), empty, all_events[1:])


def test_restore_checks_room_and_options(small):
    snapshot = small.snapshot()
    with pytest.raises(ValueError, match="room"):
        Room.restore(RoomId("other"), snapshot, ())
    with pytest.raises(TypeError, match="unexpected"):
        Room.restore(RoomId("r"), snapshot, (), colour=1.0)


def test_restore_defaults(small):
    restored = Room.restore(RoomId("r"), small.snapshot(), ())
    assert restored.seq == 1 and restored.events_since(0) is None and restored.events_since(1) == ()
    assert restored.snapshot().state.title == small.snapshot().state.title


def test_a_follower_replays_a_leaders_events(small):
    follower = Room.restore(RoomId("r"), small.snapshot(), ())
    before = small.seq
    chat(small, 3)
    for stamped in small.events_since(before) or ():
        follower.replay(stamped)
        follower.replay(stamped)  # duplicates are ignored
    assert follower.snapshot() == small.snapshot()
