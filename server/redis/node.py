"""This process as one node of several: heartbeat, durable logs, owned rooms, takeover.

Every ``beat_s`` the node reports its load, notices a Redis restart (then writes back what
Redis forgot: its rooms' directory entries, owners and snapshots), and looks for rooms whose
owner is dead. Such a room is taken, under its lock, by the least loaded live node, which
rebuilds it from its log (``Room.restore``), marks everyone offline (they reconnect and
resume from their last seq) and hosts it. Clients reconnect to any live node and retry
until the room is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import httpx

from server.cluster import ClusterError, host_restored
from server.interfaces import RoomExists, RoomInfo
from server.redis.bridge import Bridge, RemoteRoom
from server.redis.directory import RedisRoomDirectory
from server.redis.handoff import hand_off
from server.redis.health import FAILURES, RedisHealth
from server.redis.nodes import NodeDirectory, NodeLoad
from server.redis.placement import Placement
from session.errors import ErrorCode
from session.ids import RoomId

if TYPE_CHECKING:
    from server.interfaces import MediaSignalling
    from server.journal import Journal
    from server.metrics import Metrics
    from server.rooms import RoomRegistry
    from server.settings import Settings

log = logging.getLogger(__name__)
SCAN_EVERY = 10
RESTORE_GRACE_S = 10.0  # after a Redis restart, unknown rooms may still be written back


class Node:
    def __init__(
        self,
        settings: Settings,
        rooms: RoomRegistry,
        directory: RedisRoomDirectory,
        metrics: Metrics,
        *,
        journal: Journal,
        health: RedisHealth,
        media: Callable[[], MediaSignalling | None] = lambda: None,
        beat_s: float = 0.5,
        ttl_s: float = 2.0,
    ) -> None:
        assert directory.node_id is not None, "the directory is made for this node"
        self.id = directory.node_id
        self.health = health
        self._settings = settings
        self._rooms = rooms
        self._directory = directory
        self._journal = journal
        self._nodes = NodeDirectory(directory.redis, ttl_s=ttl_s)
        self._beat_s = beat_s
        self._run_id = ""
        self._beats = 0
        self._scanned_alive: frozenset[str] = frozenset()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.bridge = Bridge(
            directory.redis,
            self.id,
            rooms=rooms,
            settings=settings,
            metrics=metrics,
            health=self.health,
            host_placed=self._host_placed,
            media=media,
        )
        # Room-scoped HTTP for rooms on other nodes goes there (``server.redis.forward``).
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=2.0))
        self.placement = Placement(self._nodes, directory, rooms, self.bridge, self.load)

    async def _host_placed(self, room_id: RoomId) -> str | None:
        return await self.placement.host_placed(room_id)

    # --- other nodes' rooms ---------------------------------------------------------------
    async def route(self, room_id: RoomId) -> RemoteRoom | None:
        """A room hosted by another live node, reached via the bridge.

        None: no such room. ``ClusterError`` (unavailable): it exists but is moving (its node
        died and a survivor is taking it over) or Redis cannot say: the client retries."""
        try:
            owner = await self._nodes.owner(room_id)
            if owner is not None and owner != self.id and await self._nodes.alive(owner):
                self.health.succeeded("room lookup")
                return RemoteRoom(self.bridge, room_id, owner)
            info = await self._directory.get(room_id)
            # A Redis restarted without persistence forgot every room until the nodes write
            # theirs back (next beat): "no such room" then would stop clients for good.
            amnesia = info is None and await self._nodes.server_uptime_s() < RESTORE_GRACE_S
        except FAILURES as exc:
            self.health.failed("room lookup", exc)
            raise ClusterError(ErrorCode.UNAVAILABLE, "Redis is unreachable; try again") from None
        self.health.succeeded("room lookup")
        if amnesia:
            raise ClusterError(ErrorCode.UNAVAILABLE, "Redis restarted; rooms are being restored")
        if info is None or info.closed:
            return None
        raise ClusterError(ErrorCode.UNAVAILABLE, "the room is moving to another node; try again")

    async def rooms_elsewhere(self) -> list[RoomInfo]:
        """The directory's rooms this node does not host."""
        try:
            listed = await self._directory.list()
        except FAILURES as exc:
            raise ClusterError(
                ErrorCode.UNAVAILABLE, f"Redis is unreachable ({type(exc).__name__})"
            ) from None
        return [info for info in listed if self._rooms.get(info.id) is None]

    async def other_urls(self) -> list[str]:
        """The other live nodes' URLs, least loaded first."""
        return [node.url for node in await self._nodes.live() if node.id != self.id]

    async def owner_url(self, room_id: RoomId) -> str | None:
        """The URL of the live node hosting the room when that is another node, else None."""
        owner = await self._nodes.owner(room_id)
        if owner is None or owner == self.id:
            return None
        load = await self._nodes.get(owner)
        return None if load is None else load.url

    async def where(self, room_id: RoomId) -> NodeLoad | None:
        """The live node hosting the room (with its public URL), or None."""
        owner = await self._nodes.owner(room_id)
        if owner is None:
            return None
        if owner == self.id:
            return self.load() if self._rooms.get(room_id) is not None else None
        return await self._nodes.get(owner)

    # --- the beat loop ----------------------------------------------------------------------
    async def run(self) -> None:
        self._spawn(self.bridge.run())
        while True:
            try:
                await self.tick()
                # One-off failures are cleared by the next success of the same call; a
                # working heartbeat also proves Redis answers for those rarely repeated.
                for what in ("node heartbeat", "room lookup", "bridge publish"):
                    self.health.succeeded(what)
            except FAILURES as exc:
                self.health.failed("node heartbeat", exc)
            await asyncio.sleep(self._beat_s)

    async def tick(self) -> None:
        await self._nodes.beat(self.load())
        await self._check_restart()
        live = await self._nodes.live()
        self.bridge.check({node.id for node in live})
        await self._take_orphans(live)

    def load(self) -> NodeLoad:
        url = self._settings.public_base
        return NodeLoad(self.id, url, self._rooms.open_count(), self._rooms.connection_count())

    async def _check_restart(self) -> None:
        run_id = await self._nodes.server_run_id()
        if self._run_id and run_id != self._run_id:
            log.warning("redis restarted: writing back %d rooms", len(self._rooms.hosts()))
            await self._restore_keys()
        self._run_id = run_id

    async def _restore_keys(self) -> None:
        for host in self._rooms.hosts():
            info = RoomInfo(host.room.id, host.room.title, time.time(), host.room.closed)
            with contextlib.suppress(RoomExists):
                await self._directory.create(info)
            await self._nodes.set_owner(host.room.id, self.id)
            self._journal.resync(host.room.id)

    # --- takeover ---------------------------------------------------------------------------
    async def _take_orphans(self, live: list[NodeLoad]) -> None:
        alive = frozenset(node.id for node in live)
        self._beats += 1
        if not live or live[0].id != self.id:
            return  # only the least loaded live node takes rooms over
        # Orphans appear when a node dies: scan when the live set changed, and every
        # SCAN_EVERY beats as a safety net (a scan is O(rooms), one pipelined round trip).
        if alive == self._scanned_alive and self._beats % SCAN_EVERY:
            return
        self._scanned_alive = alive
        candidates = [r for r in await self._nodes.room_ids() if self._rooms.get(r) is None]
        owners = await self._nodes.owners(candidates)
        for room_id, owner in zip(candidates, owners, strict=True):
            if owner is not None and owner not in alive:
                await self._take(room_id, alive)

    async def _take(self, room_id: RoomId, alive: frozenset[str]) -> None:
        async with self._nodes.lock(room_id) as held:
            if not held or (await self._nodes.owner(room_id)) in alive:
                return
            info = await self._directory.get(room_id)
            if info is None or info.closed:
                return
            stored = await self._journal.store.load(room_id)
            await self._nodes.set_owner(room_id, self.id)
            # Its node may have died before the first snapshot: then nothing happened yet.
            host_restored(self._rooms, self._settings, info, stored)
            log.warning("took over room %s", room_id)

    # --- lifecycle --------------------------------------------------------------------------
    async def hand_off(self) -> bool:
        """A rolling restart: this node's rooms go to the other live nodes first."""
        return await hand_off(self.id, self._nodes, self._rooms, self._journal)

    async def stop(self, drain_s: float = 2.0) -> None:
        """Let the writers finish what they hold (bounded), then leave the node set."""
        await self._journal.stop(drain_s)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(*FAILURES):
            await self._nodes.leave(self.id)
        await self.http.aclose()

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
