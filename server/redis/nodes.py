"""Which nodes are alive, what they carry, and which node hosts which room.

A node beats every ``beat_s`` by writing its load under a key that expires after ``ttl_s``:
a node that stops beating (killed, partitioned) is dead once its key expires. Room ownership
is a plain key per room; changing an owner happens only under the room's lock (SET NX PX
with a token, released by a compare-and-delete script), so two nodes never both take a room.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

import msgpack
from redis.asyncio import Redis

from server.redis import keys
from server.redis.directory import as_bytes
from session.ids import RoomId

LOCK_POLL_S = 0.02
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class NodeLoad:
    """One node's heartbeat: where it is and how busy."""

    id: str
    url: str
    rooms: int
    connections: int

    def rank(self) -> tuple[int, int, str]:
        """Least loaded first; the id breaks ties so every node agrees on the order."""
        return (self.rooms, self.connections, self.id)


class NodeDirectory:
    def __init__(self, redis: Redis, *, ttl_s: float = 2.0, lock_s: float = 5.0) -> None:
        self._redis = redis
        self._ttl_ms = int(ttl_s * 1000)
        self._lock_ms = int(lock_s * 1000)
        self._release = redis.register_script(_RELEASE)

    async def beat(self, load: NodeLoad) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(keys.node_beat(load.id), msgpack.packb(asdict(load)), px=self._ttl_ms)
            pipe.sadd(keys.NODES, load.id)
            await pipe.execute()

    async def live(self) -> list[NodeLoad]:
        """The live nodes, least loaded first; forgets the dead ones."""
        ids = sorted(as_bytes(member).decode() for member in await self._redis.smembers(keys.NODES))
        async with self._redis.pipeline(transaction=False) as pipe:
            for node_id in ids:
                pipe.get(keys.node_beat(node_id))
            beats = await pipe.execute()
        dead = [node_id for node_id, beat in zip(ids, beats, strict=True) if beat is None]
        if dead:
            await self._redis.srem(keys.NODES, *dead)
        alive = [_load(msgpack.unpackb(beat)) for beat in beats if beat is not None]
        return sorted(alive, key=NodeLoad.rank)

    async def get(self, node_id: str) -> NodeLoad | None:
        """The node's last beat, or None if it is dead."""
        beat = await self._redis.get(keys.node_beat(node_id))
        return None if beat is None else _load(msgpack.unpackb(as_bytes(beat)))

    async def alive(self, node_id: str) -> bool:
        return bool(await self._redis.exists(keys.node_beat(node_id)))

    async def leave(self, node_id: str) -> None:
        """A clean shutdown: others need not wait for the key to expire."""
        await self._redis.delete(keys.node_beat(node_id))
        await self._redis.srem(keys.NODES, node_id)

    async def owner(self, room_id: RoomId) -> str | None:
        value = await self._redis.get(keys.room_owner(room_id))
        return None if value is None else as_bytes(value).decode()

    async def owners(self, room_ids: list[RoomId]) -> list[str | None]:
        """Each room's owner, in one round trip (a pipeline: legal across Cluster slots)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                pipe.get(keys.room_owner(room_id))
            found = await pipe.execute()
        return [None if value is None else as_bytes(value).decode() for value in found]

    async def set_owner(self, room_id: RoomId, node_id: str) -> None:
        await self._redis.set(keys.room_owner(room_id), node_id)

    async def room_ids(self) -> list[RoomId]:
        return [RoomId(as_bytes(m).decode()) for m in await self._redis.smembers(keys.ROOMS)]

    async def server_uptime_s(self) -> float:
        info: dict[str, Any] = await self._redis.info("server")
        return float(info.get("uptime_in_seconds", 0))

    async def server_run_id(self) -> str:
        """Changes when Redis restarts (a restart without persistence forgets every key)."""
        info: dict[str, Any] = await self._redis.info("server")
        return str(info.get("run_id", ""))

    @contextlib.asynccontextmanager
    async def lock(self, room_id: RoomId) -> AsyncIterator[bool]:
        """``async with nodes.lock(room) as held:`` — ``held`` False: someone else has it."""
        async with self._locked(keys.room_lock(room_id), wait_s=0.0) as held:
            yield held

    @contextlib.asynccontextmanager
    async def placement_lock(self, wait_s: float) -> AsyncIterator[bool]:
        """One placement at a time in the cluster, so each sees the loads the last one left
        (waits up to ``wait_s`` for it; ``held`` False after that)."""
        async with self._locked(keys.PLACEMENT_LOCK, wait_s=wait_s) as held:
            yield held

    @contextlib.asynccontextmanager
    async def _locked(self, name: str, *, wait_s: float) -> AsyncIterator[bool]:
        token = secrets.token_hex(8)
        deadline = time.monotonic() + wait_s
        while not (held := bool(await self._redis.set(name, token, nx=True, px=self._lock_ms))):
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(LOCK_POLL_S)
        try:
            yield held
        finally:
            if held:
                await self._release(keys=[name], args=[token])


def _load(raw: dict[str, Any]) -> NodeLoad:
    return NodeLoad(str(raw["id"]), str(raw["url"]), int(raw["rooms"]), int(raw["connections"]))
