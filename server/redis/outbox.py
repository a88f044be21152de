"""The bridge's ordered publisher, and the sink that puts a bridged client's frames on it."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
from redis.asyncio import Redis

from server.redis.health import FAILURES, RedisHealth

log = logging.getLogger(__name__)
MAX_POSTS = 10_000  # ~1.3 MB of small frames: seconds of a busy room's traffic


@dataclass(eq=False, slots=True)
class _Post:
    channel: str
    message: list[Any] | None  # a control message, or None for a frame:
    frame: bytes = b""
    conn_ids: list[str] = field(default_factory=list)  # ... to these clients of one node


class Outbox:
    """One ordered publisher for the node: messages leave in the order they were posted.

    Encode once across nodes: a room's flush hands the same frame object to every client;
    consecutive posts of that frame to one node become ONE message naming every client, so
    a node with 200 bridged clients of a room costs the room's node one publish per frame.
    """

    def __init__(
        self,
        redis: Redis,
        health: RedisHealth,
        on_failure: Callable[[], None],
        max_posts: int = MAX_POSTS,
    ) -> None:
        self._redis = redis
        self._health = health
        self._on_failure = on_failure
        self._max = max_posts
        self._posts: deque[_Post] = deque()
        self._wake = asyncio.Event()

    @property
    def pending(self) -> int:
        return len(self._posts)

    def post(self, channel: str, message: list[Any]) -> None:
        self._append(_Post(channel, message))

    def _append(self, post: _Post) -> None:
        """Queue a post; a backlog Redis cannot drain ends every bridge instead of growing."""
        if len(self._posts) >= self._max:
            log.error("bridge outbox over %d messages: ending every bridge", self._max)
            self._posts.clear()
            self._on_failure()  # the clients resume from their last seq, nothing is lost
        self._posts.append(post)
        self._wake.set()

    def post_frame(self, channel: str, conn_id: str, frame: bytes) -> None:
        last = self._posts[-1] if self._posts else None
        if last is not None and last.frame is frame and last.channel == channel:
            last.conn_ids.append(conn_id)
            return
        self._append(_Post(channel, None, frame, [conn_id]))

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._posts:
                post = self._posts.popleft()
                message = post.message or ["frame", post.conn_ids, post.frame]
                await self._publish(post.channel, msgpack.packb(message))

    async def _publish(self, channel: str, data: bytes) -> None:
        try:
            await self._redis.publish(channel, data)
            self._health.succeeded("bridge publish")
        except FAILURES as exc:
            self._health.failed("bridge publish", exc)
            self._on_failure()


class RemoteSink:
    """On the room's node: a bridged client's frames go back to its node's channel."""

    def __init__(self, outbox: Outbox, channel: str, conn_id: str) -> None:
        self._outbox = outbox
        self._channel = channel
        self._conn_id = conn_id

    async def send_bytes(self, data: bytes) -> None:
        self._outbox.post_frame(self._channel, self._conn_id, data)

    def write_now(self, frame: bytes, wire: bytes | None) -> bool:
        self._outbox.post_frame(self._channel, self._conn_id, frame)
        return True

    async def close(self, code: int, reason: str) -> None:
        self._outbox.post(self._channel, ["close", self._conn_id, code, reason])
