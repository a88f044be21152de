"""A cheap WebSocket client: websockets' sans-I/O ``ClientProtocol`` on a bare asyncio Protocol.

The asyncio client of websockets costs a future and a queue hop per message; with 1000
listeners in a handful of processes that cost, not the server, would set the ceiling.
Here each ``data_received`` parses every frame in the chunk and stamps them all with ONE
receipt time taken before parsing, so parsing cost does not inflate the measured latency.
Ping/pong and the close handshake are handled by the sans-I/O protocol itself.
"""

import asyncio
import time
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

OnFrame = Callable[[bool, bytes, float], None]
"""Called with (is_text, payload, receipt time as time.monotonic())."""


class WsClient(asyncio.Protocol):
    def __init__(self, uri: str, on_frame: OnFrame) -> None:
        self.protocol = ClientProtocol(parse_uri(uri), max_size=2**24)
        self.on_frame = on_frame
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None
        self.close_reason = ""
        self.transport: asyncio.Transport | None = None

    # asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                self._frame(event, now)
            elif isinstance(event, Response):
                self._response(event)
        self._flush()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost before open: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    # API -----------------------------------------------------------------------------------
    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            self.protocol.send_text(data.encode())
        else:
            self.protocol.send_binary(data)
        self._flush()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    # internals -----------------------------------------------------------------------------
    def _frame(self, frame: Frame, now: float) -> None:
        if frame.opcode is Opcode.BINARY or frame.opcode is Opcode.TEXT:
            if not frame.fin:
                raise RuntimeError("fragmented messages are not expected from these servers")
            self.on_frame(frame.opcode is Opcode.TEXT, bytes(frame.data), now)
        elif frame.opcode is Opcode.CLOSE:
            close = self.protocol.close_rcvd
            self.close_code = close.code if close else 1005
            self.close_reason = close.reason if close else ""

    def _response(self, response: Response) -> None:
        if self.opened.done():
            return
        if response.status_code == 101 and self.protocol.handshake_exc is None:
            self.opened.set_result(None)
        else:
            self.opened.set_exception(
                ConnectionError(f"handshake failed: HTTP {response.status_code}")
            )

    def _flush(self) -> None:
        if self.transport is None:
            return
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()
        if self.protocol.close_expected():
            self.transport.close()


async def connect(uri: str, on_frame: OnFrame) -> WsClient:
    """Open a connection to a ws://127.0.0.1:PORT/... URI and finish the HTTP upgrade."""
    wsuri = parse_uri(uri)
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: WsClient(uri, on_frame), wsuri.host, wsuri.port
    )
    await client.opened
    return client
