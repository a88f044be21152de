"""Real aiortc peers: frames received over RTP (the SFU's receive tap) are recorded as sent.

The SFU does not call ``RecorderService.on_frame`` yet; this test makes the call the SFU's
frame path will make (``server.sfu.passthrough.tap_receiver`` sink), so the remux is proven on
real WebRTC media: VP8 from aiortc's encoder and Opus, through RTP, jitter buffer and tap.
"""

from __future__ import annotations

import asyncio
import fractions
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from aiortc import AudioStreamTrack, RTCPeerConnection, VideoStreamTrack
from av import VideoFrame

from recorder.format import RECORDINGS_DIR, Status, read_manifest
from server.metrics import Metrics
from server.recording.service import RecorderService
from server.roomhost import LocalRoom
from server.sfu.ice import host_addresses, rtc_configuration
from server.sfu.passthrough import tap_receiver
from session.commands import SetRecording
from session.ids import ParticipantId, RoomId
from session.room import Room

PUBLISHER = ParticipantId("doc")


class Pattern(VideoStreamTrack):
    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.zeros((120, 160, 3), np.uint8)
        image[:, (self._n * 4) % 160] = 255
        self._n += 1
        frame = VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = pts, fractions.Fraction(time_base)
        return frame


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with host_addresses(["127.0.0.1"]):
        yield


async def test_webrtc_media_is_recorded_without_re_encoding(tmp_path: Path) -> None:
    host = LocalRoom(Room(RoomId("rtc"), now=1.0), Metrics(), coalesce_s=0)
    host.start()
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    await host.system(SetRecording(True))

    accepted: dict[str, list[bytes]] = {"video": [], "audio": []}
    enough = asyncio.Event()

    def sink_for(kind: str) -> Callable[[bytes, int, str], None]:
        def sink(data: bytes, timestamp: int, mime_type: str) -> None:
            recording = host.room.id in service.active
            wants_key = service.on_frame(host.room.id, PUBLISHER, kind, data, timestamp, mime_type)
            if recording and not wants_key:
                accepted[kind].append(data)
            if len(accepted["video"]) >= 45 and len(accepted["audio"]) >= 50:
                enough.set()

        return sink

    publisher = RTCPeerConnection(rtc_configuration(()))
    receiver = RTCPeerConnection(rtc_configuration(()))
    publisher.addTrack(Pattern())
    publisher.addTrack(AudioStreamTrack())

    @receiver.on("track")
    def on_track(track: object) -> None:
        for transceiver in receiver.getTransceivers():
            if transceiver.receiver.track is track:
                tap_receiver(transceiver.receiver, sink_for(transceiver.kind))

    try:
        await publisher.setLocalDescription(await publisher.createOffer())
        await receiver.setRemoteDescription(publisher.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await publisher.setRemoteDescription(receiver.localDescription)
        async with asyncio.timeout(30):  # a safety net, not a timing assertion
            await enough.wait()
        await host.system(SetRecording(False))
        await service.finished()
    finally:
        await publisher.close()
        await receiver.close()
        await host.stop()

    [directory] = (tmp_path / RECORDINGS_DIR).iterdir()
    manifest = read_manifest(directory)
    assert manifest.status is Status.COMPLETE
    tracks = {t.kind: t for t in manifest.tracks}
    assert tracks["video"].codec == "vp8" and tracks["audio"].codec == "opus"
    for kind, track in tracks.items():
        with av.open(str(directory / track.file)) as container:
            stored = [bytes(p) for p in container.demux() if p.size]
        assert stored == accepted[kind], f"{kind}: exactly the bytes that arrived"
    with av.open(str(directory / tracks["video"].file)) as container:
        decoded = sum(1 for _ in container.decode(video=0))
    assert decoded >= 40
