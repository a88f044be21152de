"""The SFU's signalling and room lifecycle with real aiortc clients (no WebSocket here).

The WebSocket path is covered by ``tests/server/test_sfu*.py``; these use an in-memory
``SignalPeer`` (the seam ``server.ws`` calls) so failures point at the SFU itself.
"""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import msgpack
import pytest
from aiortc.mediastreams import AudioStreamTrack
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, unpack_remb_fci
from livetools import eventually
from sfu_peers import MediaClient, PatternTrack, received

from server.interfaces import MemberView
from server.sfu.peer import Publication
from server.sfu.signalling import Sfu
from session.events import GrantsChanged, Stamped
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId, RoomId

ROOM = RoomId("r1")


@dataclass(frozen=True)
class Signal:
    ref: int
    type: str
    sdp: str


@dataclass
class FakeConn:
    """The ``SignalPeer`` a WebSocket connection would be: messages go to an aiortc client."""

    participant: ParticipantId
    grants: frozenset[Grant]
    room_id: RoomId = ROOM
    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    online: bool = True

    def send(self, message: bytes) -> None:
        self.inbox.put_nowait(msgpack.unpackb(message))

    def member(self) -> MemberView | None:
        return MemberView(self.participant, self.grants, self.online)


class Room:
    def __init__(self, sfu: Sfu) -> None:
        self.sfu = sfu
        self.clients: dict[str, MediaClient] = {}
        self.conns: dict[str, FakeConn] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def join(self, name: str, role: Role) -> MediaClient:
        conn = FakeConn(ParticipantId(name), default_grants(role))

        async def signal(kind: str, ref: int, sdp: str) -> None:
            await self.sfu.on_signal(conn, Signal(ref, kind, sdp))

        client = MediaClient(signal)

        async def pump() -> None:  # to whichever client is bound to the name now
            while True:
                message = await conn.inbox.get()
                await self.clients[name].handle(message)

        self._tasks.append(asyncio.ensure_future(pump()))
        self.clients[name], self.conns[name] = client, conn
        return client

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for client in self.clients.values():
            await client.close()


@pytest.fixture
async def room() -> AsyncIterator[Room]:
    sfu = Sfu()
    made = Room(sfu)
    yield made
    await made.close()
    await sfu.close()


async def join_publishing(room: Room, name: str = "host") -> MediaClient:
    client = room.join(name, Role.HOST)
    await client.publish(AudioStreamTrack(), PatternTrack())
    await asyncio.wait_for(client.answered.wait(), 10)
    return client


async def join_watching(room: Room, name: str, role: Role = Role.OBSERVER) -> MediaClient:
    client = room.join(name, role)
    await client.offer()  # no m-sections: just opens the peer connection
    await asyncio.wait_for(client.answered.wait(), 10)
    return client


async def test_one_publisher_three_subscribers_decode(room: Room) -> None:
    await join_publishing(room)
    watchers = [await join_watching(room, f"w{i}") for i in range(3)]
    for watcher in watchers:
        frames = await received(watcher.queue("host", "camera"), 10)
        assert all(getattr(f, "width", 0) == 320 for f in frames)
        await received(watcher.queue("host", "mic"), 5)
    assert all(not w.errors for w in watchers)


async def test_h264_publisher_is_forwarded_as_h264(room: Room) -> None:
    publisher = room.join("host", Role.HOST)
    await publisher.publish(PatternTrack(), video_codec="H264")
    await asyncio.wait_for(publisher.answered.wait(), 10)
    answer = publisher.pc.remoteDescription.sdp
    assert next(line for line in answer.splitlines() if line.startswith("a=rtpmap")).endswith(
        "H264/90000"
    )
    watcher = await join_watching(room, "w")
    frames = await received(watcher.queue("host", "camera"), 10)
    assert all(getattr(f, "width", 0) == 320 for f in frames)
    (pub,) = room.sfu.rooms[ROOM].publications()
    assert pub.forwarder.legs["w"] is not None
    assert any(
        "H264" in line
        for line in watcher.pc.remoteDescription.sdp.splitlines()
        if line.startswith("a=rtpmap")
    )
    assert not any(
        "VP8" in line
        for line in watcher.pc.remoteDescription.sdp.splitlines()
        if line.startswith("a=rtpmap")
    )


async def test_observer_publish_attempt_is_refused(room: Room) -> None:
    await join_publishing(room)
    observer = room.join("trainee", Role.OBSERVER)
    await observer.publish(PatternTrack())
    await asyncio.wait_for(observer.answered.wait(), 10)
    assert [e["code"] for e in observer.errors] == ["forbidden"]
    assert "trainee" not in room.sfu.rooms[ROOM].peers


async def test_subscriber_leaves_and_others_continue(room: Room) -> None:
    await join_publishing(room)
    a = await join_watching(room, "a")
    b = await join_watching(room, "b")
    await received(a.queue("host", "camera"), 3)
    await received(b.queue("host", "camera"), 3)
    await room.sfu.on_leave(ROOM, ParticipantId("a"))
    await room.sfu.on_leave(ROOM, ParticipantId("a"))  # idempotent
    await received(b.queue("host", "camera"), 20)
    forwarders = [p.forwarder for p in room.sfu.rooms[ROOM].publications()]
    assert all(set(f.legs) == {"b"} for f in forwarders)


async def test_publisher_joining_after_watchers_reaches_them(room: Room) -> None:
    watcher = await join_watching(room, "early", Role.PARTICIPANT)
    await join_publishing(room, "late-host")
    await received(watcher.queue("late-host", "camera"), 5)
    assert watcher.offers >= 1  # the server renegotiated to add the new tracks


async def test_revoking_publish_media_stops_forwarding(room: Room) -> None:
    publisher = await join_publishing(room, "doc")
    watcher = await join_watching(room, "w")
    await received(watcher.queue("doc", "camera"), 3)
    event = GrantsChanged(ParticipantId("doc"), frozenset({Grant.CHAT}))
    await room.sfu.on_event(ROOM, Stamped(1, 0.0, ParticipantId("host"), event))
    assert room.sfu.rooms[ROOM].publications() == []
    await asyncio.sleep(0.5)
    assert publisher.pc.connectionState == "connected"


def open_sockets() -> int:
    fds = os.listdir("/proc/self/fd")
    links = (os.readlink(f"/proc/self/fd/{fd}") for fd in fds if _exists(fd))
    return sum(link.startswith("socket:") for link in links)


def _exists(fd: str) -> bool:
    with contextlib.suppress(OSError):
        os.readlink(f"/proc/self/fd/{fd}")
        return True
    return False


async def test_room_close_releases_tasks_and_sockets() -> None:
    tasks_before, sockets_before = len(asyncio.all_tasks()), open_sockets()
    sfu = Sfu()
    room = Room(sfu)
    await join_publishing(room)
    watcher = await join_watching(room, "w")
    await received(watcher.queue("host", "camera"), 3)
    await sfu.on_room_closed(ROOM)
    await room.close()
    await sfu.close()
    assert sfu.rooms == {}
    # aiortc's own tasks observe the closes in their own time: poll, then check exactly.
    await eventually(lambda: open_sockets() <= sockets_before)
    await eventually(lambda: len(asyncio.all_tasks()) <= tasks_before)


async def test_a_new_client_peer_connection_replaces_the_old_one(room: Room) -> None:
    await join_publishing(room)
    first = await join_watching(room, "w")
    await received(first.queue("host", "camera"), 3)
    await first.close()
    second = MediaClient(first._signal)  # same participant and connection, new peer connection
    room.clients["w"] = second
    await second.offer()
    await received(second.queue("host", "camera"), 5)
    await first.close()  # (the fixture closes the bound one)


async def test_a_failed_peer_connection_is_dropped(room: Room) -> None:
    await join_publishing(room)
    watcher = await join_watching(room, "w")
    await received(watcher.queue("host", "camera"), 3)
    media_room = room.sfu.rooms[ROOM]
    peer = media_room.peers[ParticipantId("w")]
    media_room._on_failed(peer)  # what aiortc's "failed" connection state triggers
    await eventually(lambda: peer.pc.connectionState == "closed")
    assert ParticipantId("w") not in media_room.peers
    assert all("w" not in p.forwarder.legs for p in media_room.publications())


async def camera_with_a_watcher(room: Room) -> tuple[MediaClient, Publication]:
    publisher = await join_publishing(room)
    watcher = await join_watching(room, "w")
    await received(watcher.queue("host", "camera"), 5)
    (camera,) = [p for p in room.sfu.rooms[ROOM].publications() if p.source.kind == "video"]
    return publisher, camera


def rembs_heard(publisher: MediaClient) -> list[int]:
    """The REMB bitrates the publisher's video sender receives from the SFU, in order."""
    sender: Any = next(t.sender for t in publisher.pc.getTransceivers() if t.kind == "video")
    heard: list[int] = []
    handle = sender._handle_rtcp_packet

    async def spy(packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            heard.append(unpack_remb_fci(packet.fci)[0])
        await handle(packet)

    sender._handle_rtcp_packet = spy
    return heard


async def test_publisher_hears_the_slowest_subscriber(room: Room) -> None:
    publisher, camera = await camera_with_a_watcher(room)
    heard = rembs_heard(publisher)
    # Below any uplink estimate this stream reaches, so whichever REMB path runs (the uplink's
    # own estimate, capped, or the room's report) the publisher hears exactly the slow link.
    camera.bandwidth.floor = 10_000
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(30):  # then 3 more: the uplink's own REMBs (~1/s) capped too
        while 40_000 not in heard or len(heard) < heard.index(40_000) + 4:
            camera.bandwidth.update("slow-county-link", 40_000, loop.time())  # it keeps reporting
            await asyncio.sleep(0.1)
    first = heard.index(40_000)
    assert heard[first : first + 4] == [40_000] * 4


async def test_the_room_never_lifts_a_publisher_above_its_uplink_estimate(room: Room) -> None:
    publisher, camera = await camera_with_a_watcher(room)
    heard = rembs_heard(publisher)
    sent: list[tuple[int, int | None]] = []
    send_room_limit = camera.remb.send_room_limit

    async def spy(limit: int) -> bool:
        sent.append((limit, camera.remb.uplink))
        return await send_room_limit(limit)

    camera.remb.send_room_limit = spy  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(30):
        await eventually(lambda: camera.remb.uplink is not None)  # its first own estimate, ~1 s
        while not any(limit == 10_000_000 for limit, _ in sent):
            camera.bandwidth.update("fast-link", 10_000_000, loop.time())
            await asyncio.sleep(0.1)
        uplink = next(u for limit, u in sent if limit == 10_000_000)
        assert uplink is not None
        await eventually(lambda: uplink in heard)  # the room's limit, capped by the uplink's
    assert uplink < 10_000_000
    assert 10_000_000 not in heard


async def test_more_than_three_sending_sections_are_refused(room: Room) -> None:
    client = room.join("host", Role.HOST)
    await client.publish(*(PatternTrack() for _ in range(4)))
    await asyncio.wait_for(client.answered.wait(), 10)
    assert [e["code"] for e in client.errors] == ["bad_request"]


class RecordingRecorder:
    """Stands in for ``RecorderService.on_frame``: wants a keyframe until it has one."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, str, str, bool]] = []
        self.keyframe_seen = False

    def on_frame(  # noqa: PLR0917 - the recorder's signature
        self,
        room_id: RoomId,
        participant: ParticipantId,
        track_id: str,
        data: bytes,
        timestamp: int,
        mime_type: str,
    ) -> bool:
        key = mime_type == "video/vp8" and data[0] & 1 == 0
        self.keyframe_seen = self.keyframe_seen or key
        self.frames.append((room_id, track_id, mime_type, key))
        return mime_type.startswith("video/") and not self.keyframe_seen


async def test_published_frames_reach_the_recorder_which_can_ask_for_a_keyframe() -> None:
    recorder = RecordingRecorder()
    sfu = Sfu(recorder=lambda: recorder)
    room = Room(sfu)
    try:
        await join_publishing(room)  # nobody subscribes: only the recorder asks for keyframes
        await eventually(lambda: recorder.keyframe_seen and len(recorder.frames) >= 60)
    finally:
        await room.close()
        await sfu.close()
    tracks = {(t, m) for _, t, m, _ in recorder.frames}
    assert tracks == {("camera-host", "video/vp8"), ("mic-host", "audio/opus")}
    assert {r for r, _, _, _ in recorder.frames} == {ROOM}


@pytest.mark.parametrize("kind", ["rtc_offer", "rtc_answer"])
@pytest.mark.parametrize("sdp", ["", " \r\n"])
async def test_an_empty_sdp_is_refused(room: Room, kind: str, sdp: str) -> None:
    """docs/protocol.md, Media signalling: an empty SDP is a `bad_request`; nothing opens."""
    conn = FakeConn(ParticipantId("empty"), default_grants(Role.HOST))
    await room.sfu.on_signal(conn, Signal(5, kind, sdp))
    reply = conn.inbox.get_nowait()
    assert (reply["type"], reply["code"], reply["ref"]) == ("error", "bad_request", 5)
    assert conn.inbox.empty()
    assert ParticipantId("empty") not in getattr(room.sfu.rooms.get(ROOM), "peers", {})
