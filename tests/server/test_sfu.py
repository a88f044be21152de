"""The SFU through the live server: real uvicorn, real WebSocket room connections (hello,
token, msgpack), real aiortc peers over loopback ICE.

One publisher and three subscribers receive frames that decode; a late subscriber gets a
keyframe; a subscriber leaves and the others continue; an observer's publish attempt is refused;
kicking a publisher and revoking its grant stop its tracks; shutdown leaves no peer behind.
"""

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiortc.mediastreams import AudioStreamTrack
from livetools import LiveServer, eventually, make_settings, run_live_server
from room_client import RoomClient

from server.sfu.ice import host_addresses
from session.commands import CloseRoom, Kick, RaiseHand, SetGrants
from session.grants import Grant, Role
from session.ids import ParticipantId

sys.path.insert(0, str(Path(__file__).parents[1] / "sfu"))
from sfu_peers import MediaClient, PatternTrack, received

ROOM = "consult"


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with host_addresses(["127.0.0.1"]):  # the server runs in this process (a thread)
        yield


class Participant:
    """A room connection plus its aiortc media client."""

    def __init__(self, room: RoomClient) -> None:
        self.room = room
        self.media = MediaClient(self._signal)
        self.messages: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    async def _signal(self, kind: str, ref: int, sdp: str) -> None:
        await self.room.ws.send(_pack({"type": kind, "ref": ref, "sdp": sdp}))

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                message = await self.room.next_message()
                self.messages.append(message)
                self._arrived.set()
                await self.media.handle(message)

    async def reply(self, ref: int) -> dict[str, Any]:
        """The ack or error for ``ref`` (the reader task owns the socket's receiving side)."""
        async with asyncio.timeout(10):
            while True:
                for m in self.messages:
                    if m["type"] in ("ack", "error") and m.get("ref") == ref:
                        return m
                self._arrived.clear()
                await self._arrived.wait()

    async def close(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self.media.close()
        await self.room.ws.close()


def _pack(message: dict[str, Any]) -> bytes:
    import msgpack

    return bytes(msgpack.packb(message))


@pytest.fixture
async def join(live_server: LiveServer) -> AsyncIterator[Any]:
    live_server.create_room(ROOM)
    made: list[Participant] = []

    async def joiner(name: str, role: Role) -> Participant:
        token = live_server.mint(ROOM, name, role)
        participant = Participant(await RoomClient.connect(live_server.ws_url, token))
        made.append(participant)
        return participant

    yield joiner
    for participant in made:
        await participant.close()


async def publishing(join: Any, name: str = "host") -> Participant:
    p: Participant = await join(name, Role.HOST)
    await p.media.publish(AudioStreamTrack(), PatternTrack())
    await asyncio.wait_for(p.media.answered.wait(), 10)
    assert p.media.errors == []
    return p


async def watching(join: Any, name: str, role: Role = Role.OBSERVER) -> Participant:
    p: Participant = await join(name, role)
    await p.media.offer()
    await asyncio.wait_for(p.media.answered.wait(), 10)
    return p


async def test_one_publisher_three_subscribers_receive_decodable_frames(join: Any) -> None:
    await publishing(join)
    watchers = [await watching(join, f"trainee{i}") for i in range(3)]
    for w in watchers:
        frames = await received(w.media.queue("host", "camera"), 10)
        assert all(getattr(f, "width", 0) == 320 for f in frames)
        await received(w.media.queue("host", "mic"), 5)


async def test_late_subscriber_gets_a_keyframe(join: Any, live_server: LiveServer) -> None:
    await publishing(join)
    early = await watching(join, "early")
    await received(early.media.queue("host", "camera"), 45)  # keyframes only on request
    late = await watching(join, "late")
    await received(late.media.queue("host", "camera"), 3)


async def test_subscriber_leaves_and_others_continue(join: Any) -> None:
    await publishing(join)
    a = await watching(join, "a")
    b = await watching(join, "b")
    await received(a.media.queue("host", "camera"), 3)
    await a.close()
    await received(b.media.queue("host", "camera"), 30)


async def test_observer_publish_attempt_is_refused(join: Any, live_server: LiveServer) -> None:
    await publishing(join)
    observer: Participant = await join("trainee", Role.OBSERVER)
    await observer.media.publish(PatternTrack())
    await asyncio.wait_for(observer.media.answered.wait(), 10)
    assert [e["code"] for e in observer.media.errors] == ["forbidden"]
    sfu = live_server.state.media
    assert sfu is not None


async def test_revoked_grant_and_kick_stop_the_tracks(join: Any, live_server: LiveServer) -> None:
    host = await publishing(join, "host")
    doc = await publishing(join, "doc")
    await received(host.media.queue("doc", "camera"), 3)
    ref = await host.room.send(SetGrants(ParticipantId("doc"), frozenset({Grant.CHAT})))
    assert (await host.reply(ref))["type"] == "ack"
    await eventually(lambda: not _published(live_server, "doc"))
    ref = await host.room.send(Kick(ParticipantId("doc")))
    assert (await host.reply(ref))["type"] == "ack"
    await eventually(lambda: "doc" not in _peers(live_server))
    assert doc.media.pc is not None


def _room(live_server: LiveServer) -> Any:
    sfu: Any = live_server.state.media
    return sfu.rooms.get(ROOM)


def _peers(live_server: LiveServer) -> set[str]:
    room = _room(live_server)
    return set(room.peers) if room is not None else set()


def _published(live_server: LiveServer, who: str) -> bool:
    room = _room(live_server)
    return room is not None and any(p.participant == who for p in room.publications())


async def test_shutdown_closes_every_peer_connection(tmp_path: Path) -> None:
    with run_live_server(make_settings(tmp_path)) as server:
        server.create_room(ROOM)
        token = server.mint(ROOM, "host", Role.HOST)
        p = Participant(await RoomClient.connect(server.ws_url, token))
        await p.media.publish(PatternTrack())
        await asyncio.wait_for(p.media.answered.wait(), 10)
        sfu: Any = server.state.media
        pcs = [peer.pc for room in sfu.rooms.values() for peer in room.peers.values()]
        assert pcs
        await p.close()
    assert sfu.rooms == {}
    assert all(pc.connectionState == "closed" for pc in pcs)


async def test_closing_the_room_releases_its_media(join: Any, live_server: LiveServer) -> None:
    host = await publishing(join, "host")
    watcher = await watching(join, "w")
    await received(watcher.media.queue("host", "camera"), 3)
    pcs = [peer.pc for peer in _room(live_server).peers.values()]
    ref = await host.room.send(CloseRoom("done"))
    assert (await host.reply(ref))["type"] == "ack"
    await eventually(lambda: _room(live_server) is None)
    await eventually(lambda: all(pc.connectionState == "closed" for pc in pcs))


async def test_host_gives_the_floor_to_a_raised_hand(join: Any, live_server: LiveServer) -> None:
    host = await publishing(join, "host")
    trainee: Participant = await join("trainee", Role.OBSERVER)
    ref = await trainee.room.send(RaiseHand(True))
    assert (await trainee.reply(ref))["type"] == "ack"
    granted = frozenset({Grant.CHAT, Grant.RAISE_HAND, Grant.PUBLISH_MEDIA})
    ref = await host.room.send(SetGrants(ParticipantId("trainee"), granted))
    assert (await host.reply(ref))["type"] == "ack"
    await trainee.media.publish(PatternTrack())
    await asyncio.wait_for(trainee.media.answered.wait(), 10)
    assert trainee.media.errors == []
    await received(host.media.queue("trainee", "camera"), 5)
