"""Where a new room lives: the least loaded live node, chosen under one cluster-wide lock.

The placing node (whichever got ``POST /api/rooms``) holds ``hz:placement`` while it picks
the node, records the room with that owner, and waits until the node hosts it and has beaten
its new load, so the next placement sees it (heartbeats alone lag by up to one beat, and a
burst of creations would all land on one node). The chosen node is told over the bridge.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from server.cluster import ClusterError, Placed
from server.interfaces import RoomInfo
from server.redis.bridge import Bridge
from server.redis.directory import RedisRoomDirectory
from server.redis.health import FAILURES
from server.redis.nodes import NodeDirectory, NodeLoad
from server.rooms import TooManyRooms
from session.errors import ErrorCode
from session.ids import RoomId

if TYPE_CHECKING:
    from server.rooms import RoomRegistry

log = logging.getLogger(__name__)
PLACE_WAIT_S = 3.0  # for the lock, and for the chosen node's answer


class Placement:
    def __init__(
        self,
        nodes: NodeDirectory,
        directory: RedisRoomDirectory,
        rooms: RoomRegistry,
        bridge: Bridge,
        here: Callable[[], NodeLoad],
    ) -> None:
        self._nodes = nodes
        self._directory = directory
        self._rooms = rooms
        self._bridge = bridge
        self._here = here
        # Queue this node's creations in order: only one of them polls for the Redis lock
        # at a time (16 pollers here starved some for ~1 s: docs/benchmarks.md, placement).
        self._queue = asyncio.Lock()

    async def place(self, room_id: RoomId, title: str, wanted: str | None) -> Placed:
        """``Cluster.place``: create the room on its node; Redis trouble → unavailable."""
        try:
            return await self._place(room_id, title, wanted)
        except FAILURES as exc:
            log.warning("placing room %s: Redis unreachable (%s)", room_id, exc)
            raise ClusterError(ErrorCode.UNAVAILABLE, "Redis is unreachable; try again") from None

    async def _place(self, room_id: RoomId, title: str, wanted: str | None) -> Placed:
        async with self._queue, self._nodes.placement_lock(PLACE_WAIT_S) as held:
            if not held:
                raise ClusterError(ErrorCode.UNAVAILABLE, "another placement is slow; try again")
            target = await self._target(wanted)
            here = self._here()
            if target.id == here.id:
                host = await self._rooms.create(room_id, title)
                await self._nodes.beat(self._here())
                return Placed(here.id, here.url, host)
            await self._place_on(target, RoomInfo(room_id, title, time.time()))
            return Placed(target.id, target.url, None)

    async def _target(self, wanted: str | None) -> NodeLoad:
        live = await self._nodes.live() or [self._here()]  # our beat may not be in yet
        if wanted is None:
            return live[0]  # least loaded first (rooms, connections, id)
        for node in live:
            if node.id == wanted:
                return node
        raise ClusterError(ErrorCode.BAD_REQUEST, f"no live node {wanted!r}")

    async def _place_on(self, target: NodeLoad, info: RoomInfo) -> None:
        await self._directory.create(info, owner=target.id)  # RoomExists: id taken
        refusal = await self._bridge.place(target.id, info.id, PLACE_WAIT_S)
        if refusal is not None:
            # Nobody hosts it: free the id (a late host would find no owner key and refuse).
            await self._directory.forget(info.id)
            raise ClusterError(
                ErrorCode.UNAVAILABLE, f"node {target.id} refused the room: {refusal}"
            )
        log.info("room %s placed on node %s", info.id, target.id)

    async def host_placed(self, room_id: RoomId) -> str | None:
        """On the chosen node: host the room now (its refusal, or None)."""
        if self._rooms.get(room_id) is not None:
            return None
        info = await self._directory.get(room_id)
        if info is None or await self._nodes.owner(room_id) != self._here().id:
            return "the room is not placed on this node"
        try:
            self._rooms.host_new(info)
        except TooManyRooms:
            return "this node hosts its maximum of rooms"
        await self._nodes.beat(self._here())
        return None
