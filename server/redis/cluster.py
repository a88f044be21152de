"""``Cluster`` over Redis: this process as one node of several (``server.redis.node``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from server.cluster import Notice, Placed
from server.interfaces import RoomHandle, RoomInfo
from server.redis.node import Node
from session.ids import RoomId

if TYPE_CHECKING:
    from server.appstate import HealthCheck


class RedisCluster:
    def __init__(self, node: Node, client: Redis) -> None:
        self.node = node
        self._client = client
        self._beat: asyncio.Task[None] | None = None

    @property
    def node_id(self) -> str:
        return self.node.id

    async def start(self) -> None:
        self._beat = asyncio.create_task(self.node.run(), name=f"node:{self.node.id}")

    async def hand_off(self) -> None:
        """SIGTERM: stop beating and move this node's rooms to the others (if any)."""
        if self._beat is not None:
            self._beat.cancel()
            await asyncio.gather(self._beat, return_exceptions=True)
        await self.node.hand_off()

    async def stop(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            await asyncio.gather(self._beat, return_exceptions=True)
        await self.node.stop()
        await self._client.aclose()

    async def place(self, room_id: RoomId, title: str, node: str | None) -> Placed:
        return await self.node.placement.place(room_id, title, node)

    async def route(self, room_id: RoomId) -> RoomHandle | None:
        return await self.node.route(room_id)

    async def rooms_elsewhere(self) -> list[RoomInfo]:
        return await self.node.rooms_elsewhere()

    async def broadcast(self, notice: Notice) -> None:
        return None  # no notice needs the other nodes yet

    def health_checks(self) -> dict[str, HealthCheck]:
        health = self.node.health
        return {"redis": lambda: health.view().error}
