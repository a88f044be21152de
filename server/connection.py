"""One client connection: a bounded send queue and the writer task that drains it.

The room's owner task never awaits a socket: it ``enqueue``s pre-built frames (shared bytes)
and moves on, so a stalled reader can never delay the room or the other clients. While the
socket keeps up and nothing is queued, a frame is written at once (``FrameSink.write_now``,
see ``server.fastpath``); otherwise it waits in the queue for the writer task. Under
pressure the queue first drops frames that carry only ephemeral messages (pointer moves);
if it is still over its bounds the connection is closed with 4009 and a
``resume_from=<last seq written>`` hint, from which the client resumes without loss. That close
frame is written straight away (``FrameSink.close_now``), before the queue is dropped: a stalled
writer task would hold it back until the peer read again, and the member would stay online.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from server.interfaces import MemberView
from server.metrics import Metrics
from server.ratelimit import RateLimiter
from server.settings import Limits
from session.codec import CloseCode, encode_frame, too_slow_reason
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId

log = logging.getLogger(__name__)


class FrameSink(Protocol):
    """Where frames go: a WebSocket (``server.ws``) or a recording fake in tests."""

    async def send_bytes(self, data: bytes) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...

    def write_now(self, frame: bytes, wire: bytes | None) -> bool:
        """Write without waiting if the socket keeps up (``wire``: the pre-built WebSocket
        frame of ``frame``, if the caller has one); False: queue it for ``send_bytes``."""


@runtime_checkable
class ClosesNow(Protocol):
    """A sink that can close at once (``server.ws``); others close from the writer task."""

    def close_now(self, code: int, reason: str) -> bool:
        """Write the close frame at once, even to a stalled peer, and end the reading side;
        False: not possible now, ``close`` from the writer task instead."""


@dataclass(frozen=True, slots=True)
class Identity:
    room_id: RoomId
    participant: ParticipantId
    name: str
    role: Role
    grants: frozenset[Grant] | None


@dataclass(frozen=True, slots=True)
class Lean:
    """A mixed frame without its ephemeral messages: what is left of it under pressure."""

    frame: bytes
    dropped: int  # ephemeral messages it leaves out


@dataclass(frozen=True, slots=True)
class _Item:
    frame: bytes
    seq: int | None  # highest durable seq inside, None if none
    ephemeral: bool  # only ephemeral messages inside: the first to drop
    messages: int
    counted: bool  # counts against the byte bound (the welcome frame does not)
    lean: Lean | None = None  # mixed frame: shrinks to this before anything durable goes


class Connection:
    def __init__(
        self,
        sink: FrameSink,
        identity: Identity,
        limits: Limits,
        metrics: Metrics,
        *,
        now: float,
        member_lookup: Callable[[], MemberView | None] = lambda: None,
    ) -> None:
        self.sink = sink
        self.identity = identity
        self.limiter = RateLimiter(limits, now)
        self.metrics = metrics
        self._max_items = limits.send_queue_messages
        self._max_bytes = limits.send_queue_bytes
        self._items: deque[_Item] = deque()
        self._bytes = 0
        self._wake = asyncio.Event()
        self._member_lookup = member_lookup
        self.last_seq_written = 0
        self.close_code: int | None = None
        self.close_reason = ""
        self._writing = False  # the writer task is inside sink.send_bytes
        self._abort_write = False
        self._closed_now = False  # the close frame went out from ``close``, not the writer
        self._awaiting_room = 0  # replies the room owes this connection
        self._via_room: Callable[[Connection, bytes], None] | None = None
        self._close_after_room: tuple[int, str] | None = None  # a close waiting for those
        self._writer: asyncio.Task[None] | None = None

    # --- SignalPeer -------------------------------------------------------------------------
    @property
    def room_id(self) -> RoomId:
        return self.identity.room_id

    @property
    def participant(self) -> ParticipantId:
        return self.identity.participant

    def send(self, message: bytes) -> None:
        """One message from the edge (a pong, a refusal, media signalling). While commands
        this connection sent are still with the room, it goes through the room behind their
        replies, so that replies leave in the order their frames arrived (docs/protocol.md)."""
        if self._awaiting_room and self._via_room is not None:
            self._via_room(self, message)
            return
        self.enqueue(encode_frame([message]), seq=None, ephemeral=False, messages=1)
        self.metrics.frames_sent.inc()
        self.metrics.messages_sent.inc()

    # --- reply order ------------------------------------------------------------------------
    def expect_room_reply(self, via_room: Callable[[Connection, bytes], None]) -> None:
        """A command (or a message routed by ``via_room``) went to the room: one reply to
        this connection will come back from it; until then ``send`` routes through it."""
        self._awaiting_room += 1
        self._via_room = via_room

    def room_replied(self, count: int) -> None:
        """The room queued ``count`` replies to this connection."""
        self._awaiting_room = max(0, self._awaiting_room - count)
        pending = self._close_after_room
        if not self._awaiting_room and pending is not None:
            self._close_after_room = None
            self.close(*pending)

    def member(self) -> MemberView | None:
        return self._member_lookup()

    # --- queue ------------------------------------------------------------------------------
    @property
    def closing(self) -> bool:
        return self.close_code is not None or self._close_after_room is not None

    @property
    def last_seq_queued(self) -> int:
        """The seq of the newest durable event written or queued to this connection: where
        it resumes from after a close that drains the queue (1012 on a restart)."""
        for item in reversed(self._items):
            if item.seq is not None:
                return item.seq
        return self.last_seq_written

    @property
    def queued(self) -> tuple[int, int]:
        """(frames, bytes) waiting to be written."""
        return len(self._items), self._bytes

    def enqueue(
        self,
        frame: bytes,
        *,
        seq: int | None,
        ephemeral: bool,
        messages: int,
        bounded: bool = True,
        wire: bytes | None = None,
        lean: Lean | None = None,
    ) -> None:
        """Send a frame: written at once while the socket keeps up, else queued.

        ``bounded=False`` (the welcome): exempt from the byte bound, since a large snapshot
        must still reach a fresh connection. ``wire``: the frame's pre-built WebSocket bytes,
        shared by every recipient of a flush. ``lean``: for a frame mixing durable and
        ephemeral messages (a tick's VOI change and pointer move), the same frame without
        the ephemeral ones, which replaces it under pressure (pointer moves go first).
        """
        if self.close_code is not None:
            return
        if not self._items and not self._writing and self._write_now(frame, wire):
            if seq is not None:
                self.last_seq_written = seq
            return
        self._items.append(_Item(frame, seq, ephemeral, messages, bounded, lean))
        self._bytes += len(frame) if bounded else 0
        if self._over_bounds():
            self._drop_ephemeral()
        if self._over_bounds():
            self.close(CloseCode.TOO_SLOW, too_slow_reason(self.last_seq_written), drain=False)
            return
        self._wake.set()

    def _write_now(self, frame: bytes, wire: bytes | None) -> bool:
        try:
            return self.sink.write_now(frame, wire)
        except Exception:  # one broken socket must not break the flush for everyone else
            log.debug("direct write to %s failed", self.participant, exc_info=True)
            return False

    def close(self, code: int, reason: str, *, drain: bool = True) -> None:
        """Close after writing what is queued (``drain``) or right away, dropping the queue.

        A draining close while the room still owes replies waits for them (``room_replied``):
        a flood's last refusals reach the client before its 4008.
        """
        if self.close_code is not None or (drain and self._close_after_room is not None):
            return
        if drain and self._awaiting_room:
            self._close_after_room = (code, reason)
            return
        self._close_after_room = None  # a close that cannot wait replaces one that could
        self.close_code, self.close_reason = code, reason
        if not drain:
            self._closed_now = self._close_now(code, reason)
            self._items.clear()
            self._bytes = 0
            if self._writing and self._writer is not None:
                # A write stuck on a full socket would hold the close frame back forever.
                self._abort_write = True
                self._writer.cancel()
        self._wake.set()

    def _close_now(self, code: int, reason: str) -> bool:
        if not isinstance(self.sink, ClosesNow):
            return False
        try:
            return self.sink.close_now(code, reason)
        except Exception:  # the peer is gone already: the writer's close is then a no-op
            log.debug("direct close of %s failed", self.participant, exc_info=True)
            return False

    def _over_bounds(self) -> bool:
        return len(self._items) > self._max_items or self._bytes > self._max_bytes

    def _drop_ephemeral(self) -> None:
        """Drop queued ephemeral messages: whole pointer-only frames, and the pointer moves
        inside mixed frames (which shrink to their durable messages, in order)."""
        kept: deque[_Item] = deque()
        dropped = 0
        for item in self._items:
            if item.ephemeral:
                dropped += item.messages
            elif (lean := item.lean) is not None:
                dropped += lean.dropped
                messages = item.messages - lean.dropped
                kept.append(_Item(lean.frame, item.seq, False, messages, item.counted))
            else:
                kept.append(item)
        self._items = kept
        self._bytes = sum(len(item.frame) for item in kept if item.counted)
        self.metrics.dropped.inc(dropped)

    # --- writer task ------------------------------------------------------------------------
    async def run_writer(self) -> None:
        """Write queued frames until closed; then send the close frame."""
        self._writer = asyncio.current_task()
        try:
            await self._write_until_closing()
        except asyncio.CancelledError:
            task = self._writer
            if not self._abort_write or task is None or task.cancelling() != 1:
                raise
            task.uncancel()  # our own abort of a stuck write: go on to the close frame
        except Exception as exc:  # the peer vanished mid-write: nothing left to deliver
            log.debug("writer for %s stopped: %r", self.participant, exc)
            return
        self.metrics.closes.labels(code=str(self.close_code)).inc()
        if self._closed_now:
            return
        with contextlib.suppress(Exception):
            await self.sink.close(self.close_code or CloseCode.NORMAL, self.close_reason)

    async def _write_until_closing(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._items:
                await self._write(self._items.popleft())
            if self.close_code is not None:  # not a close still waiting for the room
                return

    async def _write(self, item: _Item) -> None:
        self._bytes -= len(item.frame) if item.counted else 0
        self._writing = True
        try:
            await self.sink.send_bytes(item.frame)
        finally:
            self._writing = False
        if item.seq is not None:
            self.last_seq_written = item.seq
