"""``RoomDirectory`` over Redis: one msgpack value per room plus a set of room ids."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgpack
from redis.asyncio import Redis

from server.interfaces import RoomExists, RoomInfo
from server.redis import keys
from session.ids import RoomId


def as_bytes(value: bytes | str) -> bytes:
    """redis-py's replies are typed ``bytes | str``; our clients never decode responses."""
    return value.encode() if isinstance(value, str) else value


def encode_info(info: RoomInfo) -> bytes:
    packed: bytes = msgpack.packb(
        {"id": info.id, "title": info.title, "created_at": info.created_at, "closed": info.closed}
    )
    return packed


def decode_info(data: bytes) -> RoomInfo:
    raw: dict[str, Any] = msgpack.unpackb(data)
    return RoomInfo(RoomId(raw["id"]), raw["title"], float(raw["created_at"]), bool(raw["closed"]))


class RedisRoomDirectory:
    def __init__(self, redis: Redis, node_id: str | None = None) -> None:
        self._redis = redis
        self.redis = redis  # the node's one client, shared by the other Redis parts
        # This node: a room created here is owned by it from the start, so a client of
        # another node can be bridged to it as soon as ``create`` returns.
        self.node_id = node_id

    async def create(self, info: RoomInfo, owner: str | None = None) -> RoomInfo:
        """Record a new room, owned by ``owner`` (default: this node)."""
        # SET NX is the uniqueness check: two nodes creating the same id race here, once.
        if not await self._redis.set(keys.room_info(info.id), encode_info(info), nx=True):
            raise RoomExists(info.id)
        owner = owner or self.node_id
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(keys.ROOMS, info.id)
            if owner is not None:
                pipe.set(keys.room_owner(info.id), owner)
            await pipe.execute()
        return info

    async def get(self, room_id: RoomId) -> RoomInfo | None:
        data = await self._redis.get(keys.room_info(room_id))
        return None if data is None else decode_info(as_bytes(data))

    async def list(self) -> list[RoomInfo]:
        ids = sorted(as_bytes(member).decode() for member in await self._redis.smembers(keys.ROOMS))
        async with self._redis.pipeline(transaction=False) as pipe:
            for room_id in ids:
                pipe.get(keys.room_info(RoomId(room_id)))
            found = await pipe.execute()
        return [decode_info(data) for data in found if data is not None]

    async def close(self, room_id: RoomId) -> RoomInfo | None:
        info = await self.get(room_id)
        if info is None:
            return None
        closed = replace(info, closed=True)
        await self._redis.set(keys.room_info(room_id), encode_info(closed))
        return closed

    async def forget(self, room_id: RoomId) -> None:
        """Undo ``create`` of a room nobody hosted (its placement failed)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(keys.room_owner(room_id))
            pipe.delete(keys.room_info(room_id))
            pipe.srem(keys.ROOMS, room_id)
            await pipe.execute()
