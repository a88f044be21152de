"""Helpers for SFU tests: aiortc peers pinned to loopback, a moving test pattern."""

import asyncio
import contextlib
import fractions
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from server.sfu.ice import rtc_configuration


class PatternTrack(VideoStreamTrack):
    """A moving test pattern (each frame differs, so the encoder sends real deltas)."""

    def __init__(self, width: int = 320, height: int = 240) -> None:
        super().__init__()
        self._n = 0
        self._size = (height, width)

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.zeros((*self._size, 3), np.uint8)
        image[:, (self._n * 4) % self._size[1]] = 255
        image[..., 1] = self._n % 256
        self._n += 1
        frame = VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = pts
        frame.time_base = fractions.Fraction(time_base.numerator, time_base.denominator)
        return frame


class Peers:
    def __init__(self) -> None:
        self.pcs: list[RTCPeerConnection] = []

    def new(self) -> RTCPeerConnection:
        pc = RTCPeerConnection(rtc_configuration(()))
        self.pcs.append(pc)
        return pc

    async def close(self) -> None:
        await asyncio.gather(*(pc.close() for pc in self.pcs))


async def negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> None:
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


SignalOut = Callable[[str, int, str], Awaitable[None]]


class MediaClient:
    """An aiortc participant speaking the media-signalling protocol (transport-agnostic).

    ``handle`` takes each decoded server message; ``signal(type, ref, sdp)`` sends ours.
    Decoded remote video frames land in ``frames[(participant, source)]``.
    """

    def __init__(self, signal: SignalOut) -> None:
        self.pc = RTCPeerConnection(rtc_configuration(()))
        self._signal = signal
        self._ref = 0
        self._mids: dict[str, tuple[str, str]] = {}
        self.frames: dict[tuple[str, str], asyncio.Queue[object]] = {}
        self.errors: list[dict[str, Any]] = []
        self.speakers: list[str | None] = []
        self.answered = asyncio.Event()
        self.offers = 0
        self._pumps: set[asyncio.Task[None]] = set()
        self.pc.on("track", self._on_track)

    def queue(self, participant: str, source: str) -> asyncio.Queue[object]:
        return self.frames.setdefault((participant, source), asyncio.Queue())

    async def publish(self, *tracks: MediaStreamTrack, video_codec: str | None = None) -> None:
        for track in tracks:
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            if video_codec and track.kind == "video":
                caps = RTCRtpSender.getCapabilities("video").codecs
                wanted = f"video/{video_codec}".lower()
                transceiver.setCodecPreferences([c for c in caps if c.mimeType.lower() == wanted])
        await self.offer()

    async def offer(self) -> None:
        self.answered.clear()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self._ref += 1
        await self._signal("rtc_offer", self._ref, self.pc.localDescription.sdp)

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "rtc_answer":
            await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))
            self.answered.set()
        elif kind == "rtc_offer":
            await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            self.offers += 1
            await self._signal("rtc_answer", 0, self.pc.localDescription.sdp)
        elif kind == "media_tracks":
            for t in message["tracks"]:
                self._mids[t["mid"]] = (t["participant"], t["source"])
        elif kind == "error":
            self.errors.append(message)
            self.answered.set()
        elif kind == "active_speaker":
            self.speakers.append(message["participant"])

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
        frames = self.queue(*self._mids.get(mid or "", ("?", track.kind)))

        async def pump() -> None:
            with contextlib.suppress(MediaStreamError):
                while True:
                    frames.put_nowait(await track.recv())

        task = asyncio.ensure_future(pump())
        self._pumps.add(task)

    async def close(self) -> None:
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self.pc.close()


async def received(queue: asyncio.Queue[object], count: int, within: float = 10) -> list[object]:
    return [await asyncio.wait_for(queue.get(), within) for _ in range(count)]
