"""Helpers for SFU tests: aiortc peers pinned to loopback, a moving test pattern."""

import asyncio
import fractions

import numpy as np
from aiortc import RTCPeerConnection, VideoStreamTrack
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
