"""The room: a pure, synchronous state machine (sans-I/O, like websockets' protocol layer).

Inputs are method calls carrying the current time ``now`` (seconds since the epoch):
``join``, ``disconnect``, ``handle`` (a participant's command) and ``handle_timer``.
Each returns an ``Outcome``: the stamped events to fan out (already applied to the state and
appended to the bounded log) and, for a refused command, a ``Refusal`` for the sender only.
A refused command changes nothing.

CONTRACT STUB — the implementation is being written; signatures are fixed.
"""

from dataclasses import dataclass, field

from session.commands import Command
from session.errors import ErrorCode
from session.events import Stamped
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.state import RoomState


@dataclass(frozen=True, slots=True)
class Refusal:
    code: ErrorCode
    message: str


@dataclass(frozen=True, slots=True)
class Outcome:
    events: tuple[Stamped, ...] = ()
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The full room state as of ``seq`` (a deep, independent copy)."""

    seq: int
    at: float
    state: RoomState = field(repr=False)


class Room:
    def __init__(
        self,
        room_id: RoomId,
        *,
        title: str = "",
        now: float,
        log_size: int = 4096,
        offline_grace: float = 60.0,
    ) -> None: ...

    @property
    def id(self) -> RoomId: ...
    @property
    def seq(self) -> int: ...
    @property
    def closed(self) -> bool: ...

    def join(
        self,
        participant: ParticipantId,
        name: str,
        role: Role,
        grants: frozenset[Grant] | None,
        now: float,
    ) -> Outcome: ...

    def disconnect(self, participant: ParticipantId, now: float) -> Outcome: ...

    def handle(self, sender: ParticipantId, command: Command, now: float) -> Outcome: ...

    def get_timer(self) -> float | None: ...

    def handle_timer(self, now: float) -> Outcome: ...

    def snapshot(self) -> Snapshot: ...

    def events_since(self, seq: int) -> tuple[Stamped, ...] | None: ...

    @classmethod
    def restore(
        cls, room_id: RoomId, snapshot: Snapshot, events: tuple[Stamped, ...], **kwargs: float
    ) -> "Room": ...
