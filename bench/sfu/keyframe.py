"""Time to the first decodable frame for a late subscriber (loopback, in one process).

    .venv/bin/python -m bench.sfu.keyframe --trials 10

A publisher (aiortc, encoding a 640x480 pattern; aiortc's VP8 encoder sends keyframes only
when asked) streams through ``server.sfu.signalling.Sfu``. A watcher already connected to the
room is subscribed to it again and again (a new publication each trial: the publisher
renegotiates a fresh camera track), and we measure, per trial:

* ``sfu_ms``: from the SFU's subscription of the leg to the first keyframe queued for it
  (upstream PLI, publisher encodes a keyframe, it arrives);
* ``e2e_ms``: from the same moment to the watcher's first *decoded* frame (includes the server
  offer / answer round and aiortc's decoder).
"""

import argparse
import asyncio
import fractions
import statistics
import time
from dataclasses import dataclass
from typing import Any

import msgpack
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame

from server.interfaces import MemberView
from server.sfu.ice import host_addresses, rtc_configuration
from server.sfu.signalling import Sfu
from session.grants import Role, default_grants
from session.ids import ParticipantId, RoomId


class Pattern(VideoStreamTrack):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.zeros((480, 640, 3), np.uint8)
        image[:, (self.n * 8) % 640] = 255
        self.n += 1
        frame = VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = pts, fractions.Fraction(time_base)
        return frame


@dataclass(frozen=True)
class Signal:
    ref: int
    type: str
    sdp: str


class Client:
    def __init__(self, sfu: Sfu, name: str) -> None:
        self.sfu, self.pc = sfu, RTCPeerConnection(rtc_configuration(()))
        self.conn = _Conn(ParticipantId(name), self)
        self.answered = asyncio.Event()
        self.first_frame: dict[str, float] = {}
        self.mids: dict[str, str] = {}
        self.pc.on("track", self._on_track)

    async def offer(self) -> None:
        self.answered.clear()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.sfu.on_signal(self.conn, Signal(1, "rtc_offer", self.pc.localDescription.sdp))
        await self.answered.wait()

    async def handle(self, msg: dict[str, Any]) -> None:
        if msg["type"] == "rtc_answer":
            await self.pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "answer"))
            self.answered.set()
        elif msg["type"] == "media_tracks":
            self.mids = {t["mid"]: t["participant"] for t in msg["tracks"]}
        elif msg["type"] == "rtc_offer":
            await self.pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            sdp = self.pc.localDescription.sdp
            await self.sfu.on_signal(self.conn, Signal(2, "rtc_answer", sdp))

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)

        async def first() -> None:
            await track.recv()
            self.first_frame[mid or ""] = time.monotonic()

        asyncio.ensure_future(first())  # noqa: RUF006 (ends with the track)


class _Conn:
    def __init__(self, participant: ParticipantId, client: Client) -> None:
        self.room_id, self.participant, self._client = RoomId("kf"), participant, client
        self._tasks: set[asyncio.Future[None]] = set()
        self._chain: asyncio.Future[None] | None = None

    def send(self, message: bytes) -> None:
        previous = self._chain

        async def deliver() -> None:
            if previous is not None:
                await previous
            await self._client.handle(msgpack.unpackb(message))

        self._chain = asyncio.ensure_future(deliver())

    def member(self) -> MemberView | None:
        return MemberView(self.participant, default_grants(Role.HOST), True)


async def trial(sfu: Sfu, watcher: Client, n: int) -> tuple[float, float]:
    publisher = Client(sfu, f"pub{n}")
    publisher.pc.addTransceiver(Pattern(), direction="sendonly")
    await publisher.offer()
    room = sfu.rooms[RoomId("kf")]
    # Polling only finds the objects: the times are stamped by the SFU and the client.
    while not (pubs := [p for p in room.publications() if p.participant == f"pub{n}"]):  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    while (leg := pubs[0].forwarder.legs.get(ParticipantId("watcher"))) is None:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    mid_wait = time.monotonic() + 10
    while not any(watcher.mids.get(m) == f"pub{n}" for m in watcher.first_frame):
        assert time.monotonic() < mid_wait, "no frame"
        await asyncio.sleep(0.005)
    mid = next(m for m in watcher.first_frame if watcher.mids.get(m) == f"pub{n}")
    assert leg.first_frame_at is not None
    result = (leg.first_frame_at - leg.subscribed_at, watcher.first_frame[mid] - leg.subscribed_at)
    await sfu.on_leave(RoomId("kf"), ParticipantId(f"pub{n}"))
    await publisher.pc.close()
    return result


async def main(trials: int) -> None:
    sfu = Sfu()
    watcher = Client(sfu, "watcher")
    await watcher.offer()
    results = []
    for n in range(trials):
        await asyncio.sleep(1.0)  # let the publisher's encoder run: no keyframe pending
        results.append(await trial(sfu, watcher, n))
    sfu_ms = [1000 * a for a, _ in results]
    e2e_ms = [1000 * b for _, b in results]
    print(f"trials {trials}")
    print(f"sfu_ms  median {statistics.median(sfu_ms):.0f}  max {max(sfu_ms):.0f}")
    print(f"e2e_ms  median {statistics.median(e2e_ms):.0f}  max {max(e2e_ms):.0f}")
    await watcher.pc.close()
    await sfu.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    with host_addresses(["127.0.0.1"]):
        asyncio.run(main(parser.parse_args().trials))
