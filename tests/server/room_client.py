"""A small msgpack room client over a real ``websockets`` connection (tests and tools)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from session.codec import decode_server_frame, encode_command, encode_hello, encode_ping
from session.commands import Command

Message = dict[str, Any]
_NOT_EVENTS = frozenset({"welcome", "ack", "snapshot"})
WAIT = 10.0  # a safety net against hangs, not a timing assertion


class RoomClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: Message = {}
        self.received: list[Message] = []  # everything, in arrival order
        self.frames: list[list[Message]] = []  # the same, as the frames that carried it
        self._unread: list[Message] = []
        self._ref = 0

    @classmethod
    async def connect(
        cls, url: str, token: str, resume_from: int | None = None, **kw: Any
    ) -> RoomClient:
        """Connect, say hello and wait for the welcome (raises ConnectionClosed if refused)."""
        client = await cls.open(url, **kw)
        await client.ws.send(encode_hello(token, resume_from))
        client.welcome = await client.next_message(lambda m: m["type"] == "welcome")
        return client

    @classmethod
    async def open(cls, url: str, **kw: Any) -> RoomClient:
        kw.setdefault("compression", None)
        return cls(await connect(url, **kw))

    # --- sending ----------------------------------------------------------------------------
    async def send(self, command: Command) -> int:
        self._ref += 1
        await self.ws.send(encode_command(self._ref, command))
        return self._ref

    async def ping(self) -> int:
        self._ref += 1
        await self.ws.send(encode_ping(self._ref))
        return self._ref

    # --- receiving --------------------------------------------------------------------------
    async def next_message(self, match: Callable[[Message], bool] = lambda m: True) -> Message:
        """The first unread message that matches (unread ones before it are consumed)."""
        async with asyncio.timeout(WAIT):
            while True:
                while self._unread:
                    message = self._unread.pop(0)
                    if match(message):
                        return message
                await self._read_frame()

    async def reply(self, ref: int) -> Message:
        """The ack or error for ``ref``."""
        return await self.next_message(
            lambda m: m["type"] in ("ack", "error") and m.get("ref") == ref
        )

    async def event(self, kind: str) -> Message:
        return await self.next_message(lambda m: m["type"] == kind)

    async def until_seq(self, seq: int) -> list[Message]:
        """Read until the event with this seq has arrived; return every event received so far."""
        async with asyncio.timeout(WAIT):
            while not any(m["seq"] == seq for m in self.events()):
                await self._read_frame()
        return self.events()

    async def closed(self) -> tuple[int | None, str]:
        """Read (and keep) everything until the server closes; return (code, reason)."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    await self._read_frame()
        except ConnectionClosed as closed:
            rcvd = closed.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, "")

    async def _read_frame(self) -> None:
        data = await self.ws.recv()
        assert isinstance(data, bytes), "server frames are binary"
        messages = decode_server_frame(data)
        self.frames.append(messages)
        self.received.extend(messages)
        self._unread.extend(messages)

    def events(self) -> list[Message]:
        """Every received message that is a room event (has a ``seq`` key)."""
        return [m for m in self.received if "seq" in m and m["type"] not in _NOT_EVENTS]

    # --- background reading (when this client must keep up while the test does other work) --
    def start_reader(self) -> None:
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read_forever())

    async def _read_forever(self) -> None:
        try:
            while True:
                await self._read_frame()
                self._arrived.set()
        except ConnectionClosed:
            self._arrived.set()

    async def wait_until(self, done: Callable[[list[Message]], bool]) -> None:
        """With ``start_reader``: wait until ``done(received)`` holds."""
        async with asyncio.timeout(WAIT * 3):
            while not done(self.received):
                self._arrived.clear()
                if self._reader.done():
                    closed = self.ws.close_code, self.ws.close_reason
                    raise AssertionError(f"connection closed before the condition held: {closed}")
                await self._arrived.wait()

    async def close(self) -> None:
        await self.ws.close()
        if hasattr(self, "_reader"):
            self._reader.cancel()


async def closed_code(url: str, first_frame: bytes | str) -> tuple[int | None, str]:
    """Open, send one frame, and return how the server closed the connection."""
    client = await RoomClient.open(url)
    await client.ws.send(first_frame)
    return await client.closed()
