"""A minimal RFC 6455 client for the load generator: one asyncio Protocol, no task per socket.

The asyncio client of websockets (and even its sans-I/O parser) costs several µs per frame;
with 1000 listeners at 60 events/s sharing 2 cores with the server under test, that cost would
set the ceiling. This client parses server frames (never masked) straight out of the receive
buffer and stamps every frame of a chunk with ONE receipt time taken before parsing, so
parsing does not inflate the measured latency. Outgoing frames (rare: hello, pongs, the
driver's commands) are built by websockets' own ``Frame.serialize`` (masked, as required).
Pings are answered; a close frame is recorded, answered and ends the connection.
"""

import asyncio
import base64
import hashlib
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from websockets.frames import Close, Frame, Opcode

OnFrame = Callable[[bool, bytes, float], None]
"""Called with (is_text, payload, receipt time as time.monotonic())."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_LEN16 = struct.Struct(">H")
_LEN64 = struct.Struct(">Q")
MAX_HEADER_BYTES = 16384


class WsClient(asyncio.Protocol):
    def __init__(self, uri: str, on_frame: OnFrame) -> None:
        parts = urlsplit(uri)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._host = parts.netloc
        self._key = base64.b64encode(os.urandom(16))
        self.on_frame = on_frame
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None
        self.close_reason = ""
        self.transport: asyncio.Transport | None = None
        self._buffer = b""
        self._upgraded = False

    # asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(
            b"GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
            % (self._target.encode(), self._host.encode(), self._key)
        )

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self._buffer + data if self._buffer else data
        if not self._upgraded:
            buffer = self._upgrade(buffer)
        self._buffer = self._frames(buffer, now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost before open: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    # API -----------------------------------------------------------------------------------
    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            self._send(Frame(Opcode.TEXT, data.encode()))
        else:
            self._send(Frame(Opcode.BINARY, data))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    # internals -----------------------------------------------------------------------------
    def _send(self, frame: Frame) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame.serialize(mask=True))

    def _upgrade(self, buffer: bytes) -> bytes:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEADER_BYTES:
                self._fail("handshake response too large")
            return buffer
        head, rest = buffer[:end].decode("latin-1"), buffer[end + 4 :]
        accept = base64.b64encode(hashlib.sha1(self._key + _GUID).digest()).decode()
        if not head.startswith("HTTP/1.1 101") or accept not in head:
            self._fail(f"handshake failed: {head.splitlines()[0]!r}")
            return b""
        self._upgraded = True
        self.opened.set_result(None)
        return rest

    def _frames(self, buffer: bytes, now: float) -> bytes:
        """Deliver every complete frame in ``buffer``; return the incomplete tail."""
        at, size = 0, len(buffer)
        while self._upgraded and size - at >= 2:
            b0, length = buffer[at], buffer[at + 1]
            start = at + 2
            if length == 126:
                if size - at < 4:
                    break
                (length,) = _LEN16.unpack_from(buffer, start)
                start += 2
            elif length == 127:
                if size - at < 10:
                    break
                (length,) = _LEN64.unpack_from(buffer, start)
                start += 8
            elif length > 127:
                self._fail("masked frame from server")
                return b""
            if size < start + length:
                break
            self._frame(b0, buffer[start : start + length], now)
            at = start + length
        return buffer[at:]

    def _frame(self, b0: int, payload: bytes, now: float) -> None:
        opcode = b0 & 0x0F
        if opcode in (1, 2):
            if not b0 & 0x80:
                self._fail("fragmented messages are not expected from these servers")
            else:
                self.on_frame(opcode == 1, payload, now)
        elif opcode == 9:
            self._send(Frame(Opcode.PONG, payload))
        elif opcode == 8:
            close = Close.parse(payload) if payload else None
            self.close_code = close.code if close else 1005
            self.close_reason = close.reason if close else ""
            self._send(Frame(Opcode.CLOSE, payload[:2]))
            self._upgraded = False
            if self.transport is not None:
                self.transport.close()

    def _fail(self, why: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(why))
        self._upgraded = False
        self.close()


async def connect(uri: str, on_frame: OnFrame) -> WsClient:
    """Open a connection to a ws://127.0.0.1:PORT/... URI and finish the HTTP upgrade."""
    parts = urlsplit(uri)
    loop = asyncio.get_running_loop()
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    _, client = await loop.create_connection(lambda: WsClient(uri, on_frame), host, port)
    await client.opened
    return client
