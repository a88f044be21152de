"""What differs between the servers under test, seen from the load generator.

A dialect says where to connect, how to finish the application handshake, how a driver emits
one event, and how to get the event bytes out of a received WebSocket frame. Every listener of
every dialect then runs the SAME reader (``payload.send_times``) over the SAME event bytes:
what remains different is only each protocol's own framing (socket.io's default parser sends a
text header frame plus a binary attachment frame per event; its msgpack parser wraps the bytes
in one more msgpack map), and that difference is real cost a client of that server pays too.
The generator's CPU per received event is reported per dialect so it can be compared.
"""

import asyncio
import json
from dataclasses import dataclass
from enum import StrEnum

import msgpack

from bench.fanout.payload import Kind, peer_frame
from bench.fanout.wsclient import WsClient

SIO_PATH = "/socket.io/?EIO=4&transport=websocket"
SIO_EVENTS = {Kind.VOI: "voi", Kind.POINTER: "ptr"}
_SIO_BINARY_HEADER = {
    kind: ("451-" + json.dumps([name, {"_placeholder": True, "num": 0}])).encode()
    for kind, name in SIO_EVENTS.items()
}


class Dialect(StrEnum):
    HUIZHEN = "huizhen"
    BARE = "bare"  # websockets.broadcast(): the bytes the driver sent go out unchanged
    SIO = "sio"  # socket.io default parser (binary attachment)
    SIO_MSGPACK = "sio-msgpack"  # socket.io msgpack parser

    @property
    def is_socketio(self) -> bool:
        return self in (Dialect.SIO, Dialect.SIO_MSGPACK)


@dataclass(frozen=True, slots=True)
class Target:
    dialect: Dialect
    port: int

    def url(self, *, driver: bool) -> str:
        base = f"ws://127.0.0.1:{self.port}"
        if self.dialect is Dialect.HUIZHEN:
            return base + "/ws"
        if self.dialect is Dialect.BARE:
            return base + ("/drive" if driver else "/listen")
        return base + SIO_PATH


# --- listener side ---------------------------------------------------------------------------
def event_bytes(dialect: Dialect, is_text: bool, data: bytes) -> bytes | None:
    """The event bytes inside one received frame, or None for protocol chatter."""
    if dialect is Dialect.HUIZHEN or dialect is Dialect.BARE:
        return None if is_text else data
    if dialect is Dialect.SIO:
        return None if is_text else data  # the attachment; its text header carries no data
    # msgpack parser: the event bytes sit verbatim (msgpack bin) inside the packet map, and
    # ``payload.fast_send_times`` finds them there without decoding the packet first.
    return None if is_text else data


def is_ping(dialect: Dialect, is_text: bool, data: bytes) -> bool:
    """engine.io v4: the server pings ("2"), the client must answer "3" or be dropped."""
    return dialect.is_socketio and is_text and data == b"2"


async def handshake(
    dialect: Dialect,
    client: WsClient,
    inbox: "asyncio.Queue[tuple[bool, bytes]]",
    token: str | None,
) -> None:
    """Finish the application-level join; frames arriving meanwhile come through ``inbox``."""
    if dialect is Dialect.HUIZHEN:
        await _huizhen_hello(client, inbox, token)
    elif dialect.is_socketio:
        await _sio_connect(dialect, client, inbox)


async def _huizhen_hello(
    client: WsClient, inbox: "asyncio.Queue[tuple[bool, bytes]]", token: str | None
) -> None:
    hello = {"type": "hello", "versions": [1], "token": token, "resume_from": None}
    client.send(msgpack.packb(hello))
    while True:
        _, data = await _frame_or_close(client, inbox)
        for message in msgpack.unpackb(data):
            if message.get("type") == "welcome":
                return
            if message.get("type") == "error":
                raise ConnectionError(f"huizhen refused hello: {message}")


async def _frame_or_close(
    client: WsClient, inbox: "asyncio.Queue[tuple[bool, bytes]]"
) -> tuple[bool, bytes]:
    """The next frame; a refused hello (e.g. a full room) ends in a close frame instead, which
    must fail the join at once rather than after the handshake timeout."""
    get = asyncio.ensure_future(inbox.get())
    await asyncio.wait([get, client.closed], return_when=asyncio.FIRST_COMPLETED)
    if get.done():
        return get.result()
    get.cancel()
    raise ConnectionError(f"huizhen closed the hello: {client.close_code} {client.close_reason}")


async def _sio_connect(
    dialect: Dialect, client: WsClient, inbox: "asyncio.Queue[tuple[bool, bytes]]"
) -> None:
    is_text, data = await inbox.get()
    if not (is_text and data.startswith(b"0")):
        raise ConnectionError(f"expected engine.io open, got {data[:40]!r}")
    if dialect is Dialect.SIO:
        client.send("40")
    else:
        client.send(msgpack.packb({"type": 0, "nsp": "/"}))
    while True:
        is_text, data = await inbox.get()
        if is_text and data.startswith(b"40"):
            return
        if not is_text and msgpack.unpackb(data).get("type") == 0:
            return


# --- driver side -----------------------------------------------------------------------------
def driver_messages(dialect: Dialect, kind: Kind, seq: int, t_rel: float) -> list[bytes | str]:
    """What the driver writes for one VOI change or pointer move sent at ``t_rel``."""
    if dialect is Dialect.HUIZHEN:
        return [msgpack.packb(_huizhen_command(kind, seq, t_rel))]
    frame = peer_frame(kind, seq, t_rel)
    if dialect is Dialect.BARE:
        return [frame]
    if dialect is Dialect.SIO:
        return [_SIO_BINARY_HEADER[kind].decode(), frame]
    return [msgpack.packb({"type": 2, "nsp": "/", "data": [SIO_EVENTS[kind], frame]})]


def _huizhen_command(kind: Kind, ref: int, t_rel: float) -> dict[str, object]:
    if kind is Kind.VOI:
        voi = {"center": t_rel, "width": 400.0, "function": "LINEAR"}
        return {"type": "set_voi", "ref": ref, "viewport": 0, "voi": voi}
    return {"type": "move_pointer", "ref": ref, "viewport": 0, "position": [t_rel, 256.0]}
