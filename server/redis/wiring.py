"""Plugging the Redis parts into the app (``server.app`` calls these two functions).

``redis_directory(settings)`` makes the node's one Redis client; the lifespan hook
``redis_lifespan`` finds it on ``state.directory``, starts the node (heartbeat, durable logs,
takeover) and, on shutdown, drains the logs and leaves the node set.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from server.metrics import HEALTH_CHECKS, NODE_ID
from server.redis.directory import RedisRoomDirectory
from server.redis.node import Node

if TYPE_CHECKING:
    from server.appstate import AppState
    from server.settings import Settings

EXTENSION = "redis_node"


def redis_directory(settings: Settings) -> RedisRoomDirectory:
    assert settings.redis_url is not None
    client = Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    return RedisRoomDirectory(client)


@contextlib.asynccontextmanager
async def redis_lifespan(state: AppState) -> AsyncIterator[None]:
    directory = state.directory
    if not isinstance(directory, RedisRoomDirectory):
        yield  # the embedded, in-memory default
        return
    node = Node(state.settings, state.rooms, directory, state.metrics, media=lambda: state.media)
    state.extensions[EXTENSION] = node
    state.rooms.on_host(node.attach)
    state.rooms.router = node.route
    state.rooms.placer = node.placement.place
    state.rooms.elsewhere = node.rooms_elsewhere
    state.extensions[NODE_ID] = node.id
    state.extensions.setdefault(HEALTH_CHECKS, {})["redis"] = lambda: node.health.view().error
    beat = asyncio.create_task(node.run(), name=f"node:{node.id}")
    try:
        yield
    finally:
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)
        await node.stop()
        await directory.redis.aclose()


def redis_node(state: AppState) -> Node | None:
    node = state.extensions.get(EXTENSION)
    return node if isinstance(node, Node) else None
