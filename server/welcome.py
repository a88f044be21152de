"""What a joining connection gets first: the welcome, then a snapshot or the missed events.

Join storms (a class of trainees joining at once) threaten O(N²) work: every welcome carries
a snapshot listing every participant, and every join changes the room. ``Welcomer`` keeps
one snapshot and its encoded state until the room's next durable event (joiners of one tick
share it), and ``StateEncoder`` encodes each participant once and reuses the bytes while that
participant is unchanged, so a new snapshot costs the encoding of what changed plus a byte
join, not an encoding of everyone.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import msgpack

from server.connection import Identity
from session.codec import codec_limits, encode_stamped, encode_welcome, state_to_wire
from session.events import ParticipantJoined, Stamped
from session.ids import ParticipantId
from session.room import Room, Snapshot
from session.state import Participant, RoomState
from session.wire_schema import to_wire

_NIL_SNAPSHOT = msgpack.packb("snapshot") + b"\xc0"


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def _map_header(size: int) -> bytes:
    if size < 16:
        return bytes((0x80 | size,))
    if size < 1 << 16:
        return b"\xde" + size.to_bytes(2, "big")
    return b"\xdf" + size.to_bytes(4, "big")


class StateEncoder:
    """``packb(state_to_wire(state))``, byte for byte, with participants' entries cached.

    A participant is a frozen value replaced whole when it changes, so an entry encoded for
    the same object is still right. msgpack maps are plain key/value concatenations, so the
    cached entries are joined under a map header.
    """

    def __init__(self) -> None:
        self._entries: dict[ParticipantId, tuple[Participant, bytes]] = {}
        self.encoded = 0  # participant entries encoded so far: O(changes), not O(N) per join

    def encode(self, state: RoomState) -> bytes:
        rest = state_to_wire(dataclasses.replace(state, participants={}))
        parts = [_map_header(len(rest))]
        for key, value in rest.items():
            parts.append(_pack(key))
            if key == "participants":
                parts.append(self._participants(state.participants))
            else:
                parts.append(_pack(value))
        return b"".join(parts)

    def _participants(self, participants: dict[ParticipantId, Participant]) -> bytes:
        entries: dict[ParticipantId, tuple[Participant, bytes]] = {}
        for pid, participant in participants.items():
            cached = self._entries.get(pid)
            if cached is None or cached[0] is not participant:
                cached = (participant, _pack(pid) + _pack(to_wire(participant)))
                self.encoded += 1
            entries[pid] = cached
        self._entries = entries  # leavers' entries go
        return _map_header(len(entries)) + b"".join(entry for _, entry in entries.values())


class Welcomer:
    def __init__(self, room: Room, resume_max_bytes: int) -> None:
        self._room = room
        self._resume_max_bytes = resume_max_bytes
        self._snap: Snapshot | None = None
        self._state_bytes: bytes | None = None
        self.encoder = StateEncoder()

    def snapshot(self) -> Snapshot:
        """The room's snapshot, shared until the next durable event."""
        if self._snap is None or self._snap.seq != self._room.seq:
            self._snap = self._room.snapshot()
            self._state_bytes = None
        return self._snap

    def messages(
        self, ident: Identity, resume_from: int | None, now: float
    ) -> tuple[list[bytes], int] | None:
        """Welcome + missed events when the log still has them (and they are not too many),
        else welcome with a snapshot. None: the participant is no longer in the room."""
        missed = self.missed(resume_from)
        snap = self.snapshot()
        member = snap.state.participants.get(ident.participant)
        if member is None:
            return None
        encode = functools.partial(
            encode_welcome,
            room=self._room.id,
            you=ident.participant,
            role=member.role,
            grants=member.grants,
            seq=snap.seq,
            at=now,
            limits=codec_limits(),
        )
        welcome = encode(snapshot=None)
        if missed is None:
            welcome = self._with_state(welcome, snap) or encode(snapshot=snap)
        return [welcome, *(missed or ())], snap.seq

    def missed(self, resume_from: int | None) -> list[bytes] | None:
        """The encoded events after ``resume_from``; None: too old, too many, or no resume."""
        events = None if resume_from is None else self._room.events_since(resume_from)
        if events is None:
            return None
        encoded, size = [], 0
        for stamped in events:
            encoded.append(encode_stamped(stamped))
            size += len(encoded[-1])
            if size > self._resume_max_bytes:
                return None  # a snapshot is smaller than this many events
        return encoded

    def _with_state(self, welcome: bytes, snap: Snapshot) -> bytes | None:
        """Splice the cached encoded state in place of the trailing ``"snapshot": nil``.

        msgpack maps are plain key/value concatenations, so this equals what
        ``encode_welcome(snapshot=snap)`` produces. None if the codec ever stops putting the
        snapshot last (then the caller encodes it in full).
        """
        if not welcome.endswith(_NIL_SNAPSHOT):
            return None
        if self._state_bytes is None:
            self._state_bytes = self.encoder.encode(snap.state)
        return welcome[:-1] + self._state_bytes


def resumable(
    resume_from: int | None, join_events: tuple[Stamped, ...], who: ParticipantId
) -> int | None:
    """The ``resume_from`` worth honouring for a join that produced ``join_events``.

    Only a member coming back (online again within its grace) can hold this room's state; a
    join that makes ``who`` a member anew (``participant_joined``: a first-time identity, or
    one whose grace ran out) gets a snapshot whatever it claims (docs/protocol.md, Resume).
    """
    for stamped in join_events:
        event = stamped.event
        if isinstance(event, ParticipantJoined) and event.participant == who:
            return None
    return resume_from
