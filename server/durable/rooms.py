"""Durable rooms on one node: restore every room from the store at start, keep each hosted
room's log in step with it, and drain the logs at shutdown.

On start (``DurableRooms.restore``), every room in the directory is rebuilt from its newest
snapshot and the events after it (``Room.restore``) with the same seq, and everyone is marked
offline: the previous process's connections are gone, so their grace timers start now and
clients that come back resume from their last seq. A room with no stored snapshot had no
event yet: it is hosted fresh. Then (``attach``, a ``RoomRegistry.on_host`` callback) every
hosted room gets a ``LogWriter``: its owner task sends a tick's frames only once the tick's
events are durable, so no client ever sees an event a ``kill -9`` could lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from server.interfaces import RoomInfo, RoomLog
from server.redis.health import RedisHealth
from server.redis.writer import LogWriter
from session.room import Room

if TYPE_CHECKING:
    from server.roomhost import RoomHost
    from server.rooms import RoomRegistry
    from server.settings import Settings

log = logging.getLogger(__name__)


class DurableRooms:
    def __init__(self, store: RoomLog, rooms: RoomRegistry, settings: Settings) -> None:
        self.store = store
        self.health = RedisHealth()  # generic despite its name: failures by writer, for /healthz
        self.writers: dict[str, LogWriter] = {}
        self._rooms = rooms
        self._settings = settings
        self._tasks: set[asyncio.Task[Any]] = set()

    async def restore(self, infos: list[RoomInfo]) -> int:
        """Host every room of ``infos`` again, as the store left it; returns how many were."""
        restored = 0
        for info in infos:
            try:
                await self._restore_one(info)
                restored += 1
            except Exception:  # one unreadable room must not keep every other one down
                log.exception("room %s could not be restored; not hosting it", info.id)
        return restored

    async def _restore_one(self, info: RoomInfo) -> None:
        stored = await self.store.load(info.id)
        if stored is None:  # created, but no event was ever logged
            self._rooms.host_new(info)
            return
        room = Room.restore(
            info.id,
            stored.snapshot,
            stored.events,
            log_size=self._settings.room_log_size,
            offline_grace=self._settings.offline_grace_s,
        )
        everyone_offline(room, time.time())
        self._rooms.adopt(room)
        log.info("room %s restored at seq %d", info.id, room.seq)

    def attach(self, host: RoomHost) -> None:
        """``RoomRegistry.on_host``: give the room its durable log."""
        writer = LogWriter(self.store, host.room, self.health)
        self.writers[host.room.id] = writer
        host.add_observer(writer.observe)
        host.durable = writer.barrier
        self._spawn(writer.run())

    async def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait (bounded) until every event observed so far is durable; False: timed out."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                for writer in list(self.writers.values()):
                    await writer.barrier()
                return True
        return False

    async def stop(self) -> None:
        if not await self.flush():
            log.error("room store: shutting down with events not yet durable")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def everyone_offline(room: Room, now: float) -> None:
    """The previous process's connections are gone: start everyone's grace timer (logged)."""
    for participant in room.snapshot().state.participants.values():
        if participant.online:
            room.disconnect(participant.id, now)
