"""Moderation and the case: grants, kicks and bans, closing, studies, recording.

A kick bans the identity (any token for it) until a moderator lifts the ban (``LiftBan``);
``decide_join`` refuses a banned identity with ``banned``.
"""

from session.checks import Actor, require_participant
from session.commands import (
    AttachStudy,
    CloseRoom,
    DetachStudy,
    Kick,
    LiftBan,
    SetGrants,
    SetRecording,
)
from session.errors import ErrorCode, Rejected
from session.events import (
    AnnotationDeleted,
    BanChanged,
    ControlChanged,
    Event,
    GrantsChanged,
    KeyImageChanged,
    RecordingChanged,
    RoomClosed,
    StudyAttached,
    StudyDetached,
)
from session.grants import Grant
from session.ids import ParticipantId, Uid
from session.model import Study
from session.presence import decide_leave
from session.state import RoomState

CaseCommand = SetGrants | Kick | LiftBan | CloseRoom | AttachStudy | DetachStudy | SetRecording


def decide_case(state: RoomState, actor: Actor, command: CaseCommand) -> list[Event]:
    match command:
        case SetGrants() | Kick() | LiftBan() | CloseRoom():
            actor.require(Grant.MODERATE)
            return _moderate(state, actor, command)
        case AttachStudy(uid, description, series):
            actor.require(Grant.MANAGE_CASE)
            if uid in state.studies:
                raise Rejected(ErrorCode.CONFLICT, f"study {uid} is already attached")
            return [StudyAttached(Study(uid, description, series))]
        case DetachStudy(uid):
            actor.require(Grant.MANAGE_CASE)
            return _detach(state, uid)
        case _:
            actor.require(Grant.RECORD)
            if command.recording == state.recording:
                raise Rejected(ErrorCode.CONFLICT, f"recording is already {command.recording}")
            return [RecordingChanged(command.recording)]


def _moderate(
    state: RoomState, actor: Actor, command: SetGrants | Kick | LiftBan | CloseRoom
) -> list[Event]:
    """The commands that need ``moderate`` (checked by the caller)."""
    match command:
        case SetGrants(participant, grants):
            return _set_grants(state, actor, participant, grants)
        case Kick(participant):
            return _kick(state, actor, participant)
        case LiftBan(participant):
            return _lift_ban(state, participant)
        case _:
            stop = [RecordingChanged(recording=False)] if state.recording else []
            return [*stop, RoomClosed(command.reason)]


def _set_grants(
    state: RoomState, actor: Actor, participant: ParticipantId, grants: frozenset[Grant]
) -> list[Event]:
    """Change grants; a driver losing DRIVE first loses control."""
    target = require_participant(state, participant)
    if target.id == actor.id and Grant.MODERATE not in grants and _last_moderator(state, target.id):
        raise Rejected(ErrorCode.CONFLICT, "the last online moderator cannot drop moderate")
    events: list[Event] = []
    if state.driver == target.id and Grant.DRIVE not in grants:
        events.append(ControlChanged(None))
    events.append(GrantsChanged(target.id, grants))
    return events


def _last_moderator(state: RoomState, participant: ParticipantId) -> bool:
    return not any(
        p.online and p.can(Grant.MODERATE)
        for p in state.participants.values()
        if p.id != participant
    )


def _kick(state: RoomState, actor: Actor, participant: ParticipantId) -> list[Event]:
    if participant == actor.id:
        raise Rejected(ErrorCode.BAD_REQUEST, "you cannot kick yourself")
    name = require_participant(state, participant).name
    return [*decide_leave(state, participant, "kicked"), BanChanged(participant, name, True)]


def _lift_ban(state: RoomState, participant: ParticipantId) -> list[Event]:
    ban = state.bans.get(participant)
    if ban is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"{participant!r} is not banned")
    return [BanChanged(participant, ban.name, False)]


def _detach(state: RoomState, uid: Uid) -> list[Event]:
    """Detach a study no viewport shows; its annotations and key images go with it."""
    if uid not in state.studies:
        raise Rejected(ErrorCode.NOT_FOUND, f"study {uid} is not attached")
    if any(v.image is not None and v.image.study == uid for v in state.viewports) or (
        state.mpr is not None and state.mpr.study == uid
    ):
        raise Rejected(ErrorCode.CONFLICT, f"a viewport shows study {uid}; change it first")
    events: list[Event] = [
        AnnotationDeleted(a.id, a.version)
        for a in state.annotations.values()
        if a.image.study == uid
    ]
    events += [KeyImageChanged(k, marked=False) for k in state.key_images if k.study == uid]
    events.append(StudyDetached(uid))
    return events
