"""The cluster seam: where rooms live, and how this node reaches the ones it does not host.

One ``Cluster`` is chosen at the composition root (``server.app``) and passed to whoever needs
it, as LiveKit's ``routing.CreateRouter`` picks a local or a Redis router:

- ``LocalCluster``: one node. Every room is hosted here; its durable log is the node's
  ``Journal`` over any ``RoomLog`` (in memory by default, a file store on one node), and on
  start every open room of the ``RoomDirectory`` is restored from its log.
- ``server.redis.cluster.RedisCluster``: several nodes sharing Redis (placement on the least
  loaded node, a bridge to rooms on other nodes, takeover of a dead node's rooms).

The ``RoomRegistry`` knows only the rooms hosted here; the cluster adds everything else.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from server.health import Health
from server.interfaces import RoomDirectory, RoomHandle, RoomInfo, RoomLog, StoredRoom
from server.journal import Journal
from session.errors import ErrorCode
from session.ids import RoomId
from session.room import Room

if TYPE_CHECKING:
    from server.appstate import HealthCheck
    from server.roomhost import LocalRoom
    from server.rooms import RoomRegistry
    from server.settings import Settings

log = logging.getLogger(__name__)
LOCAL_NODE = "local"  # the node id of a single node


class ClusterError(Exception):
    """Work that needs the other nodes failed (placing a room, listing theirs).

    ``code``: ``UNAVAILABLE`` (Redis or the room's node is unreachable, or the room is moving:
    retry) or ``BAD_REQUEST`` (e.g. no such node)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a new room lives: its node, and its host when that node is this one."""

    node: str
    url: str
    host: LocalRoom | None


@dataclass(frozen=True, slots=True)
class Notice:
    """A cluster-wide notice (e.g. ``kind="revoked"``, ``subject`` a token id)."""

    kind: str
    subject: str


class Cluster(Protocol):
    """Where rooms live. A handful of methods (livekit's ``Router``), two implementations."""

    @property
    def node_id(self) -> str: ...

    async def start(self) -> None:
        """Restore the rooms this node should host, and join the other nodes."""

    async def hand_off(self) -> None:
        """SIGTERM, before clients hear 1012: move this node's rooms to other live nodes."""

    async def stop(self) -> None:
        """Drain the durable logs and leave the other nodes."""

    async def place(self, room_id: RoomId, title: str, node: str | None) -> Placed:
        """A new room on the least loaded node (or on ``node``); raises ``RoomExists``,
        ``TooManyRooms`` or ``ClusterError``."""

    async def route(self, room_id: RoomId) -> RoomHandle | None:
        """A room another node hosts, reachable from here; None: no such room. Raises
        ``ClusterError`` (unavailable) while it exists but cannot be reached."""

    async def rooms_elsewhere(self) -> list[RoomInfo]:
        """The rooms the other nodes host."""

    async def broadcast(self, notice: Notice) -> None:
        """Tell every node (e.g. a revoked token); a no-op for now."""

    def health_checks(self) -> dict[str, HealthCheck]: ...


class LocalCluster:
    """One node: every room is here, its log kept by ``journal`` over ``directory``'s rooms."""

    def __init__(
        self,
        settings: Settings,
        rooms: RoomRegistry,
        directory: RoomDirectory,
        journal: Journal,
    ) -> None:
        self._settings = settings
        self._rooms = rooms
        self._directory = directory
        self._journal = journal

    @property
    def node_id(self) -> str:
        return LOCAL_NODE

    async def start(self) -> None:
        for info in await self._directory.list():
            if not info.closed and self._rooms.get(info.id) is None:
                try:
                    stored = await self._journal.store.load(info.id)
                    host_restored(self._rooms, self._settings, info, stored)
                except Exception:  # one unreadable room must not keep every other one down
                    log.exception("room %s could not be restored; not hosting it", info.id)

    async def hand_off(self) -> None:
        return None  # no other node: the rooms come back with this one

    async def stop(self) -> None:
        await self._journal.stop()

    async def place(self, room_id: RoomId, title: str, node: str | None) -> Placed:
        if node not in (None, LOCAL_NODE):
            raise ClusterError(ErrorCode.BAD_REQUEST, f"no live node {node!r}")
        host = await self._rooms.create(room_id, title)
        return Placed(LOCAL_NODE, self._settings.public_base, host)

    async def route(self, room_id: RoomId) -> RoomHandle | None:
        return None

    async def rooms_elsewhere(self) -> list[RoomInfo]:
        return []

    async def broadcast(self, notice: Notice) -> None:
        return None

    def health_checks(self) -> dict[str, HealthCheck]:
        health = self._journal.health
        return {"room log": lambda: health.view().error}


def local_journal(store: RoomLog) -> Journal:
    """The journal of one node: a store on this machine fails with OS or SQLite errors."""
    return Journal(store, Health("room log"), failures=(OSError, sqlite3.Error))


def host_restored(
    rooms: RoomRegistry, settings: Settings, info: RoomInfo, stored: StoredRoom | None
) -> LocalRoom:
    """Host a room from its log: everyone offline (they reconnect and resume from their last
    seq), or fresh when nothing was logged before its node stopped."""
    if stored is None:
        log.warning("room %s restored before its first event", info.id)
        return rooms.host_new(info)
    room = Room.restore(
        info.id,
        stored.snapshot,
        stored.events,
        log_size=settings.room_log_size,
        offline_grace=settings.offline_grace_s,
    )
    everyone_offline(room, time.time())
    log.warning("room %s restored at seq %d", info.id, room.seq)
    return rooms.adopt(room)


def everyone_offline(room: Room, now: float) -> None:
    """The connections of the node that ran the room are gone: start everyone's grace timer
    (events logged)."""
    for participant in room.snapshot().state.participants.values():
        if participant.online:
            room.disconnect(participant.id, now)
