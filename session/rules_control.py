"""Control of the shared view: at most one driver; others queue, the driver or a moderator
hands control on, a moderator may take it at any time."""

from session.checks import Actor, require_participant
from session.commands import (
    GrantControl,
    ReleaseControl,
    RequestControl,
    SetFollowing,
    TakeControl,
    WithdrawControlRequest,
)
from session.errors import ErrorCode, Rejected
from session.events import (
    ControlChanged,
    ControlRequested,
    ControlRequestWithdrawn,
    Event,
    FollowingChanged,
)
from session.grants import Grant
from session.ids import ParticipantId
from session.state import RoomState

ControlCommand = (
    RequestControl
    | GrantControl
    | ReleaseControl
    | TakeControl
    | SetFollowing
    | WithdrawControlRequest
)


def decide_control(state: RoomState, actor: Actor, command: ControlCommand) -> list[Event]:
    match command:
        case RequestControl():
            return _request(state, actor)
        case GrantControl(to):
            return _grant(state, actor, to)
        case ReleaseControl():
            if state.driver != actor.require_id():
                raise Rejected(ErrorCode.FORBIDDEN, "you do not hold control")
            return [ControlChanged(None)]
        case TakeControl():
            return _take(state, actor)
        case WithdrawControlRequest():
            return _withdraw(state, actor)
        case _:
            return [FollowingChanged(actor.require_id(), command.following)]


def _request(state: RoomState, actor: Actor) -> list[Event]:
    """Nobody drives: control is yours now. Otherwise join the queue (once)."""
    sender = actor.require_id()
    actor.require(Grant.DRIVE)
    if state.driver is None:
        return [ControlChanged(sender)]
    if state.driver == sender:
        raise Rejected(ErrorCode.CONFLICT, "you already hold control")
    if sender in state.control_requests:
        raise Rejected(ErrorCode.CONFLICT, "you already asked for control")
    return [ControlRequested(sender)]


def _grant(state: RoomState, actor: Actor, to: ParticipantId) -> list[Event]:
    """The driver hands control on, or a moderator assigns it, to an online DRIVE holder."""
    if not (actor.has(Grant.MODERATE) or state.driver == actor.id):
        raise Rejected(ErrorCode.FORBIDDEN, "only the driver or a moderator can grant control")
    target = require_participant(state, to)
    if not target.online:
        raise Rejected(ErrorCode.NOT_FOUND, f"participant {to!r} is offline")
    if not target.can(Grant.DRIVE):
        raise Rejected(ErrorCode.FORBIDDEN, f"participant {to!r} lacks the drive grant")
    if state.driver == target.id:
        raise Rejected(ErrorCode.CONFLICT, f"participant {to!r} already holds control")
    return [ControlChanged(target.id)]


def _take(state: RoomState, actor: Actor) -> list[Event]:
    sender = actor.require_id()
    actor.require(Grant.MODERATE)
    actor.require(Grant.DRIVE)  # the driver always holds DRIVE
    if state.driver == sender:
        raise Rejected(ErrorCode.CONFLICT, "you already hold control")
    return [ControlChanged(sender)]


def _withdraw(state: RoomState, actor: Actor) -> list[Event]:
    """Cancel my pending request (the "Request control" button's pending state)."""
    sender = actor.require_id()
    if sender not in state.control_requests:
        raise Rejected(ErrorCode.CONFLICT, "you have not asked for control")
    return [ControlRequestWithdrawn(sender)]
