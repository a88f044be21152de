"""The room: a pure, synchronous state machine (sans-I/O, like websockets' protocol layer).

Inputs are method calls carrying the current time ``now`` (seconds since the epoch):
``join``, ``disconnect``, ``leave``, ``handle`` (a participant's command), ``handle_system``
(the trusted server's command) and ``handle_timer``. Each returns an ``Outcome``: the stamped
events to fan out (already applied to the state and appended to the bounded log) and, for a
refused command, a ``Refusal`` for the sender only. A refused command changes nothing.

Decisions (``session.rules_*``, ``session.presence``) only read the state and return events;
``session.reducer.apply`` is the only code that changes it. So a snapshot plus the logged
events rebuild the room exactly (``Room.restore``), on a failover node or in playback.

Event times never go backwards: an event is stamped with ``max(now, previous stamp)``.

Choices the rules make (clients and docs rely on them):

- Order of checks: room closed → sender known → grant / control → referenced thing exists
  (``not_found``) → values make sense (``bad_request``) → state allows it (``conflict``).
- Every accepted command yields at least one event; a command that would change nothing is
  refused with ``conflict`` (asking for control twice, granting it to the driver, setting
  recording to its current value). Idempotent setters (following, hands, view) just re-emit.
- Consequences come before the fact, so the state is consistent after every single event:
  ``ControlChanged(None)`` precedes a driver's ``ParticipantLeft`` or losing-DRIVE
  ``GrantsChanged``; ``RecordingChanged(False)`` precedes ``RoomClosed``; a layout that drops
  the active viewport is followed by ``ActiveViewportChanged(0)``.
- An offline participant keeps everything (control included) until the grace expires; only
  leaving (``leave``, kick, timeout) releases control. Releasing control does not hand it to
  the queue: the driver or a moderator grants it (``GrantControl``).
- A room with no study attached shows any image; once one is attached, images and new
  annotations must be in an attached study (and series, if the study lists some).
- Detaching a study a viewport shows is refused (``conflict``); otherwise its annotations are
  deleted with it (``AnnotationDeleted`` each, then ``StudyDetached``).
- Update/delete of an annotation: its author holding ANNOTATE, or any MODERATE holder.
- ``Kick.reason`` is not carried: the event says ``reason="kicked"``.
- A kick bans the identity: ``ParticipantLeft("kicked")`` then ``BanChanged(banned=True)``;
  its joins (any token) are refused with ``banned`` until ``LiftBan``.
- A returning participant keeps the room's name, role and grants (a moderator may have
  changed them); the token's are used only on first join. Grants a moderator set outlive
  the participant (``RoomState.granted``): a rejoin after the grace or a lifted ban gets them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from session.checks import SYSTEM, Actor
from session.commands import (
    AttachStudy,
    CloseRoom,
    Command,
    CreateAnnotation,
    DeleteAnnotation,
    DetachStudy,
    GrantControl,
    Kick,
    LiftBan,
    LowerHand,
    MovePointer,
    MuteParticipant,
    PostChat,
    RaiseHand,
    ReleaseControl,
    RequestControl,
    SetActiveViewport,
    SetCine,
    SetFollowing,
    SetGrants,
    SetImage,
    SetInvert,
    SetKeyImage,
    SetLayout,
    SetMedia,
    SetMpr,
    SetPresentation,
    SetRecording,
    SetVoi,
    SetWatermark,
    TakeControl,
    UpdateAnnotation,
    WithdrawControlRequest,
)
from session.errors import ErrorCode, Rejected
from session.events import Event, ParticipantLeft, PointerMoved, PresenceChanged, Stamped
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId, Uid
from session.log import DEFAULT_LOG_SIZE, EventLog
from session.model import Study
from session.presence import (
    deadlines,
    decide_disconnect,
    decide_join,
    decide_leave,
    next_deadline,
    offline_since,
    standing,
)
from session.reducer import apply
from session.rules_annotations import decide_annotation
from session.rules_case import decide_case
from session.rules_control import decide_control
from session.rules_options import decide_watermark
from session.rules_review import decide_key_image
from session.rules_social import decide_social
from session.rules_view import decide_view
from session.state import Participant, RoomState

DEFAULT_OFFLINE_GRACE = 60.0


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
    """The full room state as of ``seq`` (a deep, independent copy).

    ``at`` is the stamp of the newest durable event (or the room's creation time).
    """

    seq: int
    at: float
    state: RoomState = field(repr=False)


def decide(state: RoomState, actor: Actor, command: Command) -> list[Event]:  # noqa: PLR0911
    """The events a command yields, or ``Rejected``; reads the state, never changes it.

    One case per family of commands, each handled by its ``session.rules_*`` module."""
    match command:
        case (
            SetLayout()
            | SetActiveViewport()
            | SetImage()
            | SetVoi()
            | SetPresentation()
            | SetInvert()
            | SetCine()
            | SetMpr()
        ):
            return decide_view(state, actor, command)
        case (
            RequestControl()
            | GrantControl()
            | ReleaseControl()
            | TakeControl()
            | SetFollowing()
            | WithdrawControlRequest()
        ):
            return decide_control(state, actor, command)
        case CreateAnnotation() | UpdateAnnotation() | DeleteAnnotation():
            return decide_annotation(state, actor, command)
        case (
            MovePointer() | PostChat() | RaiseHand() | LowerHand() | SetMedia() | MuteParticipant()
        ):
            return decide_social(state, actor, command)
        case SetKeyImage():
            return decide_key_image(state, actor, command)
        case (
            SetGrants()
            | Kick()
            | LiftBan()
            | CloseRoom()
            | AttachStudy()
            | DetachStudy()
            | SetRecording()
        ):
            return decide_case(state, actor, command)
        case SetWatermark():
            return decide_watermark(state, actor, command)
        case _:
            raise Rejected(ErrorCode.UNKNOWN_COMMAND, f"unknown command {type(command).__name__}")


class Room:
    def __init__(
        self,
        room_id: RoomId,
        *,
        title: str = "",
        now: float,
        log_size: int = DEFAULT_LOG_SIZE,
        offline_grace: float = DEFAULT_OFFLINE_GRACE,
    ) -> None:
        self._state = RoomState(room_id, title=title)
        self._log = EventLog(log_size)
        self._at = now  # the newest durable event's stamp (or the creation time)
        self._clock = now  # the newest stamp of any event: stamps never go backwards
        self._grace = offline_grace
        # Who is offline since when, kept in step with the state by ``_track``: the timer
        # looks at these few, not at every participant after every input.
        self._offline: dict[ParticipantId, float] = {}

    @property
    def id(self) -> RoomId:
        return self._state.room_id

    @property
    def seq(self) -> int:
        return self._log.last_seq

    @property
    def closed(self) -> bool:
        return self._state.closed

    @property
    def title(self) -> str:
        return self._state.title

    @property
    def watermark(self) -> bool:
        """Whether the room marks its images with each viewer's identity."""
        return self._state.watermark

    @property
    def studies(self) -> Mapping[Uid, Study]:
        """The attached studies, read-only and live (no copy: cheap for per-request checks)."""
        return MappingProxyType(self._state.studies)

    def participant(self, participant: ParticipantId) -> Participant | None:
        """A participant as the room knows them (read-only value), or None."""
        return self._state.participants.get(participant)

    def standing(
        self, participant: ParticipantId, token_grants: frozenset[Grant]
    ) -> frozenset[Grant] | None:
        """What an identity holds here now: None if banned, else its grants (a member's,
        those a moderator set for it, else ``token_grants``). Cheap: no copy."""
        return standing(self._state, participant, token_grants)

    # --- inputs ------------------------------------------------------------------------------
    def join(
        self,
        participant: ParticipantId,
        name: str,
        role: Role,
        grants: frozenset[Grant] | None,
        now: float,
    ) -> Outcome:
        """Admit a participant (the token was checked at the edge); ``grants`` None: role's."""
        return self._run(
            participant, now, lambda: decide_join(self._state, participant, name, role, grants)
        )

    def disconnect(self, participant: ParticipantId, now: float) -> Outcome:
        """The participant's connection dropped: offline until they return or grace expires."""
        return self._run(participant, now, lambda: decide_disconnect(self._state, participant))

    def leave(self, participant: ParticipantId, now: float) -> Outcome:
        """The participant left on purpose (no grace period)."""
        return self._run(participant, now, lambda: decide_leave(self._state, participant, "left"))

    def handle(self, sender: ParticipantId, command: Command, now: float) -> Outcome:
        return self._run(sender, now, lambda: decide(self._state, self._actor(sender), command))

    def handle_system(self, command: Command, now: float) -> Outcome:
        """A command from the trusted server: every grant, no control needed, ``by`` None.

        Commands that need a sender (control, annotations, pointer, chat, hands, media)
        are refused with ``bad_request``.
        """
        return self._run(None, now, lambda: decide(self._state, SYSTEM, command))

    def get_timer(self) -> float | None:
        """When ``handle_timer`` next has work: the earliest offline grace expiry, or None."""
        return None if self.closed else next_deadline(self._offline, self._grace)

    def handle_timer(self, now: float) -> Outcome:
        """Remove offline participants whose grace has expired (``reason="timeout"``)."""
        if self.closed:
            return Outcome()
        stamped: list[Stamped] = []
        for deadline, participant in deadlines(self._offline, self._grace):
            if deadline <= now:
                events = decide_leave(self._state, participant, "timeout")
                stamped.extend(self._emit(events, None, now))
        return Outcome(tuple(stamped))

    # --- outputs -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return Snapshot(self.seq, self._at, self._state.copy())

    def events_since(self, seq: int) -> tuple[Stamped, ...] | None:
        """Durable events after ``seq``; ``()`` if current; None: send a fresh snapshot."""
        return self._log.events_since(seq)

    @classmethod
    def restore(
        cls, room_id: RoomId, snapshot: Snapshot, events: tuple[Stamped, ...], **kwargs: float
    ) -> "Room":
        """Rebuild a room from a snapshot and the durable events logged after it.

        Events at or before the snapshot's seq and ephemeral ones are skipped; a gap raises
        ``ValueError``. ``kwargs``: ``log_size`` and ``offline_grace`` as for ``Room()``.
        """
        if snapshot.state.room_id != room_id:
            raise ValueError(f"snapshot is of room {snapshot.state.room_id!r}, not {room_id!r}")
        options = dict(kwargs)
        log_size = int(options.pop("log_size", DEFAULT_LOG_SIZE))
        grace = options.pop("offline_grace", DEFAULT_OFFLINE_GRACE)
        if options:
            raise TypeError(f"unexpected options: {sorted(options)}")
        room = cls(room_id, now=snapshot.at, log_size=log_size, offline_grace=grace)
        room._state = snapshot.state.copy()
        room._offline = offline_since(room._state)
        room._log = EventLog(log_size, snapshot.seq)
        for stamped in events:
            room.replay(stamped)
        return room

    def replay(self, stamped: Stamped) -> None:
        """Apply an event another room instance emitted (a follower keeping up, playback)."""
        if stamped.seq is None or stamped.seq <= self.seq:
            return  # ephemeral, or already part of this state
        self._log.append(stamped)  # raises ValueError on a gap, before any change
        apply(self._state, stamped)
        self._track(stamped.event)
        self._at = max(self._at, stamped.at)
        self._clock = max(self._clock, self._at)

    # --- internals ---------------------------------------------------------------------------
    def _actor(self, sender: ParticipantId) -> Actor:
        participant = self._state.participants.get(sender)
        if participant is None:
            raise Rejected(ErrorCode.FORBIDDEN, f"{sender!r} is not in this room")
        return Actor(participant)

    def _run(
        self, by: ParticipantId | None, now: float, decide_events: Callable[[], list[Event]]
    ) -> Outcome:
        try:
            if self.closed:
                raise Rejected(ErrorCode.ROOM_CLOSED, "the room is closed")
            events = decide_events()
        except Rejected as refused:
            return Outcome(refusal=Refusal(refused.code, refused.message))
        return Outcome(self._emit(events, by, now))

    def _emit(
        self, events: list[Event], by: ParticipantId | None, now: float
    ) -> tuple[Stamped, ...]:
        """Stamp, apply and log each event in order."""
        clock = self._clock = max(self._clock, now)
        return tuple(self._stamp(event, by, clock) for event in events)

    def _stamp(self, event: Event, by: ParticipantId | None, at: float) -> Stamped:
        if isinstance(event, PointerMoved):
            return Stamped(None, at, by, event)  # ephemeral: no seq, not logged
        self._at = at
        stamped = Stamped(self.seq + 1, at, by, event)
        self._log.append(stamped)
        apply(self._state, stamped)
        self._track(event)
        return stamped

    def _track(self, event: Event) -> None:
        """Keep ``_offline`` in step: only presence changes and leaves change who is offline."""
        if not isinstance(event, PresenceChanged | ParticipantLeft):
            return
        who = event.participant
        participant = self._state.participants.get(who)
        since = None if participant is None else participant.offline_since
        if since is None:
            self._offline.pop(who, None)
        else:
            self._offline[who] = since
