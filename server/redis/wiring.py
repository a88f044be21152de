"""Building this process as one node of several (``server.app`` calls ``redis_cluster``).

The node's one Redis client serves every Redis part: the room directory, the durable logs
(``RedisRoomLog`` under this node's id, for fencing), the heartbeat and the bridge.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from server.journal import Journal
from server.redis.cluster import RedisCluster
from server.redis.directory import RedisRoomDirectory
from server.redis.health import FAILURES, RedisHealth
from server.redis.node import Node
from server.redis.roomlog import RedisRoomLog
from server.rooms import RoomRegistry

if TYPE_CHECKING:
    from server.interfaces import MediaSignalling
    from server.metrics import Metrics
    from server.roomhost import MayAttach
    from server.settings import Settings


@dataclass(frozen=True, slots=True)
class RedisNode:
    """What the composition root keeps of a Redis node."""

    directory: RedisRoomDirectory
    rooms: RoomRegistry
    cluster: RedisCluster


def build_redis_node(
    settings: Settings,
    metrics: Metrics,
    media: Callable[[], MediaSignalling | None],
    may_attach: MayAttach | None = None,
) -> RedisNode:
    assert settings.redis_url is not None
    client = Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    node_id = uuid.uuid4().hex[:12]
    directory = RedisRoomDirectory(client, node_id)
    health = RedisHealth()
    journal = Journal(RedisRoomLog(client, node_id), health, failures=FAILURES)
    rooms = RoomRegistry(settings, metrics, directory, journal, media, may_attach=may_attach)
    node = Node(settings, rooms, directory, metrics, journal=journal, health=health, media=media)
    return RedisNode(directory, rooms, RedisCluster(node, client))
