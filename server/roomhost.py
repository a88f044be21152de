"""One room's owner task: the only code that calls its ``Room``, and its fan-out.

Every input (join, leave, a command from a connection, a system command, the room's timer)
goes through one ``asyncio.Queue`` and is applied in order by one task (websockets' sans-I/O
howto: "designed to run sequentially"). Each event is encoded ONCE; inputs that arrive while
the owner is busy or within ``coalesce_s`` are flushed together, and every connection gets the
same frame bytes. Acks and errors go to their sender only, after the events they acknowledge.

One rule the core cannot apply, since it cannot see the study store: a member's
``attach_study`` of a study the room may not see (``server.cases.ownership``) is answered
here with ``study_owned_elsewhere`` and never reaches the core. The check is one indexed
SQLite read, made in the owner task so the command keeps its place among its sender's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from server.connection import Connection, Lean
from server.fastpath import ws_binary_frame
from server.interfaces import MediaSignalling, MemberView, Observer
from server.metrics import Metrics
from server.welcome import Welcomer, resumable
from session.codec import (
    CloseCode,
    SignalFrame,
    encode_ack,
    encode_error,
    encode_frame,
    encode_stamped,
)
from session.commands import AttachStudy, Command
from session.errors import ErrorCode
from session.events import ParticipantLeft, RoomClosed, Stamped
from session.grants import Grant
from session.ids import ParticipantId, RoomId, Uid
from session.room import Outcome, Refusal, Room

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class Join:
    conn: Connection
    resume_from: int | None
    done: asyncio.Future[Refusal | None]


@dataclass(frozen=True, slots=True, eq=False)
class Leave:
    conn: Connection


@dataclass(frozen=True, slots=True, eq=False)
class Submit:
    conn: Connection
    ref: int
    command: Command


@dataclass(frozen=True, slots=True, eq=False)
class Reply:
    """A message for one connection from the edge, in turn with its commands' replies."""

    conn: Connection
    message: bytes


@dataclass(frozen=True, slots=True, eq=False)
class System:
    command: Command
    done: asyncio.Future[Outcome]


@dataclass(frozen=True, slots=True)
class Tick:
    """The room's timer is due (``Room.get_timer``)."""


Input = Join | Leave | Submit | Reply | System | Tick
MayAttach = Callable[[RoomId, Uid], bool]
"""``may_attach(room, study)``: the room owns the study or it is shared with it."""


@dataclass(eq=False)
class _Batch:
    """What one flush sends: shared messages, then per-connection extras (acks/errors)."""

    shared: list[bytes] = field(default_factory=list)
    durable: list[bytes] = field(default_factory=list)  # the shared ones that have a seq
    seq: int | None = None
    direct: dict[Connection, list[bytes]] = field(default_factory=dict)
    after: list[Callable[[], object]] = field(default_factory=list)  # closes, once sent


class LocalRoom:
    """The ``RoomHandle`` of a room this node hosts: its owner task and fan-out."""

    def __init__(
        self,
        room: Room,
        metrics: Metrics,
        *,
        coalesce_s: float,
        resume_max_bytes: int = 512 * 1024,
        media: Callable[[], MediaSignalling | None] = lambda: None,
        on_closed: Callable[[], Coroutine[Any, Any, object]] | None = None,
        durable: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.time,
        may_attach: MayAttach | None = None,
    ) -> None:
        self.room = room
        self._may_attach = may_attach
        self.connections: dict[ParticipantId, Connection] = {}
        self._inbox: asyncio.Queue[Input] = asyncio.Queue()
        self._metrics = metrics
        self._coalesce_s = coalesce_s
        self._media = media
        self._on_closed = on_closed
        self._clock = clock
        self._observers: list[Observer] = []
        self._batch = _Batch()
        self._tasks: set[asyncio.Task[object]] = set()
        self._task: asyncio.Task[None] | None = None
        self._welcomer = Welcomer(room, resume_max_bytes)
        # Awaited before each tick's frames go out (the room's ``LogWriter.barrier``): no
        # client sees an ack or event that a crash could still lose from the room's log.
        self._durable = durable

    # --- public API (any task) --------------------------------------------------------------
    @property
    def room_id(self) -> RoomId:
        return self.room.id

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"room:{self.room.id}")

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    def remove_observer(self, observer: Observer) -> None:
        with contextlib.suppress(ValueError):
            self._observers.remove(observer)

    async def join(self, conn: Connection, resume_from: int | None) -> Refusal | None:
        done: asyncio.Future[Refusal | None] = asyncio.get_running_loop().create_future()
        self._inbox.put_nowait(Join(conn, resume_from, done))
        return await done

    def leave(self, conn: Connection) -> None:
        self._inbox.put_nowait(Leave(conn))

    def submit(self, conn: Connection, ref: int, command: Command) -> None:
        conn.expect_room_reply(self._in_order)  # later edge replies queue behind its ack
        self._inbox.put_nowait(Submit(conn, ref, command))

    def _in_order(self, conn: Connection, message: bytes) -> None:
        """An edge reply (pong, refusal) while ``conn`` has commands in the room: it takes
        its turn in the inbox, so it leaves after their acks and before later ones."""
        conn.expect_room_reply(self._in_order)
        self._inbox.put_nowait(Reply(conn, message))

    def relay_signal(self, conn: Connection, frame: SignalFrame) -> bool:
        """False: this node's SFU serves the room (``RemoteRoom`` relays to the room's node)."""
        return False

    async def system(self, command: Command) -> Outcome:
        """A trusted command from the server itself (admin API, demo set-up)."""
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._inbox.put_nowait(System(command, done))
        return await done

    def member(self, participant: ParticipantId) -> MemberView | None:
        p = self.room.participant(participant)
        if p is None:
            return None
        return MemberView(p.id, p.grants, p.online, p.audio, p.video, p.screen)

    async def stop(self) -> None:
        """Server shutdown: close every connection with 1001 and end the owner task."""
        for conn in self.connections.values():
            conn.close(CloseCode.GOING_AWAY, "server shutting down")
        await self.halt()

    async def halt(self) -> None:
        """End the owner task, connections left open: the room takes no more input (a
        restart hands it to another node before its clients are told to go there)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._inbox.empty():  # nobody waits forever on an input never handled
            _fail(self._inbox.get_nowait(), RuntimeError("server shutting down"))

    # --- owner task -------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            self._process(await self._next_input())
            if self._coalesce_s > 0:
                await asyncio.sleep(self._coalesce_s)
            while not self._inbox.empty():
                self._process(self._inbox.get_nowait())
            if self._durable is not None:
                await self._durable()
            try:
                self._flush()
            except Exception:  # never let one bad flush end the room's owner task
                log.exception("room %s: flush failed", self.room.id)

    async def _next_input(self) -> Input:
        """The next input; the room's timer arrives as a ``Tick`` through the same inbox."""
        deadline = self.room.get_timer()
        if deadline is None:
            return await self._inbox.get()
        delay = max(0.0, deadline - self._clock())
        timer = asyncio.get_running_loop().call_later(delay, self._inbox.put_nowait, Tick())
        try:
            return await self._inbox.get()
        finally:
            timer.cancel()  # a stale Tick that got in anyway is harmless: handle_timer no-ops

    def _process(self, item: Input) -> None:
        started = time.perf_counter()
        try:
            match item:
                case Submit():
                    self._on_submit(item)
                case Reply(conn=conn, message=message):
                    self.reply(conn, message)
                case Join():
                    self._on_join(item)
                case Leave():
                    self._on_leave(item)
                case System():
                    self._on_system(item)
                case Tick():
                    self._emit(self.room.handle_timer(self._clock()).events)
        except Exception as exc:  # a bug in one input must not kill the room for everyone
            log.exception("room %s failed on %s", self.room.id, type(item).__name__)
            _fail(item, exc)
            if isinstance(item, Submit):  # every command gets its reply, even this one
                self.reply(item.conn, encode_error(item.ref, ErrorCode.INTERNAL, "server error"))
        self._metrics.command_seconds.observe(time.perf_counter() - started)

    def _on_submit(self, item: Submit) -> None:
        conn = item.conn
        if self.connections.get(conn.participant) is not conn:
            return  # replaced or kicked meanwhile
        if (refusal := self._attach_refusal(item)) is not None:
            self.reply(conn, refusal)
            self._metrics.errors.labels(code=ErrorCode.STUDY_OWNED_ELSEWHERE.value).inc()
            return
        outcome = self.room.handle(conn.participant, item.command, self._clock())
        if outcome.refusal is not None:
            self.reply(conn, encode_error(item.ref, outcome.refusal.code, outcome.refusal.message))
            self._metrics.errors.labels(code=outcome.refusal.code.value).inc()
            return
        self._emit(outcome.events)
        seqs = [s.seq for s in outcome.events if s.seq is not None]
        self.reply(conn, encode_ack(item.ref, seqs[-1] if seqs else None))

    def _attach_refusal(self, item: Submit) -> bytes | None:
        """The error for an ``attach_study`` of a study this room may not see. A closed
        room, a sender without ``manage_case`` and a study attached already are the core's
        to answer (``room_closed``, ``forbidden``, ``conflict``), as before."""
        command = item.command
        if self._may_attach is None or not isinstance(command, AttachStudy) or self.room.closed:
            return None
        member = self.room.participant(item.conn.participant)
        if member is None or Grant.MANAGE_CASE not in member.grants:
            return None
        if command.uid in self.room.snapshot().state.studies:
            return None
        if self._may_attach(self.room.id, command.uid):
            return None
        message = (
            f"study {command.uid} is not available to this room: it was not imported, pulled"
            " or uploaded here, nor shared with this room"
        )
        return encode_error(item.ref, ErrorCode.STUDY_OWNED_ELSEWHERE, message)

    def _on_join(self, item: Join) -> None:
        conn = item.conn
        ident = conn.identity
        self._replace(ident.participant)
        outcome = self.room.join(
            ident.participant, ident.name, ident.role, ident.grants, self._clock()
        )
        if outcome.refusal is not None:
            item.done.set_result(outcome.refusal)
            return
        self._emit(outcome.events)
        resume_from = resumable(item.resume_from, outcome.events, ident.participant)
        item = dataclasses.replace(item, resume_from=resume_from)  # a newcomer: a snapshot
        # Admitted once this tick's frame is out: the joiner's snapshot then holds every event
        # the others got in that frame, and the joiner receives every later one.
        self._batch.after.append(lambda: self._admit(item))

    def _admit(self, item: Join) -> None:
        conn = item.conn
        self._replace(conn.participant)  # a second join of the same identity in one tick
        welcome = self._welcomer.messages(conn.identity, item.resume_from, self._clock())
        if welcome is None:  # removed again within the same tick
            item.done.set_result(Refusal(ErrorCode.FORBIDDEN, "no longer in this room"))
            return
        messages, seq = welcome
        frame = encode_frame(messages)
        conn.enqueue(frame, seq=seq, ephemeral=False, messages=len(messages), bounded=False)
        self.connections[conn.participant] = conn
        self._metrics.connections.inc()
        item.done.set_result(None)

    def _replace(self, participant: ParticipantId) -> None:
        old = self.connections.pop(participant, None)
        if old is not None:
            old.close(CloseCode.REPLACED, "replaced by a newer connection", drain=False)
            self._metrics.connections.dec()
            self._notify_leave(participant)

    def _on_leave(self, item: Leave) -> None:
        conn = item.conn
        if self.connections.get(conn.participant) is not conn:
            return
        del self.connections[conn.participant]
        self._metrics.connections.dec()
        self._emit(self.room.disconnect(conn.participant, self._clock()).events)
        self._notify_leave(conn.participant)

    def _on_system(self, item: System) -> None:
        outcome = self.room.handle_system(item.command, self._clock())
        self._emit(outcome.events)
        item.done.set_result(outcome)

    # --- fan-out ----------------------------------------------------------------------------
    def reply(self, conn: Connection, message: bytes) -> None:
        """A message for one connection, sent after this tick's shared events."""
        self._batch.direct.setdefault(conn, []).append(message)

    def _emit(self, events: tuple[Stamped, ...]) -> None:
        batch = self._batch
        for stamped in events:
            message = encode_stamped(stamped)
            batch.shared.append(message)
            if stamped.seq is not None:
                batch.seq = stamped.seq
                batch.durable.append(message)
            self._notify_observers(stamped, message)
            self._react(stamped)
        self._metrics.events.inc(len(events))

    def _flush(self) -> None:
        batch, self._batch = self._batch, _Batch()
        replied = [(conn, len(extra)) for conn, extra in batch.direct.items()]
        frames = messages = 0
        if batch.shared:
            frames, messages = self._fan_out(batch)
        for conn, extra in batch.direct.items():
            conn.enqueue(encode_frame(extra), seq=None, ephemeral=False, messages=len(extra))
            frames, messages = frames + 1, messages + len(extra)
        if frames:  # counted once per flush, not per connection (a hot path)
            self._metrics.frames_sent.inc(frames)
            self._metrics.messages_sent.inc(messages)
        for conn, count in replied:  # the acks are queued: held edge replies follow them
            conn.room_replied(count)
        for action in batch.after:
            action()

    def _fan_out(self, batch: _Batch) -> tuple[int, int]:
        """The tick's shared frame to every connection: encoded and framed once, the same
        bytes for all; a connection with acks or errors due gets them appended."""
        shared, durable = batch.shared, batch.durable
        frame = encode_frame(shared)
        wire = ws_binary_frame(frame)
        count, seq, ephemeral = len(shared), batch.seq, not durable
        lean = _lean(shared, durable)
        direct, messages = batch.direct, 0
        for conn in list(self.connections.values()):
            extra = direct.pop(conn, None) if direct else None
            if extra is None:
                conn.enqueue(
                    frame, seq=seq, ephemeral=ephemeral, messages=count, wire=wire, lean=lean
                )
            else:
                own, own_lean = shared + extra, _lean(shared + extra, durable + extra)
                conn.enqueue(
                    encode_frame(own), seq=seq, ephemeral=False, messages=len(own), lean=own_lean
                )
                messages += len(extra)
        return len(self.connections), messages + count * len(self.connections)

    def _notify_observers(self, stamped: Stamped, message: bytes) -> None:
        for observer in self._observers:
            try:
                observer(stamped, message)
            except Exception:  # an observer must never harm its subject
                log.exception("observer %r failed on seq %s", observer, stamped.seq)

    # --- consequences the edge must carry out -----------------------------------------------
    def _react(self, stamped: Stamped) -> None:
        match stamped.event:
            case ParticipantLeft(participant=who, reason=reason):
                self._drop_member(who, reason)
            case RoomClosed(reason=reason):
                self._close_room(reason)
            case _:
                pass

    def _drop_member(self, who: ParticipantId, reason: str) -> None:
        # Evicted after this tick's frame is queued (close drains): the client sees why.
        self._batch.after.append(lambda: self._evict(who, reason))
        self._notify_leave(who)

    def _evict(self, who: ParticipantId, reason: str) -> None:
        conn = self.connections.pop(who, None)
        if conn is not None:
            self._metrics.connections.dec()
            code = CloseCode.KICKED if reason == "kicked" else CloseCode.NORMAL
            conn.close(code, reason)

    def _close_room(self, reason: str) -> None:
        self._batch.after.append(lambda: self._close_all(CloseCode.ROOM_CLOSED, reason))
        media = self._media()
        if media is not None:
            self._spawn(media.on_room_closed(self.room.id))
        if self._on_closed is not None:
            self._spawn(self._on_closed())

    def _close_all(self, code: int, reason: str) -> None:
        for conn in self.connections.values():
            conn.close(code, reason or "room closed")
        self._metrics.connections.dec(len(self.connections))
        self.connections.clear()

    def _notify_leave(self, who: ParticipantId) -> None:
        media = self._media()
        if media is not None:
            self._spawn(media.on_leave(self.room.id, who))

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("room %s: background task failed", self.room.id, exc_info=task.exception())


def _lean(messages: list[bytes], kept: list[bytes]) -> Lean | None:
    """The frame of ``messages`` minus the ephemeral ones, if it mixes both kinds."""
    if not kept or len(kept) == len(messages):
        return None
    return Lean(encode_frame(kept), len(messages) - len(kept))


def _fail(item: Input, exc: Exception) -> None:
    """Whoever awaits this input must not hang because handling it failed."""
    if isinstance(item, Join) and not item.done.done():
        item.done.set_result(Refusal(ErrorCode.INTERNAL, "the room failed to admit you"))
    elif isinstance(item, System) and not item.done.done():
        item.done.set_exception(exc)


RoomHost = LocalRoom  # the name other branches still use
