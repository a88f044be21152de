"""The rooms this process hosts: one ``LocalRoom`` (owner task) per room, created on demand.

Every hosted room gets a writer of the node's ``Journal`` (its durable log); where rooms live
across nodes is the ``server.cluster.Cluster``'s business, not the registry's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from server.interfaces import MediaSignalling, RoomDirectory, RoomExists, RoomInfo, StoredRoom
from server.journal import Journal
from server.metrics import Metrics
from server.roomhost import LocalRoom, MayAttach
from server.settings import Settings
from session.ids import RoomId
from session.room import Room

log = logging.getLogger(__name__)


class TooManyRooms(Exception):
    """``Limits.max_rooms`` open rooms are hosted already."""


class RoomRegistry:
    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        directory: RoomDirectory,
        journal: Journal,
        media: Callable[[], MediaSignalling | None] = lambda: None,
        *,
        may_attach: MayAttach | None = None,
    ) -> None:
        self._settings = settings
        self._may_attach = may_attach  # the study store's rule for attach_study (roomhost)
        self._metrics = metrics
        self._directory = directory
        self._journal = journal
        self._media = media
        self._hosts: dict[RoomId, LocalRoom] = {}
        self._on_host: list[Callable[[LocalRoom], None]] = []

    def on_host(self, callback: Callable[[LocalRoom], None]) -> None:
        """Call ``callback`` with every room hosted here: existing ones now, new ones as they
        are created (before any client can join). For observers of all rooms (SFU, recorder):
        ``registry.on_host(lambda host: host.add_observer(...))``."""
        self._on_host.append(callback)
        for host in list(self._hosts.values()):
            callback(host)

    async def create(self, room_id: RoomId, title: str) -> LocalRoom:
        """A new room, hosted here."""
        self._check_room(room_id)
        now = time.time()
        await self._directory.create(RoomInfo(room_id, title, now))
        return self.host_new(RoomInfo(room_id, title, now))

    def host_new(self, info: RoomInfo) -> LocalRoom:
        """Host a new room already in the directory (made here, or placed here by a peer)."""
        self._check_room(info.id)
        room = Room(
            info.id,
            title=info.title,
            now=info.created_at,
            log_size=self._settings.room_log_size,
            offline_grace=self._settings.offline_grace_s,
        )
        return self.adopt(room)

    def _check_room(self, room_id: RoomId) -> None:
        if room_id in self._hosts:
            raise RoomExists(room_id)
        if self.open_count() >= self._settings.limits.max_rooms:
            raise TooManyRooms(room_id)

    def adopt(self, room: Room) -> LocalRoom:
        """Host a room built here or elsewhere (restored from a ``RoomLog``)."""
        room_id = room.id
        writer = self._journal.open(room, on_lost=lambda: self.drop(room_id))
        host = LocalRoom(
            room,
            self._metrics,
            coalesce_s=self._settings.coalesce_s,
            resume_max_bytes=self._settings.limits.resume_max_bytes,
            media=self._media,
            on_closed=lambda: self._closed(room_id),
            durable=writer.barrier,
            may_attach=self._may_attach,
        )
        host.add_observer(writer.observe)
        self._hosts[room_id] = host
        for callback in self._on_host:
            try:
                callback(host)
            except Exception:  # a plug-in's bug must not stop rooms from being created
                log.exception("on_host callback %r failed for room %s", callback, room_id)
        host.start()
        self._metrics.rooms.inc()
        return host

    def get(self, room_id: RoomId) -> LocalRoom | None:
        return self._hosts.get(room_id)

    async def stored_room(self, room_id: RoomId) -> StoredRoom | None:
        """A room's durable log as its store holds it, hosted here or not (a closed room after
        a restart; with Redis, a room another node hosts). Raises the store's errors."""
        return await self._journal.store.load(room_id)

    def hosts(self) -> list[LocalRoom]:
        return list(self._hosts.values())

    def open_count(self) -> int:
        return sum(1 for host in self._hosts.values() if not host.room.closed)

    def connection_count(self) -> int:
        return sum(len(host.connections) for host in self._hosts.values())

    async def drop(self, room_id: RoomId) -> None:
        """Stop hosting a room another node owns now; its clients are closed (1001)."""
        host = self._hosts.pop(room_id, None)
        self._journal.forget(room_id)
        if host is not None:
            await host.stop()
            if not host.room.closed:
                self._metrics.rooms.dec()

    async def stop(self) -> None:
        for host in self._hosts.values():
            await host.stop()

    async def _closed(self, room_id: RoomId) -> None:
        self._metrics.rooms.dec()
        await self._directory.close(room_id)
