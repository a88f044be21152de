"""Seams for other parts: media signalling (SFU) and event observers (recorder)."""

import contextlib
from collections.abc import AsyncIterator, Callable

from livetools import LiveServer, eventually
from room_client import RoomClient

from server.appstate import AppState
from server.interfaces import SignalFrameLike, SignalPeer
from server.roomhost import LocalRoom
from session.codec import encode_signal
from session.commands import Kick, PostChat
from session.events import Stamped
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId, RoomId


class RecordingMedia:
    """A MediaSignalling that answers offers and records lifecycle calls."""

    def __init__(self) -> None:
        self.offers: list[tuple[str, str, frozenset[Grant] | None]] = []
        self.leaves: list[tuple[RoomId, ParticipantId]] = []
        self.closed: list[RoomId] = []

    async def on_signal(self, conn: SignalPeer, frame: SignalFrameLike) -> None:
        member = conn.member()
        self.offers.append((conn.participant, frame.sdp, member.grants if member else None))
        conn.send(encode_signal("rtc_answer", frame.ref, "v=0 answer"))

    async def on_leave(self, room_id: RoomId, participant: ParticipantId) -> None:
        self.leaves.append((room_id, participant))

    async def on_room_closed(self, room_id: RoomId) -> None:
        self.closed.append(room_id)


async def test_media_signalling_hook(live_server_factory: Callable[..., LiveServer]) -> None:
    media = RecordingMedia()

    @contextlib.asynccontextmanager
    async def install(state: AppState) -> AsyncIterator[None]:
        state.media = media
        yield

    server = live_server_factory(hooks=[install])
    room = server.create_room("media")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(server.ws_url, server.mint(room, "d"))
    await doc.ws.send(
        b"\x83\xa4type\xa9rtc_offer\xa3ref\x05\xa3sdp\xa9v=0 offer"  # {"type","ref":5,"sdp"}
    )
    answer = await doc.event("rtc_answer")
    assert (answer["ref"], answer["sdp"]) == (5, "v=0 answer")
    assert media.offers == [("d", "v=0 offer", default_grants(Role.PARTICIPANT))]

    await host.reply(await host.send(Kick(ParticipantId("d"))))
    await doc.closed()
    await eventually(lambda: (room, "d") in media.leaves)
    await host.close()
    await eventually(lambda: (room, "h") in media.leaves)
    with server.admin() as admin:
        admin.delete(f"/api/rooms/{room}")
    await eventually(lambda: media.closed == [room])


async def test_observers_see_every_event_and_cannot_harm_the_room(
    live_server: LiveServer,
) -> None:
    room = live_server.create_room("obs")
    seen: list[tuple[int | None, str, bytes]] = []

    def broken(stamped: Stamped, message: bytes) -> None:
        raise RuntimeError("observer bug")

    def recorder(stamped: Stamped, message: bytes) -> None:
        seen.append((stamped.seq, type(stamped.event).__name__, message))

    host_obj = live_server.state.rooms.get(RoomId(room))
    assert host_obj is not None
    host_obj.add_observer(broken)
    host_obj.add_observer(recorder)
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    ack = await client.reply(await client.send(PostChat("recorded")))
    assert ack["type"] == "ack"
    await client.until_seq(ack["seq"])
    await eventually(lambda: any(seq == ack["seq"] for seq, _, _ in seen))
    kinds = [kind for _, kind, _ in seen]
    assert kinds[0] == "ParticipantJoined" and "ChatPosted" in kinds
    # The observer gets the very bytes the clients got (encoded once).
    chat_bytes = next(message for seq, _, message in seen if seq == ack["seq"])
    assert b"recorded" in chat_bytes
    await client.close()


async def test_on_host_reaches_existing_and_future_rooms(live_server: LiveServer) -> None:
    live_server.create_room("before")
    seen: list[str] = []

    def attach(host: LocalRoom) -> None:
        seen.append(host.room.id)
        host.add_observer(lambda stamped, message: seen.append(f"{host.room.id}:{stamped.seq}"))

    live_server.state.rooms.on_host(attach)
    live_server.create_room("after")
    client = await RoomClient.connect(live_server.ws_url, live_server.mint("after", "h"))
    await eventually(lambda: "after:1" in seen)
    assert seen[:2] == ["before", "after"]
    await client.close()
