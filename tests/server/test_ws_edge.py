"""The WebSocket edge: tokens, hello, size limits, bad frames, rate limits, replacement."""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest
from livetools import LiveServer, make_settings, run_live_server
from room_client import RoomClient, closed_code
from websockets.exceptions import ConnectionClosed

from server.settings import Limits, SigningKey
from server.tokens import KeyRing, mint_room_token
from session.codec import encode_hello
from session.commands import Kick, PostChat, SetVoi
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.model import Voi


def packed(message: dict[str, object]) -> bytes:
    data: bytes = msgpack.packb(message, use_bin_type=True)
    return data


@pytest.fixture
def room(live_server: LiveServer) -> str:
    return live_server.create_room("edge")


async def test_missing_token_closes_4001(live_server: LiveServer, room: str) -> None:
    code, reason = await closed_code(live_server.ws_url, encode_hello(""))
    assert code == 4001 and "missing" in reason


async def test_forged_token_closes_4001(live_server: LiveServer, room: str) -> None:
    forged = mint_room_token(
        KeyRing((SigningKey("k2", "not-the-server-secret-0123456789abcdef"),)),
        room=RoomId(room),
        identity=ParticipantId("mallory"),
        name="M",
        role=Role.HOST,
        ttl_s=60,
    )
    code, reason = await closed_code(live_server.ws_url, encode_hello(forged))
    assert code == 4001 and "forged" in reason


async def test_expired_token_closes_4002(live_server: LiveServer, room: str) -> None:
    expired = live_server.mint(room, "late", now=time.time() - 7200, ttl_s=60)
    code, reason = await closed_code(live_server.ws_url, encode_hello(expired))
    assert code == 4002 and "expired" in reason


async def test_token_for_unknown_room_closes_4004(live_server: LiveServer, room: str) -> None:
    code, _ = await closed_code(live_server.ws_url, encode_hello(live_server.mint("nowhere", "x")))
    assert code == 4004


async def test_a_full_room_closes_4012_and_keeps_its_people(
    live_server: LiveServer, room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("session.presence.MAX_PARTICIPANTS", 2)  # the core's limit, made small
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
    code, reason = await closed_code(
        live_server.ws_url, encode_hello(live_server.mint(room, "third", Role.OBSERVER))
    )
    assert code == 4012 and "at most 2" in reason
    reply = await doc.reply(await doc.send(PostChat("still here")))
    assert reply["type"] == "ack"
    await host.close()
    await doc.close()


async def test_token_signed_with_the_older_key_still_admits(
    live_server: LiveServer, room: str
) -> None:
    older = KeyRing(live_server.settings.signing_keys[1:])
    token = mint_room_token(
        older,
        room=RoomId(room),
        identity=ParticipantId("o"),
        name="O",
        role=Role.OBSERVER,
        ttl_s=60,
    )
    client = await RoomClient.connect(live_server.ws_url, token)
    assert client.welcome["you"] == "o"
    await client.close()


async def test_first_frame_must_be_hello(live_server: LiveServer, room: str) -> None:
    code, _ = await closed_code(live_server.ws_url, packed({"type": "ping", "ref": 1}))
    assert code == 4000
    code, _ = await closed_code(live_server.ws_url, "hello as text")
    assert code == 4000


async def test_unsupported_version_closes_4010(live_server: LiveServer, room: str) -> None:
    hello = packed({"type": "hello", "versions": [99], "token": live_server.mint(room, "v")})
    code, _ = await closed_code(live_server.ws_url, hello)
    assert code == 4010


async def test_no_hello_in_time_closes_4000(live_server_factory: Callable[..., LiveServer]) -> None:
    server = live_server_factory(limits=Limits(hello_timeout_s=0.2))
    client = await RoomClient.open(server.ws_url)
    code, reason = await client.closed()
    assert code == 4000 and "hello" in reason


async def test_oversized_hello_closes_1009(live_server: LiveServer, room: str) -> None:
    code, _ = await closed_code(live_server.ws_url, b"\x00" * (64 * 1024 + 1))
    assert code == 1009


async def test_oversized_frame_gets_too_large_then_1009(live_server: LiveServer, room: str) -> None:
    """docs/protocol.md, Refusing a frame: `too_large`, ref nil, then the 1009 close."""
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "big"))
    await client.ws.send(b"\x00" * (100 * 1024))
    code, _ = await client.closed()
    assert code == 1009
    errors = [m for m in client.received if m["type"] == "error"]
    assert [(e["code"], e["ref"]) for e in errors] == [("too_large", None)]


async def test_garbage_gets_bad_request_and_the_connection_still_works(
    live_server: LiveServer, room: str
) -> None:
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "g"))
    await client.ws.send(b"\xc1\xff\x00garbage")
    error = await client.event("error")
    assert error["code"] == "bad_request" and error["ref"] is None
    await client.ws.send("a text frame")
    assert (await client.event("error"))["code"] == "bad_request"
    await client.ws.send(packed({"type": "post_chat", "ref": 7, "text": 42}))
    error = await client.event("error")
    assert error["code"] == "bad_request" and error["ref"] == 7
    ack = await client.reply(await client.send(PostChat("still here")))
    assert ack["type"] == "ack" and ack["seq"] is not None
    await client.close()


async def test_unknown_command(live_server_factory: Callable[..., LiveServer]) -> None:
    server = live_server_factory(hooks=[])  # no lifespan plug-ins: no media layer either
    room = server.create_room("plain")
    client = await RoomClient.connect(server.ws_url, server.mint(room, "u"))
    await client.ws.send(packed({"type": "launch_rocket", "ref": 3}))
    error = await client.event("error")
    assert (error["code"], error["ref"]) == ("unknown_command", 3)
    await client.ws.send(packed({"type": "rtc_offer", "ref": 4, "sdp": "v=0"}))
    error = await client.event("error")
    assert (error["code"], error["ref"]) == ("unknown_command", 4)
    await client.close()


async def test_flood_rate_limited_then_4008(live_server_factory: Callable[..., LiveServer]) -> None:
    # The burst as documented (20), but no refill to speak of: however slowly a loaded
    # machine runs this loop, exactly the burst gets through.
    live_server = live_server_factory(limits=Limits(other_rate=0.001, other_burst=20))
    room = live_server.create_room("flood")
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "f"))
    for n in range(200):  # burst 20, then refusals; the 100th refusal closes
        try:
            await client.send(PostChat(f"spam {n}"))
        except ConnectionClosed:
            break
    code, reason = await client.closed()
    assert code == 4008 and "rate" in reason
    limited = [m for m in client.received if m["type"] == "error"]
    assert {m["code"] for m in limited} == {"rate_limited"}
    assert len(limited) >= 90
    # The burst of 20 reached the room, nothing more.
    observer = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "o"))
    chats = observer.welcome["snapshot"]["chat"]
    assert [c["text"] for c in chats] == [f"spam {n}" for n in range(20)]
    await observer.close()


async def test_same_identity_again_replaces_the_older_connection(
    live_server: LiveServer, room: str
) -> None:
    token = live_server.mint(room, "twice")
    first = await RoomClient.connect(live_server.ws_url, token)
    second = await RoomClient.connect(live_server.ws_url, token)
    code, _ = await first.closed()
    assert code == 4011
    ack = await second.reply(await second.send(PostChat("I am the one")))
    assert ack["type"] == "ack"
    await second.close()


async def test_kicked_participant_is_closed_4005(live_server: LiveServer, room: str) -> None:
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
    ack = await host.reply(await host.send(Kick(ParticipantId("d"), "bye")))
    assert ack["type"] == "ack"
    code, _ = await doc.closed()
    assert code == 4005
    left = [m for m in doc.received if m["type"] == "participant_left"]
    assert left and left[0]["participant"] == "d" and left[0]["reason"] == "kicked"
    await host.close()


async def test_closing_the_room_closes_everyone_4006(live_server: LiveServer, room: str) -> None:
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
    with live_server.admin() as admin:
        response = admin.delete(f"/api/rooms/{room}")
    assert response.status_code == 200 and response.json()["closed"] is True
    for client in (host, doc):
        code, _ = await client.closed()
        assert code == 4006
        assert any(m["type"] == "room_closed" for m in client.received)
    code, _ = await closed_code(live_server.ws_url, encode_hello(live_server.mint(room, "x")))
    assert code == 4006


async def test_two_rooms_are_isolated(live_server: LiveServer) -> None:
    a = live_server.create_room("room-a")
    b = live_server.create_room("room-b")
    host_a = await RoomClient.connect(live_server.ws_url, live_server.mint(a, "h", Role.HOST))
    host_b = await RoomClient.connect(live_server.ws_url, live_server.mint(b, "h", Role.HOST))
    ack_a = await host_a.reply(await host_a.send(SetVoi(0, Voi(1.0, 1.0))))
    ack_b = await host_b.reply(await host_b.send(SetVoi(0, Voi(2.0, 2.0))))
    await host_a.until_seq(ack_a["seq"])
    await host_b.until_seq(ack_b["seq"])
    vois_a = [m["voi"]["center"] for m in host_a.events() if m["type"] == "voi_changed"]
    vois_b = [m["voi"]["center"] for m in host_b.events() if m["type"] == "voi_changed"]
    assert (vois_a, vois_b) == ([1.0], [2.0])
    # A room-a token does not open room-b (the room comes from the token, never the client).
    assert host_a.welcome["room"] == "room-a" and host_b.welcome["room"] == "room-b"
    await host_a.close()
    await host_b.close()


async def test_a_stream_of_garbage_ends_in_4008(live_server: LiveServer, room: str) -> None:
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "junk"))
    for _ in range(200):
        try:
            await client.ws.send(b"\xc1")
        except ConnectionClosed:
            break
    code, _ = await client.closed()
    assert code == 4008
    # docs/protocol.md, Limits: undecodable frames count against the "other" bucket (burst
    # 20); past it they are answered `rate_limited` like any frame over the rate.
    codes = [m["code"] for m in client.received if m["type"] == "error"]
    assert codes[:20] == ["bad_request"] * 20
    assert set(codes[20:]) <= {"bad_request", "rate_limited"}  # a token may refill meanwhile
    assert codes[-1] == "rate_limited"


async def test_server_shutdown_closes_room_connections(tmp_path: Path) -> None:
    with run_live_server(make_settings(tmp_path), hooks=[]) as server:
        room = server.create_room("bye")
        client = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
        server._server.should_exit = True  # what SIGTERM does
        code, _ = await client.closed()
    assert code in (1001, 1012)  # ours (going away) or uvicorn's (service restart)


async def test_replies_leave_in_the_order_their_frames_arrived(
    live_server: LiveServer, room: str
) -> None:
    """docs/protocol.md, Connection sequence: a pong or an edge refusal never overtakes the
    ack of a command sent before it, even when the frames arrive in one read."""
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "order"))
    frames = []
    for n in range(5):
        frames.append(packed({"type": "post_chat", "ref": 3 * n + 1, "text": f"chat {n}"}))
        frames.append(packed({"type": "ping", "ref": 3 * n + 2}))
        frames.append(packed({"type": "post_chat", "ref": 3 * n + 3, "text": 42}))  # refused
    for frame in frames:  # no awaiting replies in between: they queue up together
        await client.ws.send(frame)
    replies = []
    async with asyncio.timeout(10):
        while len(replies) < len(frames):
            message = await client.next_message(lambda m: m["type"] in ("ack", "pong", "error"))
            replies.append((message["type"], message["ref"]))
    expected = [("ack", 1), ("pong", 2), ("error", 3)]
    assert replies == [(kind, ref + 3 * n) for n in range(5) for kind, ref in expected]
    await client.close()
