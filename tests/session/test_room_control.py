"""Control of the shared view: at most one driver, a queue, hand-over, take-back."""

from session.commands import (
    GrantControl,
    ReleaseControl,
    RequestControl,
    SetFollowing,
    SetGrants,
    TakeControl,
)
from session.errors import ErrorCode
from session.events import ControlChanged, ControlRequested, FollowingChanged, GrantsChanged
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId


def pid(name: str) -> ParticipantId:
    return ParticipantId(name)


def test_requesting_control_of_an_undriven_room_grants_it(bare):
    bare.join("doc")
    assert bare.send("doc", RequestControl()) == [ControlChanged(pid("doc"))]
    assert bare.state.driver == "doc"
    assert bare.refuse("doc", RequestControl(), ErrorCode.CONFLICT)


def test_requests_queue_in_order_and_once(h):
    assert h.send("doc", RequestControl()) == [ControlRequested(pid("doc"))]
    assert h.send("doc2", RequestControl()) == [ControlRequested(pid("doc2"))]
    assert h.state.control_requests == ("doc", "doc2")
    assert "already asked" in h.refuse("doc", RequestControl(), ErrorCode.CONFLICT)
    assert "already hold" in h.refuse("host", RequestControl(), ErrorCode.CONFLICT)
    h.refuse("obs", RequestControl(), ErrorCode.FORBIDDEN)


def test_the_driver_grants_control_and_the_grantee_leaves_the_queue(h):
    h.send("doc", RequestControl())
    h.send("doc2", RequestControl())
    assert h.send("host", GrantControl(pid("doc2"))) == [ControlChanged(pid("doc2"))]
    assert h.state.driver == "doc2"
    assert h.state.control_requests == ("doc",)
    # the new driver may hand it on too
    assert h.send("doc2", GrantControl(pid("doc"))) == [ControlChanged(pid("doc"))]
    assert h.state.control_requests == ()


def test_a_moderator_who_does_not_drive_may_grant_control(h):
    h.send("host", GrantControl(pid("doc")))
    assert h.send("host", GrantControl(pid("doc2"))) == [ControlChanged(pid("doc2"))]


def test_grant_control_refusals(h):
    h.refuse("doc", GrantControl(pid("doc2")), ErrorCode.FORBIDDEN)  # neither driver nor moderator
    h.refuse("host", GrantControl(pid("ghost")), ErrorCode.NOT_FOUND)
    h.refuse("host", GrantControl(pid("obs")), ErrorCode.FORBIDDEN)  # target lacks DRIVE
    h.refuse("host", GrantControl(pid("host")), ErrorCode.CONFLICT)  # already drives
    h.accepted(h.room.disconnect(pid("doc"), h.tick()))
    assert "offline" in h.refuse("host", GrantControl(pid("doc")), ErrorCode.NOT_FOUND)


def test_only_the_driver_releases_control(h):
    h.refuse("doc", ReleaseControl(), ErrorCode.FORBIDDEN)
    assert h.send("host", ReleaseControl()) == [ControlChanged(None)]
    assert h.state.driver is None
    h.refuse("host", ReleaseControl(), ErrorCode.FORBIDDEN)


def test_a_moderator_takes_control_back_at_any_time(h):
    h.send("host", GrantControl(pid("doc")))
    assert h.send("host", TakeControl()) == [ControlChanged(pid("host"))]
    assert h.refuse("host", TakeControl(), ErrorCode.CONFLICT)
    h.refuse("doc", TakeControl(), ErrorCode.FORBIDDEN)  # no MODERATE


def test_a_moderator_without_drive_cannot_take_control(bare):
    bare.join("mod", Role.HOST, grants={Grant.MODERATE})
    assert "drive" in bare.refuse("mod", TakeControl(), ErrorCode.FORBIDDEN)


def test_losing_drive_loses_control_first_and_leaves_the_queue(h):
    h.send("doc", RequestControl())
    no_drive = default_grants(Role.PARTICIPANT) - {Grant.DRIVE}
    assert h.send("host", SetGrants(pid("doc"), no_drive)) == [GrantsChanged(pid("doc"), no_drive)]
    assert h.state.control_requests == ()
    host_grants = frozenset(Grant) - {Grant.DRIVE}
    assert h.send("host", SetGrants(pid("host"), host_grants)) == [
        ControlChanged(None),
        GrantsChanged(pid("host"), host_grants),
    ]
    assert h.state.driver is None


def test_keeping_drive_keeps_control_and_queue(h):
    h.send("doc", RequestControl())
    h.send("host", SetGrants(pid("doc"), frozenset({Grant.DRIVE})))
    assert h.state.control_requests == ("doc",)
    assert h.send("host", SetGrants(pid("host"), frozenset(Grant))) == [
        GrantsChanged(pid("host"), frozenset(Grant))
    ]
    assert h.state.driver == "host"


def test_anyone_sets_following(h):
    assert h.send("obs", SetFollowing(following=False)) == [
        FollowingChanged(pid("obs"), following=False)
    ]
    assert not h.state.participants[pid("obs")].following
    assert h.send("obs", SetFollowing(following=True)) == [
        FollowingChanged(pid("obs"), following=True)
    ]
