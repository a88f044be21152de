"""The rooms this process hosts: one ``RoomHost`` (owner task) per room, created on demand."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from server.interfaces import MediaSignalling, RoomDirectory, RoomExists, RoomInfo
from server.metrics import Metrics
from server.roomhost import RoomHost
from server.settings import Settings
from session.ids import RoomId
from session.room import Room

log = logging.getLogger(__name__)


class TooManyRooms(Exception):
    """``Limits.max_rooms`` open rooms are hosted already."""


class ClusterError(Exception):
    """Work that needs the other nodes failed (placing a room, listing theirs): ``code`` is an
    API error code (``unavailable``: Redis or the node is unreachable; ``bad_request``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


LOCAL_NODE = "local"  # the node id without --redis (one node)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a new room lives: its node, and its host when that node is this one."""

    node: str
    url: str
    host: RoomHost | None


Placer = Callable[[RoomId, str, str | None], Awaitable[Placed]]


class RoomRegistry:
    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        directory: RoomDirectory,
        media: Callable[[], MediaSignalling | None] = lambda: None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._directory = directory
        self._media = media
        self._hosts: dict[RoomId, RoomHost] = {}
        self._on_host: list[Callable[[RoomHost], None]] = []
        # Several nodes: finds a room hosted on another node (``server.redis``), else None.
        self.router: Callable[[RoomId], Awaitable[RoomHost | None]] | None = None
        # Several nodes: puts a new room on the least loaded node (``server.redis``).
        self.placer: Placer | None = None
        # Several nodes: the rooms hosted by the other nodes.
        self.elsewhere: Callable[[], Awaitable[list[RoomInfo]]] | None = None

    def on_host(self, callback: Callable[[RoomHost], None]) -> None:
        """Call ``callback`` with every room hosted here: existing ones now, new ones as they
        are created (before any client can join). For observers of all rooms (SFU, recorder):
        ``registry.on_host(lambda host: host.add_observer(...))``."""
        self._on_host.append(callback)
        for host in list(self._hosts.values()):
            callback(host)

    async def create(self, room_id: RoomId, title: str) -> RoomHost:
        """A new room, hosted here."""
        self._check_room(room_id)
        now = time.time()
        await self._directory.create(RoomInfo(room_id, title, now))
        return self.host_new(RoomInfo(room_id, title, now))

    async def place(self, room_id: RoomId, title: str, node: str | None = None) -> Placed:
        """A new room on the least loaded node (or on ``node``); here with one node."""
        if self.placer is not None:
            return await self.placer(room_id, title, node)
        if node not in (None, LOCAL_NODE):
            raise ClusterError("bad_request", f"no live node {node!r}")
        return Placed(LOCAL_NODE, self._settings.public_base, await self.create(room_id, title))

    def host_new(self, info: RoomInfo) -> RoomHost:
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

    def adopt(self, room: Room) -> RoomHost:
        """Host a room built here or elsewhere (restored from a ``RoomLog`` on failover)."""
        room_id = room.id
        host = RoomHost(
            room,
            self._metrics,
            coalesce_s=self._settings.coalesce_s,
            resume_max_bytes=self._settings.limits.resume_max_bytes,
            media=self._media,
            on_closed=lambda: self._closed(room_id),
        )
        self._hosts[room_id] = host
        for callback in self._on_host:
            try:
                callback(host)
            except Exception:  # a plug-in's bug must not stop rooms from being created
                log.exception("on_host callback %r failed for room %s", callback, room_id)
        host.start()
        self._metrics.rooms.inc()
        return host

    def get(self, room_id: RoomId) -> RoomHost | None:
        return self._hosts.get(room_id)

    async def route(self, room_id: RoomId) -> RoomHost | None:
        """A room this node does not host but can reach (another node's, via Redis)."""
        return None if self.router is None else await self.router(room_id)

    def hosts(self) -> list[RoomHost]:
        return list(self._hosts.values())

    def open_count(self) -> int:
        return sum(1 for host in self._hosts.values() if not host.room.closed)

    def connection_count(self) -> int:
        return sum(len(host.connections) for host in self._hosts.values())

    async def drop(self, room_id: RoomId) -> None:
        """Stop hosting a room another node owns now; its clients are closed (1001)."""
        host = self._hosts.pop(room_id, None)
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
