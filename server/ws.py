"""The room WebSocket at ``/ws``: hello, then frames in, frames out (``docs/protocol.md``).

A thin adapter: size check before decoding, decode at the edge, rate-limit, hand the typed
command to the room's owner task; everything the room says comes back through the
connection's send queue. Refusals become ``_Refused`` and map to close codes in one place
(``ws_endpoint``; a join's refusal through ``_JOIN_CLOSE``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.appstate import AppState, app_state
from server.cluster import ClusterError
from server.connection import Connection, Identity
from server.fastpath import DirectWriter, ws_binary_frame
from server.interfaces import RoomHandle
from server.ratelimit import Verdict
from server.tokens import TokenError, verify_room_token
from session.codec import (
    CloseCode,
    CommandFrame,
    Hello,
    PingFrame,
    ProtocolError,
    SignalFrame,
    decode_client,
    decode_hello,
    encode_error,
    encode_pong,
    encode_protocol_error,
    hello_close_code,
    negotiate,
)
from session.errors import ErrorCode

log = logging.getLogger(__name__)
MAX_REASON_BYTES = 123  # RFC 6455: the close reason fits in a control frame


class _Closed(Exception):
    """The client went away (or never said hello) while we waited for a frame."""


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class WebSocketSink:
    """``FrameSink`` over a starlette WebSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self._direct = DirectWriter.from_scope(websocket.scope)

    async def send_bytes(self, data: bytes) -> None:
        await self._ws.send_bytes(data)

    @property
    def direct(self) -> bool:
        """True when pre-built frames can be written straight to the socket."""
        return self._direct is not None

    def write_now(self, frame: bytes, wire: bytes | None) -> bool:
        if self._direct is None:
            return False
        return self._direct.write(ws_binary_frame(frame) if wire is None else wire)

    async def close(self, code: int, reason: str) -> None:
        await self._ws.close(code, _short(reason))

    def close_now(self, code: int, reason: str) -> bool:
        return self._direct is not None and self._direct.close_now(code, _short(reason))


async def ws_endpoint(websocket: WebSocket) -> None:
    state = app_state(websocket)
    await websocket.accept()
    try:
        host, conn = await _admit(websocket, state)
    except _Refused as refused:
        state.metrics.closes.labels(code=str(refused.code)).inc()
        with contextlib.suppress(Exception):
            await websocket.close(refused.code, _short(refused.reason))
        return
    except _Closed:
        return
    writer = asyncio.create_task(conn.run_writer(), name=f"writer:{conn.participant}")
    try:
        await _serve(websocket, state, host, conn)
    finally:
        state.sockets.discard(conn)
        host.leave(conn)
        conn.close(CloseCode.NORMAL, "bye")
        await _finish(writer)


async def _admit(websocket: WebSocket, state: AppState) -> tuple[RoomHandle, Connection]:
    limits = state.settings.limits
    try:
        data = await asyncio.wait_for(_receive(websocket), limits.hello_timeout_s)
    except TimeoutError:
        raise _Refused(CloseCode.PROTOCOL_ERROR, "no hello within the time limit") from None
    hello = _hello(data, limits.max_frame_bytes)
    try:
        claims = verify_room_token(state.keys, hello.token)
    except TokenError as exc:
        raise _Refused(exc.close_code, f"token {exc.reason}: {exc.message}") from None
    host: RoomHandle | None
    try:
        host = state.rooms.get(claims.room) or await state.cluster.route(claims.room)
    except ClusterError as exc:  # it exists, but cannot be reached right now
        raise _Refused(CloseCode.TRY_AGAIN_LATER, exc.message) from None
    if host is None:
        raise _Refused(CloseCode.ROOM_NOT_FOUND, f"no room {claims.room}")
    identity = Identity(claims.room, claims.sub, claims.name, claims.role, claims.grants)
    conn = Connection(
        WebSocketSink(websocket),
        identity,
        limits,
        state.metrics,
        now=time.monotonic(),
        member_lookup=lambda: host.member(claims.sub),
    )
    refusal = await host.join(conn, hello.resume_from)
    if refusal is not None:
        raise _Refused(_JOIN_CLOSE.get(refusal.code, CloseCode.PROTOCOL_ERROR), refusal.message)
    state.sockets.add(conn, claims)
    # A revocation applied while the room admitted us found no socket to close: look again.
    revoked = state.revoker.list.check(claims, time.time())
    if revoked is not None:
        conn.close(CloseCode.TOKEN_REVOKED, revoked, drain=False)
    return host, conn


_JOIN_CLOSE = {
    ErrorCode.ROOM_CLOSED: CloseCode.ROOM_CLOSED,
    ErrorCode.FORBIDDEN: CloseCode.UNAUTHORIZED,
    ErrorCode.NOT_FOUND: CloseCode.ROOM_NOT_FOUND,
    ErrorCode.UNAVAILABLE: CloseCode.TRY_AGAIN_LATER,  # e.g. the room's node just died
    ErrorCode.ROOM_FULL: CloseCode.ROOM_FULL,
    ErrorCode.BANNED: CloseCode.BANNED,
}


def _hello(data: bytes | str, max_bytes: int) -> Hello:
    if isinstance(data, str):
        raise _Refused(CloseCode.PROTOCOL_ERROR, "hello must be a binary msgpack frame")
    if len(data) > max_bytes:
        raise _Refused(CloseCode.TOO_BIG, f"frame over {max_bytes} bytes")
    try:
        hello = decode_hello(data)
        negotiate(hello)
    except ProtocolError as exc:
        raise _Refused(hello_close_code(exc), exc.message) from None
    return hello


async def _receive(websocket: WebSocket) -> bytes | str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise _Closed
    data: bytes | str | None = message.get("bytes")
    if data is None:
        data = message.get("text") or ""
    return data


async def _serve(websocket: WebSocket, state: AppState, host: RoomHandle, conn: Connection) -> None:
    max_bytes = state.settings.limits.max_frame_bytes
    with contextlib.suppress(_Closed, WebSocketDisconnect):
        while not conn.closing:
            data = await _receive(websocket)
            if isinstance(data, str):
                _strike(conn, ProtocolError(ErrorCode.BAD_REQUEST, "text frames are not accepted"))
            elif len(data) > max_bytes:  # told why, then closed (docs/protocol.md, Limits)
                conn.send(encode_error(None, ErrorCode.TOO_LARGE, f"frame over {max_bytes} bytes"))
                conn.close(CloseCode.TOO_BIG, f"frame over {max_bytes} bytes")
            else:
                await _handle(data, state, host, conn)


async def _handle(data: bytes, state: AppState, host: RoomHandle, conn: Connection) -> None:
    try:
        frame = decode_client(data)
    except ProtocolError as exc:
        _strike(conn, exc)
        return
    command = frame.command if isinstance(frame, CommandFrame) else None
    verdict = conn.limiter.check(command, time.monotonic())
    if verdict is not Verdict.ALLOWED:
        _limited(conn, frame.ref, verdict)
        return
    match frame:
        case CommandFrame(ref=ref, command=command):
            host.submit(conn, ref, command)
        case PingFrame(ref=ref):
            conn.send(encode_pong(ref, time.time()))
        case SignalFrame():
            if not host.relay_signal(conn, frame):
                await _signal(state, conn, frame)


def _strike(conn: Connection, error: ProtocolError) -> None:
    """A bad frame costs a token like any other: over the rate it is ``rate_limited`` (and
    garbage floods end in 4008), else the sender is told what was wrong."""
    verdict = conn.limiter.check(None, time.monotonic())
    if verdict is not Verdict.ALLOWED:
        _limited(conn, error.ref, verdict)
        return
    conn.send(encode_protocol_error(error))
    conn.metrics.errors.labels(code=error.code.value).inc()


def _limited(conn: Connection, ref: int | None, verdict: Verdict) -> None:
    if verdict is Verdict.FLOOD:
        conn.close(CloseCode.FLOOD, "too many rate-limited commands")
        return
    conn.send(encode_error(ref, ErrorCode.RATE_LIMITED, "slow down"))
    conn.metrics.errors.labels(code=ErrorCode.RATE_LIMITED.value).inc()


async def _signal(state: AppState, conn: Connection, frame: SignalFrame) -> None:
    if state.media is None:
        conn.send(encode_error(frame.ref, ErrorCode.UNKNOWN_COMMAND, "media is not enabled"))
        return
    try:
        await state.media.on_signal(conn, frame)
    except Exception:  # the media layer's bug must not take the room connection down
        log.exception("media signalling failed for %s", conn.participant)
        conn.send(encode_error(frame.ref, ErrorCode.INTERNAL, "media signalling failed"))


async def _finish(writer: asyncio.Task[None]) -> None:
    """Let the writer send the close frame; give up on a peer that never reads."""
    try:
        await asyncio.wait_for(asyncio.shield(writer), 5.0)
    except TimeoutError:
        writer.cancel()
    except Exception:
        log.debug("writer ended with an error", exc_info=True)


def _short(reason: str) -> str:
    encoded = reason.encode()[:MAX_REASON_BYTES]
    return encoded.decode(errors="ignore")
