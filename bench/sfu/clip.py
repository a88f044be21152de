"""A pre-encoded 640x480 30 fps VP8 clip (~0.8 Mbit/s, keyframe every second) and its track.

The publisher sends the same encoded frames in a loop, so the load generator spends no CPU on
encoding and every frame's bytes identify it end to end (pass-through forwards them unchanged):
latency = subscriber receive time - publisher send time of the same bytes.
"""

import asyncio
import fractions
import hashlib
import time

import av
import numpy as np
from aiortc import MediaStreamTrack

FPS = 30
WIDTH, HEIGHT = 640, 480
CLOCK = 90_000


def encode_clip(seconds: int = 4, bitrate: int = 800_000) -> list[bytes]:
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    codec.time_base = fractions.Fraction(1, FPS)
    codec.bit_rate = bitrate
    codec.gop_size = FPS
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    frames: list[bytes] = []
    rng = np.random.default_rng(1)
    coarse = rng.integers(0, 255, (HEIGHT // 8, WIDTH // 4, 3), dtype=np.uint8)
    noise = coarse.repeat(8, axis=0).repeat(8, axis=1)  # blocky: compresses like a real scene
    for n in range(seconds * FPS):
        image = np.ascontiguousarray(noise[:, 4 * n : 4 * n + WIDTH])
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = n
        frames.extend(bytes(p) for p in codec.encode(frame))
    frames.extend(bytes(p) for p in codec.encode(None))
    return frames


def frame_id(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


class ClipTrack(MediaStreamTrack):
    """Yields the clip's encoded frames as ``av.Packet``s at 30 fps (aiortc packs, no encode)."""

    kind = "video"

    def __init__(self, clip: list[bytes], sent: dict[bytes, float]) -> None:
        super().__init__()
        self._clip = clip
        self._ids = [frame_id(f) for f in clip]
        self._sent = sent
        self._n = 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._n / FPS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        i = self._n % len(self._clip)
        packet = av.Packet(self._clip[i])
        packet.pts = self._n * CLOCK // FPS
        packet.time_base = fractions.Fraction(1, CLOCK)
        self._sent[self._ids[i]] = time.time()
        self._n += 1
        return packet
