"""Encode once, send many — down to the WebSocket frame: write pre-built frames to sockets.

Server-to-client WebSocket frames are unmasked, so one room frame has the same wire bytes for
every recipient. ``ws_binary_frame`` builds them once per flush; ``DirectWriter`` writes them
straight to a connection's transport when its socket keeps up, skipping the per-connection
ASGI send chain and writer-task wake-up (docs/benchmarks.md: that is where huizhen's fan-out
CPU went). Whenever the direct path is unavailable (another ASGI server, compression
negotiated, the transport paused or closing) the caller falls back to the ordinary ASGI send.

The ONLY module that touches uvicorn's WebSocket protocol object (``websockets-sansio``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.protocol import State

RAW_SEND_KEY = "huizhen.raw_send"


def ws_binary_frame(payload: bytes) -> bytes:
    """An unfragmented, unmasked binary frame (RFC 6455 5.2), as a server sends it."""
    size = len(payload)
    if size < 126:
        header = bytes((0x82, size))
    elif size < 1 << 16:
        header = b"\x82\x7e" + size.to_bytes(2, "big")
    else:
        header = b"\x82\x7f" + size.to_bytes(8, "big")
    return header + payload


class CaptureRawSend:
    """ASGI middleware: remember the server's own ``send`` for WebSockets (before wrappers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND_KEY] = send
        await self.app(scope, receive, send)


class DirectWriter:
    """Writes pre-built frames to uvicorn's transport for one WebSocket, when that is safe."""

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        # Fixed for the connection's life: looked up once, not per frame (a hot path).
        self._transport = protocol.transport
        self._writable = protocol.writable
        self._conn = protocol.conn

    @classmethod
    def from_scope(cls, scope: Scope) -> DirectWriter | None:
        """None unless the connection is served by uvicorn's websockets-sansio protocol and
        is already open without extensions (call it after ``accept``: e.g. permessage-deflate,
        once negotiated, makes frames differ per connection)."""
        protocol = getattr(scope.get(RAW_SEND_KEY), "__self__", None)
        needed = ("transport", "writable", "conn", "close_sent", "queue", "close_timeout")
        if protocol is None or not all(hasattr(protocol, name) for name in needed):
            return None
        if protocol.conn.state is not State.OPEN or protocol.conn.extensions:
            return None
        return cls(protocol)

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` (from ``ws_binary_frame``) now; False: use the ASGI send instead."""
        if (
            self._writable.is_set()  # not paused: the socket keeps up
            and self._conn.state is State.OPEN
            and not self._protocol.close_sent
            and not self._transport.is_closing()
        ):
            self._transport.write(frame)
            return True
        return False

    def close_now(self, code: int, reason: str) -> bool:
        """Write the close frame now, even to a peer that stopped reading; False: too late.

        uvicorn's own ``websocket.close`` first awaits a writable socket, so to a stalled reader
        it never goes. Written here it lands behind the frames the transport already holds, and
        the app's ``receive`` gets its disconnect at once (as uvicorn's own close does). A peer
        that has not taken it within ``close_timeout`` is aborted: closing would wait forever
        for a buffer nobody drains.
        """
        protocol = self._protocol
        if protocol.close_sent or self._transport.is_closing():
            return False
        if self._conn.state is not State.OPEN:
            return False
        protocol.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self._conn.send_close(code, reason)
        self._transport.write(b"".join(self._conn.data_to_send()))
        protocol.close_sent = True
        if getattr(protocol, "read_paused", False):  # the peer's closing reply must get in
            protocol.read_paused = False
            self._transport.resume_reading()
        loop = asyncio.get_running_loop()
        protocol.close_timer = loop.call_later(protocol.close_timeout, self._give_up)
        return True

    def _give_up(self) -> None:
        """The peer never answered our close: close if it took everything, else abort."""
        if self._transport.get_write_buffer_size():
            self._transport.abort()
        else:
            self._transport.close()
