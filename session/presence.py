"""Joining, going offline, coming back and leaving.

A participant whose connection drops stays in the room, offline, for a grace period (keeping
control, hand and grants) so a county link's brief outage costs nothing; when the grace
expires the room's timer removes them.
"""

from collections.abc import Mapping

from session.checks import require_participant
from session.errors import ErrorCode, Rejected
from session.events import (
    ControlChanged,
    Event,
    ParticipantJoined,
    ParticipantLeft,
    PresenceChanged,
)
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId
from session.state import PALETTE_SIZE, RoomState

MAX_PARTICIPANTS = 1024  # a lecture of 1 000 trainees plus its hosts and presenters
MAX_NAME = 64


def decide_join(
    state: RoomState,
    participant: ParticipantId,
    name: str,
    role: Role,
    grants: frozenset[Grant] | None,
) -> list[Event]:
    """A new participant joins; a known one comes back online (or, if online, nothing).

    A banned identity is refused. A new participant gets the grants a moderator last set for
    that identity, if any, else ``grants`` (None: the role's)."""
    if participant in state.bans:
        raise Rejected(
            ErrorCode.BANNED, "you were removed from this room; a moderator can let you back"
        )
    known = state.participants.get(participant)
    if known is not None:
        return [] if known.online else [PresenceChanged(participant, online=True)]
    if len(state.participants) >= MAX_PARTICIPANTS:
        raise Rejected(ErrorCode.ROOM_FULL, f"a room holds at most {MAX_PARTICIPANTS} people")
    grants = state.granted.get(participant, default_grants(role) if grants is None else grants)
    colour = free_colour(state)
    events: list[Event] = [
        ParticipantJoined(participant, clean_name(name, participant), role, grants, colour)
    ]
    if role is Role.HOST and Grant.DRIVE in grants and state.driver is None:
        events.append(ControlChanged(participant))  # the lead expert starts in control
    return events


def standing(
    state: RoomState, participant: ParticipantId, token_grants: frozenset[Grant]
) -> frozenset[Grant] | None:
    """What an identity holds in the room now (the HTTP edge asks, not only joins): None if
    banned; else a member's grants; else those a moderator set for it; else its token's."""
    if participant in state.bans:
        return None
    member = state.participants.get(participant)
    if member is not None:
        return member.grants
    return state.granted.get(participant, token_grants)


def free_colour(state: RoomState) -> int:
    """The lowest colour no current participant has, so up to PALETTE_SIZE people never share
    one; beyond that colours repeat in join order."""
    taken = {p.colour for p in state.participants.values()}
    free = [c for c in range(PALETTE_SIZE) if c not in taken]
    return free[0] if free else len(state.participants) % PALETTE_SIZE


def clean_name(name: str, participant: ParticipantId) -> str:
    """The token already validated the name; still never store an empty or huge one."""
    cleaned = name.strip()[:MAX_NAME].strip()
    return cleaned or participant[:MAX_NAME]


def decide_disconnect(state: RoomState, participant: ParticipantId) -> list[Event]:
    known = state.participants.get(participant)
    if known is None or not known.online:
        return []  # already gone (e.g. kicked) or already offline
    return [PresenceChanged(participant, online=False)]


def decide_leave(state: RoomState, participant: ParticipantId, reason: str) -> list[Event]:
    """Remove a participant; a driver first releases control (so no event names a leaver)."""
    require_participant(state, participant)
    events: list[Event] = []
    if state.driver == participant:
        events.append(ControlChanged(None))
    events.append(ParticipantLeft(participant, reason))
    return events


def offline_since(state: RoomState) -> dict[ParticipantId, float]:
    """Who is offline and since when: the only candidates for the grace timer."""
    return {
        p.id: since for p in state.participants.values() if (since := p.offline_since) is not None
    }


def next_deadline(offline: Mapping[ParticipantId, float], grace: float) -> float | None:
    """The earliest grace expiry: O(offline), not O(participants) (asked after every input)."""
    if not offline:
        return None
    return min(offline.values()) + grace


def deadlines(
    offline: Mapping[ParticipantId, float], grace: float
) -> list[tuple[float, ParticipantId]]:
    """When each offline participant's grace expires, earliest first (ties by id)."""
    return sorted((since + grace, pid) for pid, since in offline.items())
