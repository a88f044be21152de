"""What a room token's holder holds in its room right now: the one question every HTTP check
asks (DICOMweb reads and uploads, recordings, viewer tokens, TURN credentials).

A token says who its holder is and what they were given when it was minted; the room says
what they hold now. The room wins: a kicked (banned) identity holds nothing, whatever its
token says (``banned``, 403); a member is checked against the grants the room gives them now
(``set_grants`` cuts apply at once); someone the room does not know yet holds what a join
would give them (the grants a moderator set for that identity, else the token's).

Where the room's state comes from: the room hosted on this node (its live state; room-scoped
HTTP of a room on another node is forwarded there, ``server.redis.forward``); else, for the
async question (recordings, which live on the node that wrote them and outlive their room's
moves), the room's durable log (``RoomRegistry.stored_room``: Redis, or this node's store
after a restart); a room found nowhere leaves the token's word.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.appstate import AppState
from server.errors import ApiError
from server.tokens import Claims
from session.errors import ErrorCode
from session.grants import Grant
from session.room import Room

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Member:
    """A room token's holder as its room sees them now."""

    claims: Claims
    grants: frozenset[Grant]  # the room's word, not the token's


def refuse_banned(claims: Claims) -> ApiError:
    return ApiError(ErrorCode.BANNED, f"{claims.sub} was removed from room {claims.room}")


def hosted_grants(state: AppState, claims: Claims) -> frozenset[Grant] | None:
    """The holder's grants in its room if this node hosts it (None: not hosted here); raises
    ``banned``. Synchronous and cheap: called per DICOMweb request."""
    host = state.rooms.get(claims.room)
    if host is None:
        return None
    grants = host.room.standing(claims.sub, claims.effective_grants)
    if grants is None:
        raise refuse_banned(claims)
    return grants


def admitted(state: AppState, claims: Claims) -> Claims:
    """The claims, unless the room hosted here banned their identity (then ``banned``)."""
    hosted_grants(state, claims)
    return claims


async def current_grants(state: AppState, claims: Claims) -> frozenset[Grant]:
    """The holder's grants in its room now, wherever the room is; raises ``banned``, or
    ``unavailable`` when the room's log cannot be read."""
    hosted = hosted_grants(state, claims)
    if hosted is not None:
        return hosted
    grants = await _stored_standing(state, claims)
    if grants is None:
        raise refuse_banned(claims)
    return grants


async def _stored_standing(state: AppState, claims: Claims) -> frozenset[Grant] | None:
    try:
        stored = await state.rooms.stored_room(claims.room)
    except Exception:  # the store's own failures differ by backend (SQLite, Redis)
        log.warning("room %s: its log could not be read", claims.room, exc_info=True)
        raise ApiError(ErrorCode.UNAVAILABLE, "the room's state cannot be read now") from None
    if stored is None:
        return claims.effective_grants  # the room is gone from every store: the token's word
    try:
        room = Room.restore(claims.room, stored.snapshot, stored.events)
    except ValueError:  # a gap in the log: the snapshot alone is the best word there is
        room = Room.restore(claims.room, stored.snapshot, ())
    return room.standing(claims.sub, claims.effective_grants)
