"""The durable logs of the rooms this node hosts: one ``LogWriter`` per room (``Journal``).

Whatever the store (``RoomLog``: in memory, Redis, or a file on one node), a room's log is
kept the same way. The cluster that owns the store makes the node's ``Journal``; the room
registry opens a writer for every room it hosts and hands its barrier to the room's host.

A ``LogWriter`` keeps one room's durable log in step with its owner task.

The writer observes every event the room emits (``observe``, on the owner task: it only
queues) and appends the durable ones, in order, from its own task. The owner task awaits
``barrier()`` before it sends a tick's frames, so an ack or an event reaches clients only
once it is in the log: a node killed after that loses nothing a client saw.

A write refused because another node owns the room now (``LogLost``: this node was cut
off long enough to be declared dead) ends the writer and calls ``on_lost``: the node stops
hosting the room, so no client gets an ack the new owner does not know about.

While the store is unreachable (one of the journal's ``failures``) the writer retries; the
barrier holds the room's output back (nothing is dropped, the room pauses) and the
``Health`` it reports to says why. When the store answers again the writer checks what
survived (a Redis restart without persistence loses everything) and, if the log fell behind,
writes a fresh snapshot of the live room before going on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from server.health import Health
from server.interfaces import LogLost, RoomLog
from session.events import Stamped
from session.ids import RoomId
from session.room import Room

log = logging.getLogger(__name__)
Failures = tuple[type[BaseException], ...]


class LogWriter:
    def __init__(
        self,
        store: RoomLog,
        room: Room,
        health: Health,
        *,
        failures: Failures = (OSError,),
        snapshot_every: int = 256,
        retry_s: float = 0.25,
        on_lost: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._room = room
        self._health = health
        self._failures = failures
        self._name = f"room {room.id} log"
        self._every = snapshot_every
        self._retry_s = retry_s
        self._on_lost = on_lost
        self._pending: deque[tuple[int, bytes]] = deque()
        self._pushed = room.seq  # everything up to the room's seq at start is synced first
        self._durable = 0
        self._snap_seq = 0
        self._resync = True
        self._wake = asyncio.Event()
        self._wake.set()
        self._progress = asyncio.Event()

    @property
    def durable_seq(self) -> int:
        return self._durable

    # --- owner task side ----------------------------------------------------------------------
    def observe(self, stamped: Stamped, message: bytes) -> None:
        """An ``Observer``: queue a durable event (ephemeral ones are not logged)."""
        if stamped.seq is not None:
            self._pending.append((stamped.seq, message))
            self._pushed = stamped.seq
            self._wake.set()

    async def barrier(self) -> None:
        """Return once every event observed so far is durable."""
        target = self._pushed
        while self._durable < target:
            progress = self._progress
            await progress.wait()

    def resync(self) -> None:
        """The store may have lost this room (Redis restarted): snapshot it again."""
        self._resync = True
        self._wake.set()

    # --- writer task ----------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self._write_forever()
        except LogLost:
            log.error("room %s is owned by another node now: no longer hosting it", self._room.id)
            self._on_lost()

    async def _write_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._resync or self._pending:
                try:
                    await self._step()
                    self._health.succeeded(self._name)
                except self._failures as exc:
                    self._health.failed(self._name, exc)
                    self._resync = True  # find out what survived before writing on
                    await asyncio.sleep(self._retry_s)

    async def _step(self) -> None:
        if self._resync:
            await self._sync()
        elif self._pending:
            await self._append()

    async def _sync(self) -> None:
        """Make the store hold the room up to at least what it held, else snapshot it now."""
        stored = await self._store.last_seq(self._room.id)
        first = self._pending[0][0] if self._pending else self._room.seq + 1
        if stored == 0 or stored < first - 1:
            await self._snapshot()
        else:
            self._advance(stored)
        self._resync = False

    async def _append(self) -> None:
        batch = list(self._pending)
        await self._store.append(self._room.id, batch)
        self._advance(batch[-1][0])
        if self._durable - self._snap_seq >= self._every:
            await self._snapshot()

    async def _snapshot(self) -> None:
        snapshot = self._room.snapshot()  # a deep copy, taken between the owner's ticks
        await self._store.save_snapshot(self._room.id, snapshot)
        self._snap_seq = snapshot.seq
        self._advance(snapshot.seq)

    def _advance(self, seq: int) -> None:
        while self._pending and self._pending[0][0] <= seq:
            self._pending.popleft()
        if seq > self._durable:
            self._durable = seq
            self._progress.set()
            self._progress = asyncio.Event()


class Journal:
    """The writers of this node's hosted rooms, over one ``RoomLog``."""

    def __init__(self, store: RoomLog, health: Health, failures: Failures = (OSError,)) -> None:
        self.store = store
        self.health = health
        self.writers: dict[RoomId, LogWriter] = {}
        self._failures = failures
        self._tasks: set[asyncio.Task[Any]] = set()

    def open(self, room: Room, on_lost: Callable[[], Coroutine[Any, Any, object]]) -> LogWriter:
        """A writer for a room hosted from now on; ``on_lost`` runs if another node took it."""
        room_id = room.id

        def lost() -> None:
            self.writers.pop(room_id, None)
            self._spawn(on_lost())

        writer = LogWriter(self.store, room, self.health, failures=self._failures, on_lost=lost)
        self.writers[room_id] = writer
        self._spawn(writer.run())
        return writer

    def forget(self, room_id: RoomId) -> None:
        self.writers.pop(room_id, None)

    def resync(self, room_id: RoomId) -> None:
        """The store may have lost this room: its writer snapshots it again."""
        writer = self.writers.get(room_id)
        if writer is not None:
            writer.resync()

    async def stop(self, drain_s: float = 2.0) -> None:
        """Let the writers finish what they hold (bounded), then end them."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_s):
                for writer in list(self.writers.values()):
                    await writer.barrier()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
