"""The revocation list shared by every node: a Redis hash and a pub/sub channel.

``hz:revocations`` maps entry id → JSON entry (the durable list); a change is written there
first and then published on ``hz:revocations:bus``, which every node's listener applies at once
(a revocation reaches every node within milliseconds; the edge promises a second). After each
(re)subscription, and every ``RESYNC_S`` while subscribed, the listener reloads the whole hash:
a message published while a node was cut off from Redis is not lost, only late.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from server.redis.health import FAILURES
from server.redis.keys import PREFIX
from server.revocation import Change, Revocation

log = logging.getLogger(__name__)
HASH = PREFIX + "revocations"
CHANNEL = PREFIX + "revocations:bus"
RESYNC_S = 10.0


class RedisRevocations:
    """``RevocationStore`` over Redis (its own client: the list must not wait on room traffic)."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0)
        self._listener: asyncio.Task[None] | None = None

    async def start(self, on_change: Callable[[Change], None]) -> list[Revocation]:
        """The stored list; Redis unreachable at start: none yet (the node is degraded
        anyway), the listener loads it as soon as it subscribes."""
        self._listener = asyncio.create_task(self._listen(on_change), name="revocations")
        try:
            return await self._load()
        except FAILURES as exc:
            log.warning("revocations: Redis unreachable at start (%s)", exc)
            return []

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def add(self, entry: Revocation) -> None:
        data = json.dumps(entry.to_json())
        await self._redis.hset(HASH, entry.id, data)
        await self._redis.publish(CHANNEL, json.dumps({"added": entry.to_json()}))

    async def lift(self, entry_id: str) -> bool:
        removed = int(await self._redis.hdel(HASH, entry_id))
        await self._redis.publish(CHANNEL, json.dumps({"lifted": entry_id}))
        return removed > 0

    async def _load(self) -> list[Revocation]:
        raw = await self._redis.hgetall(HASH)
        entries = [Revocation.from_json(json.loads(v)) for v in raw.values()]
        now = time.time()
        expired = [e.id for e in entries if e.expires_at <= now]
        if expired:
            await self._redis.hdel(HASH, *expired)
        return [e for e in entries if e.expires_at > now]

    async def _listen(self, on_change: Callable[[Change], None]) -> None:
        while True:
            try:
                await self._subscribed(on_change)
            except FAILURES as exc:
                log.warning("revocations: Redis unreachable (%s); retrying", exc)
                await asyncio.sleep(0.5)

    async def _subscribed(self, on_change: Callable[[Change], None]) -> None:
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(CHANNEL)
            while True:
                on_change(Change(everything=tuple(await self._load())))
                deadline = time.monotonic() + RESYNC_S
                while (left := deadline - time.monotonic()) > 0:
                    message = await pubsub.get_message(timeout=left)
                    if message is not None and message.get("type") == "message":
                        on_change(_change(json.loads(message["data"])))


def _change(data: dict[str, Any]) -> Change:
    added = data.get("added")
    return Change(
        added=None if added is None else Revocation.from_json(added),
        lifted=data.get("lifted"),
    )
