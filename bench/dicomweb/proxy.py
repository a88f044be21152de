"""A throttling TCP proxy on loopback: a fixed one-way delay and a shared token-bucket rate
per direction, like one access link that every connection of a client shares.

Limits (see /work/shared/NOTES.md): TCP on both sides sees a near-zero RTT, so slow start
and window effects of a real 50 ms path are not reproduced; there is no loss. What it does
reproduce is what matters for bulk HTTP transfers: bytes arrive no faster than the link rate,
and every request/response exchange pays the round-trip time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

CHUNK = 16 * 1024


@dataclass
class Direction:
    """One direction of the link: a rate shared by every connection, and a delay."""

    rate_bps: float
    delay_s: float
    bytes: int = 0
    _free_at: float = field(default=0.0, repr=False)

    def schedule(self, size: int) -> float:
        """When a chunk read now leaves the far end (serialization queue + propagation)."""
        now = time.monotonic()
        start = max(now, self._free_at)
        self._free_at = start + size * 8 / self.rate_bps
        self.bytes += size
        return self._free_at + self.delay_s


class ThrottlingProxy:
    def __init__(self, target_port: int, rate_bps: float, rtt_s: float) -> None:
        self.target_port = target_port
        self.down = Direction(rate_bps, rtt_s / 2)  # server -> client
        self.up = Direction(rate_bps, rtt_s / 2)  # client -> server
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await task

    def reset_counters(self) -> None:
        self.down.bytes = 0
        self.up.bytes = 0

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        for task in (
            asyncio.create_task(self._pipe(client_r, server_w, self.up)),
            asyncio.create_task(self._pipe(server_r, client_w, self.down)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: Direction
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        sender = asyncio.create_task(self._deliver(queue, writer))
        try:
            while chunk := await reader.read(CHUNK):
                queue.put_nowait((direction.schedule(len(chunk)), chunk))
        except ConnectionError:
            pass
        finally:
            queue.put_nowait((0.0, b""))
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await sender

    @staticmethod
    async def _deliver(
        queue: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()
