"""Joining, reconnecting, going offline, the grace timer and leaving."""

from session.commands import CloseRoom, RaiseHand, RequestControl, SetFollowing
from session.errors import ErrorCode
from session.events import (
    ControlChanged,
    ControlRequested,
    ParticipantJoined,
    ParticipantLeft,
    PresenceChanged,
)
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId, RoomId
from session.presence import MAX_PARTICIPANTS
from session.room import Room


def pid(name: str) -> ParticipantId:
    return ParticipantId(name)


def test_new_room_is_empty_open_and_at_seq_zero(bare):
    room = bare.room
    assert room.id == "room-1"
    assert room.title == "Case 1"
    assert room.seq == 0
    assert not room.closed
    assert room.get_timer() is None
    state = room.snapshot().state
    assert state.title == "Case 1"
    assert state.participants == {}
    assert len(state.viewports) == 1


def test_join_uses_role_defaults_and_records_the_time(bare):
    assert bare.join("doc") == [
        ParticipantJoined(pid("doc"), "Doc", Role.PARTICIPANT, default_grants(Role.PARTICIPANT))
    ]
    joined = bare.room.participant(pid("doc"))
    assert joined is not None
    assert joined.online and joined.following and not joined.hand_raised
    assert joined.joined_at == bare.now
    assert bare.room.participant(pid("nobody")) is None


def test_join_with_explicit_grants(bare):
    (event,) = bare.join("doc", Role.OBSERVER, grants={Grant.CHAT, Grant.DRIVE})
    assert isinstance(event, ParticipantJoined)
    assert event.grants == {Grant.CHAT, Grant.DRIVE}


def test_a_host_joining_an_undriven_room_takes_control(bare):
    assert bare.join("host", Role.HOST)[1:] == [ControlChanged(pid("host"))]
    assert bare.join("host2", Role.HOST)[1:] == []  # someone already drives
    assert bare.state.driver == "host"


def test_a_host_without_drive_does_not_take_control(bare):
    assert bare.join("host", Role.HOST, grants={Grant.MODERATE})[1:] == []
    assert bare.state.driver is None


def test_names_are_stripped_truncated_and_never_empty(bare):
    bare.join("a", name="  Dr. Li  ")
    bare.join("b", name="x" * 100)
    bare.join("c", name="   ")
    people = bare.state.participants
    assert people[pid("a")].name == "Dr. Li"
    assert people[pid("b")].name == "x" * 64
    assert people[pid("c")].name == "c"


def test_rejoining_while_online_changes_nothing(h):
    before = h.room.snapshot()
    outcome = h.room.join(pid("doc"), "Other name", Role.HOST, None, h.tick())
    assert outcome.accepted and outcome.events == ()
    assert h.room.snapshot().state == before.state


def test_disconnect_goes_offline_and_rejoin_comes_back(h):
    assert h.accepted(h.room.disconnect(pid("doc"), h.tick())) == [
        PresenceChanged(pid("doc"), online=False)
    ]
    offline = h.state.participants[pid("doc")]
    assert not offline.online and offline.offline_since == h.now
    # a second disconnect (or one for someone unknown) is a no-op
    assert h.accepted(h.room.disconnect(pid("doc"), h.tick())) == []
    assert h.accepted(h.room.disconnect(pid("ghost"), h.tick())) == []
    assert h.join("doc") == [PresenceChanged(pid("doc"), online=True)]
    back = h.state.participants[pid("doc")]
    assert back.online and back.offline_since is None


def test_timer_removes_offline_participants_after_the_grace(h):
    assert h.room.get_timer() is None
    h.send("doc", RaiseHand(raised=True))
    h.accepted(h.room.disconnect(pid("doc"), h.tick()))
    deadline = h.now + 60.0
    assert h.room.get_timer() == deadline
    assert h.accepted(h.room.handle_timer(deadline - 0.5)) == []
    outcome = h.room.handle_timer(deadline)
    assert [s.by for s in outcome.events] == [None]
    assert h.accepted(outcome) == [ParticipantLeft(pid("doc"), "timeout")]
    assert pid("doc") not in h.state.participants  # and with them their raised hand
    assert h.room.get_timer() is None


def test_timer_releases_control_and_queue_for_leavers_in_deadline_order(h):
    h.send("doc", RequestControl())
    h.accepted(h.room.disconnect(pid("doc"), h.tick()))
    h.accepted(h.room.disconnect(pid("host"), h.tick()))
    assert h.state.control_requests == ("doc",)
    events = h.accepted(h.room.handle_timer(h.now + 60.0))
    assert events == [
        ParticipantLeft(pid("doc"), "timeout"),
        ControlChanged(None),
        ParticipantLeft(pid("host"), "timeout"),
    ]
    assert h.state.control_requests == ()
    assert h.state.driver is None


def test_a_shorter_grace_is_honoured():
    room = Room(RoomId("r"), now=0.0, offline_grace=5.0)
    room.join(pid("a"), "A", Role.PARTICIPANT, None, 1.0)
    room.disconnect(pid("a"), 2.0)
    assert room.get_timer() == 7.0


def test_the_driver_keeps_control_while_offline(h):
    h.accepted(h.room.disconnect(pid("host"), h.tick()))
    assert h.state.driver == "host"
    h.join("host")
    assert h.state.driver == "host"


def test_leave_is_immediate_and_releases_control(h):
    assert h.accepted(h.room.leave(pid("host"), h.tick())) == [
        ControlChanged(None),
        ParticipantLeft(pid("host"), "left"),
    ]
    assert h.accepted(h.room.leave(pid("doc"), h.tick())) == [ParticipantLeft(pid("doc"), "left")]


def test_leave_of_a_stranger_is_not_found(h):
    h.refused(lambda now: h.room.leave(pid("ghost"), now), ErrorCode.NOT_FOUND)


def test_unknown_senders_are_forbidden(h):
    h.refuse("ghost", SetFollowing(following=False), ErrorCode.FORBIDDEN)


def test_a_full_room_refuses_newcomers_but_not_returning_members(bare):
    for n in range(MAX_PARTICIPANTS):
        bare.room.join(pid(f"p{n}"), "P", Role.OBSERVER, None, bare.tick())
    bare.refused(
        lambda now: bare.room.join(pid("late"), "Late", Role.HOST, None, now), ErrorCode.ROOM_FULL
    )
    bare.room.disconnect(pid("p0"), bare.tick())
    assert bare.join("p0") == [PresenceChanged(pid("p0"), online=True)]


def test_a_closed_room_refuses_everything_and_has_no_timer(h):
    h.accepted(h.room.disconnect(pid("doc"), h.tick()))
    h.send("host", CloseRoom("done"))
    assert h.room.closed
    join = h.refused(
        lambda now: h.room.join(pid("new"), "N", Role.HOST, None, now), ErrorCode.ROOM_CLOSED
    )
    assert "closed" in join
    h.refused(lambda now: h.room.disconnect(pid("obs"), now), ErrorCode.ROOM_CLOSED)
    h.refused(lambda now: h.room.leave(pid("obs"), now), ErrorCode.ROOM_CLOSED)
    h.refuse("host", SetFollowing(following=False), ErrorCode.ROOM_CLOSED)
    h.refuse(None, CloseRoom(), ErrorCode.ROOM_CLOSED)
    assert h.room.get_timer() is None
    assert h.room.handle_timer(h.now + 1000).events == ()


def test_stamps_never_go_backwards(h):
    at = h.now
    outcome = h.room.handle(pid("doc"), SetFollowing(following=False), at - 100)
    assert outcome.events[0].at == at
    assert h.room.snapshot().at == at


def test_control_request_by_a_queued_participant_survives_reconnect(h):
    assert h.send("doc", RequestControl()) == [ControlRequested(pid("doc"))]
    h.accepted(h.room.disconnect(pid("doc"), h.tick()))
    h.join("doc")
    assert h.state.control_requests == ("doc",)
