"""The webhook endpoints every node shares: one Redis hash (``hz:webhooks``).

With several nodes, an endpoint registered through any node must be called for the rooms of
every node: each node announces its own rooms' events, so each reads the same endpoint list
(``server.webhooks.store.EndpointDirectory``). Deliveries, their outbox and their log stay
in each node's data directory: a node sends what its rooms announced.
"""

from __future__ import annotations

from redis.asyncio import Redis

from server.redis import keys
from server.webhooks.events import WebhookEvent
from server.webhooks.store import Endpoint, new_endpoint


class RedisEndpoints:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add_endpoint(self, url: str, events: tuple[WebhookEvent, ...]) -> Endpoint:
        endpoint = new_endpoint(url, events)
        await self._redis.hset(keys.WEBHOOKS, endpoint.id, endpoint.record())
        return endpoint

    async def endpoints(self) -> list[Endpoint]:
        stored = await self._redis.hgetall(keys.WEBHOOKS)
        found = [Endpoint.from_record(value) for value in stored.values()]
        return sorted(found, key=lambda e: e.created_at)

    async def remove_endpoint(self, endpoint_id: str) -> bool:
        removed: int = await self._redis.hdel(keys.WEBHOOKS, endpoint_id)
        return removed > 0
