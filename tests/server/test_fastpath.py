"""Pre-built WebSocket frames: byte-exact with websockets, and really used by the live server."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from livetools import LiveServer, eventually
from room_client import RoomClient
from websockets.frames import Frame, Opcode

from server.fastpath import ws_binary_frame
from server.ws import WebSocketSink
from session.commands import SetVoi
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.model import Voi


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_frame_header_sizes_match_websockets(size: int) -> None:
    payload = bytes(n % 251 for n in range(size))
    expected = Frame(Opcode.BINARY, payload).serialize(mask=False, extensions=[])
    assert ws_binary_frame(payload) == expected


@given(st.binary(max_size=300))
def test_frame_matches_websockets(payload: bytes) -> None:
    expected = Frame(Opcode.BINARY, payload).serialize(mask=False, extensions=[])
    assert ws_binary_frame(payload) == expected


async def test_live_connections_use_the_direct_path(live_server: LiveServer) -> None:
    room = live_server.create_room("direct")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
    hosted = live_server.state.rooms.get(RoomId(room))
    assert hosted is not None
    # The welcome is written before the server thread registers the connection: wait for it.
    await eventually(lambda: ParticipantId("d") in hosted.connections)
    sink = hosted.connections[ParticipantId("d")].sink
    assert isinstance(sink, WebSocketSink) and sink.direct
    ack = await host.reply(await host.send(SetVoi(0, Voi(10.0, 20.0))))
    events = await doc.until_seq(ack["seq"])  # a directly written frame decodes normally
    assert events[-1]["type"] == "voi_changed" and events[-1]["voi"]["width"] == 20.0
    await host.close()
    await doc.close()


async def test_compressed_connections_fall_back_to_the_asgi_send(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    """permessage-deflate makes each connection's frames its own: no shared pre-built bytes."""
    server = live_server_factory(ws_per_message_deflate=True)
    room = server.create_room("deflate")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(server.ws_url, server.mint(room, "d"), compression="deflate")
    hosted = server.state.rooms.get(RoomId(room))
    assert hosted is not None
    await eventually(lambda: ParticipantId("d") in hosted.connections)
    plain, deflated = (hosted.connections[ParticipantId(p)].sink for p in ("h", "d"))
    assert isinstance(deflated, WebSocketSink) and not deflated.direct
    assert isinstance(plain, WebSocketSink) and plain.direct
    ack = await host.reply(await host.send(SetVoi(0, Voi(10.0, 30.0))))
    events = await doc.until_seq(ack["seq"])
    assert events[-1]["type"] == "voi_changed" and events[-1]["voi"]["width"] == 30.0
    await host.close()
    await doc.close()
