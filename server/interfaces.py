"""Narrow seams between the server and what plugs into it.

Each interface has a handful of methods (livekit's ``MessageSink`` style) and an in-memory
implementation (``server.memory``) beside the Redis one (``server.redis``); the composition
root (``server.app``) picks the implementations. The cluster seam itself is
``server.cluster.Cluster``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from session.events import Stamped
from session.grants import Grant
from session.ids import ParticipantId, RoomId

if TYPE_CHECKING:
    from server.connection import Connection
    from session.codec import SignalFrame
    from session.commands import Command
    from session.room import Refusal, Snapshot


class RoomExists(Exception):
    """``RoomDirectory.create`` with an id that is taken."""


@dataclass(frozen=True, slots=True)
class RoomInfo:
    """A room's metadata (the live state is in its ``session.room.Room``)."""

    id: RoomId
    title: str
    created_at: float
    closed: bool = False


class RoomDirectory(Protocol):
    """Which rooms exist. Memory: ``server.memory.MemoryRoomDirectory``; Redis:
    ``server.redis.directory.RedisRoomDirectory``."""

    async def create(self, info: RoomInfo) -> RoomInfo: ...  # raises RoomExists
    async def get(self, room_id: RoomId) -> RoomInfo | None: ...
    async def list(self) -> list[RoomInfo]: ...
    async def close(self, room_id: RoomId) -> RoomInfo | None: ...


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """What a ``RoomLog`` holds for one room: its newest snapshot and the durable events after
    it, enough for ``Room.restore`` (on a failover node or after a restart)."""

    snapshot: Snapshot
    events: tuple[Stamped, ...]


class LogLost(Exception):
    """A ``RoomLog`` refused a write because another node owns the room now."""


class RoomLog(Protocol):
    """Durable room state: an append-only log of durable events plus a periodic snapshot.

    Memory: ``server.memory.MemoryRoomLog``; Redis: ``server.redis.roomlog.RedisRoomLog``
    (a stream and a key per room, hash-tagged ``{room:<id>}``).
    """

    async def append(self, room_id: RoomId, entries: Sequence[tuple[int, bytes]]) -> None:
        """Append ``(seq, encode_stamped bytes)`` in seq order; a seq already logged is skipped.

        Raises ``LogLost`` when the room is another node's now."""

    async def save_snapshot(self, room_id: RoomId, snapshot: Snapshot) -> None:
        """Store the snapshot; events at or before its seq may then be dropped."""

    async def load(self, room_id: RoomId) -> StoredRoom | None: ...
    async def last_seq(self, room_id: RoomId) -> int:
        """The newest seq held (snapshot or event); 0: nothing (or the store lost it)."""


Observer = Callable[[Stamped, bytes], None]
"""Sees every event a room emits with its encoded message bytes (recorder, SFU).

Called on the room's owner task: it must be quick and must not block (queue work elsewhere).
An exception is logged and ignored; it never harms the room.
"""


@dataclass(frozen=True, slots=True)
class MemberView:
    """What the room currently says about one participant (for the SFU's checks)."""

    participant: ParticipantId
    grants: frozenset[Grant]
    online: bool
    audio: bool = False
    video: bool = False
    screen: bool = False


class SignalPeer(Protocol):
    """The side of one room connection the media layer sees."""

    @property
    def room_id(self) -> RoomId: ...
    @property
    def participant(self) -> ParticipantId: ...

    def send(self, message: bytes) -> None:
        """Queue ONE encoded server message (e.g. ``codec.encode_signal(...)``) to this client.

        Never blocks; the connection frames it and applies its send-queue policy.
        """

    def member(self) -> MemberView | None:
        """The room's current view of this participant (grants, media flags), or None if gone."""


class SignalFrameLike(Protocol):
    """``session.codec.SignalFrame``: ``rtc_offer`` / ``rtc_answer`` from a client."""

    @property
    def ref(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def sdp(self) -> str: ...


class MediaSignalling(Protocol):
    """Implemented by the SFU (``server/sfu``); set on ``AppState.media`` by its lifespan hook.

    ``on_leave`` may be called more than once for one departure (connection closed, then the
    participant left the room): implementations must be idempotent.
    """

    async def on_signal(self, conn: SignalPeer, frame: SignalFrameLike) -> None: ...
    async def on_leave(self, room_id: RoomId, participant: ParticipantId) -> None: ...
    async def on_room_closed(self, room_id: RoomId) -> None: ...


class RoomHandle(Protocol):
    """What ``server.ws`` talks to for one room: ``server.roomhost.LocalRoom`` when this node
    hosts it, ``server.redis.bridge.RemoteRoom`` when another node does."""

    @property
    def room_id(self) -> RoomId: ...

    async def join(self, conn: Connection, resume_from: int | None) -> Refusal | None:
        """Admit the connection (its welcome is queued on it), or say why not."""

    def leave(self, conn: Connection) -> None: ...
    def submit(self, conn: Connection, ref: int, command: Command) -> None: ...

    def relay_signal(self, conn: Connection, frame: SignalFrame) -> bool:
        """True when the frame went to the room's own node; False: this node's SFU serves it."""

    def member(self, participant: ParticipantId) -> MemberView | None:
        """The room's view of a participant, when its state is on this node."""
