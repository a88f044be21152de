"""What a joining connection gets first: the welcome, then a snapshot or the missed events.

Join storms (a class of trainees joining at once) make this O(N²): every welcome carries a
snapshot listing every participant. ``Welcomer`` keeps one snapshot and its encoded state
until the room's next durable event, so each joiner costs a small map plus a byte copy.
"""

from __future__ import annotations

import functools

import msgpack

from server.connection import Identity
from session.codec import codec_limits, encode_stamped, encode_welcome, state_to_wire
from session.room import Room, Snapshot

_NIL_SNAPSHOT = msgpack.packb("snapshot") + b"\xc0"


class Welcomer:
    def __init__(self, room: Room, resume_max_bytes: int) -> None:
        self._room = room
        self._resume_max_bytes = resume_max_bytes
        self._snap: Snapshot | None = None
        self._state_bytes: bytes | None = None

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
            self._state_bytes = msgpack.packb(state_to_wire(snap.state), use_bin_type=True)
        return welcome[:-1] + self._state_bytes
