"""Recorder CPU and disk per recorded room: remux (huizhen) vs aiortc ``MediaRecorder``.

Input, prepared before measuring: ``seconds`` of 640x480 30 fps VP8 at ~0.8 Mbit/s (libvpx)
and 48 kHz stereo Opus in 20 ms frames — the encoded frames an SFU receives.

- huizhen: ``recorder.media.TrackWriter`` muxes the frames as they are into Matroska.
- aiortc: what an aiortc server must do to use ``MediaRecorder``: decode each frame (the
  receiver's decoder) and hand the ``av`` frames to ``MediaRecorder("x.webm")``, which
  re-encodes them (libvpx / libopus) — measured as decode and encode together, and decode alone.

CPU is this process's CPU time (all threads, ``time.process_time``) per second of media;
frames are fed as fast as the recorder takes them (no pacing), so the numbers are cost, not
real-time load.
"""

from __future__ import annotations

import asyncio
import fractions
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from recorder.format import Track
from recorder.media import TrackWriter

WIDTH, HEIGHT, FPS = 640, 480, 30


@dataclass(frozen=True)
class MediaResult:
    name: str
    seconds: float
    cpu_s: float
    disk_mb: float

    @property
    def cpu_per_media_s(self) -> float:
        return self.cpu_s / self.seconds


def encoded_video(seconds: float) -> list[bytes]:
    encoder: Any = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.time_base = fractions.Fraction(1, FPS)
    encoder.bit_rate = 800_000
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    frames: list[bytes] = []
    for i in range(int(seconds * FPS)):
        moving = np.roll(base, i * 4, axis=1)  # motion, so frames are not trivially small
        frame = av.VideoFrame.from_ndarray(moving, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        frames += [bytes(p) for p in encoder.encode(frame)]
    return frames + [bytes(p) for p in encoder.encode(None)]


def encoded_audio(seconds: float) -> list[bytes]:
    encoder: Any = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48000)
    tone = (np.sin(np.arange(960) * 2 * np.pi * 440 / 48000) * 8000).astype(np.int16)
    frames: list[bytes] = []
    for i in range(int(seconds * 50)):
        samples = np.repeat(tone, 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
        frame.sample_rate, frame.pts = 48000, i * 960
        frames += [bytes(p) for p in encoder.encode(frame)]
    return frames


def remux(video: list[bytes], audio: list[bytes], out: Path, seconds: float) -> MediaResult:
    began = time.process_time()
    writers = [
        TrackWriter(out / "v.mkv", Track("v.mkv", "video", "vp8", "p", 0.0), "video/VP8", 10**6),
        TrackWriter(out / "a.mkv", Track("a.mkv", "audio", "opus", "p", 0.0), "audio/opus", 10**6),
    ]
    for writer in writers:
        writer.start()
    for i, data in enumerate(video):
        writers[0].offer(data, i * 3000)
    for i, data in enumerate(audio):
        writers[1].offer(data, i * 960)
    for writer in writers:
        writer.close()
    cpu = time.process_time() - began
    disk = sum(p.stat().st_size for p in out.glob("*.mkv")) / 1e6
    return MediaResult("huizhen remux (no re-encode)", seconds, cpu, disk)


class _DecodedTrack(MediaStreamTrack):
    """A MediaStreamTrack yielding decoded frames, as aiortc's receiver would."""

    def __init__(self, kind: str, frames: list[Any]) -> None:
        super().__init__()
        self.kind = kind
        self._frames = iter(frames)

    async def recv(self) -> Any:
        try:
            return next(self._frames)
        except StopIteration:
            raise MediaStreamError from None


def decode(video: list[bytes], audio: list[bytes]) -> tuple[list[Any], list[Any]]:
    vdec: Any = av.CodecContext.create("vp8", "r")
    adec: Any = av.CodecContext.create("opus", "r")
    vframes, aframes = [], []
    for i, data in enumerate(video):
        for frame in vdec.decode(av.Packet(data)):
            frame.pts, frame.time_base = i * 3000, fractions.Fraction(1, 90000)
            vframes.append(frame)
    for i, data in enumerate(audio):
        for frame in adec.decode(av.Packet(data)):
            frame.pts, frame.time_base = i * 960, fractions.Fraction(1, 48000)
            aframes.append(frame)
    return vframes, aframes


async def _media_recorder(vframes: list[Any], aframes: list[Any], path: Path) -> None:
    from aiortc.contrib.media import MediaRecorder

    recorder = MediaRecorder(str(path))
    recorder.addTrack(_DecodedTrack("video", vframes))
    recorder.addTrack(_DecodedTrack("audio", aframes))
    await recorder.start()
    await asyncio.gather(*_tasks(recorder))  # each ends when its track runs out
    await recorder.stop()


def _tasks(recorder: Any) -> list[asyncio.Task[None]]:
    return [c.task for c in recorder._MediaRecorder__tracks.values() if c.task is not None]


def reencode(
    video: list[bytes], audio: list[bytes], out: Path, seconds: float
) -> list[MediaResult]:
    began = time.process_time()
    vframes, aframes = decode(video, audio)
    decoded = time.process_time() - began
    asyncio.run(_media_recorder(vframes, aframes, out / "m.webm"))
    total = time.process_time() - began
    disk = (out / "m.webm").stat().st_size / 1e6
    return [
        MediaResult("aiortc decode only (receiver)", seconds, decoded, 0.0),
        MediaResult("aiortc decode + MediaRecorder (re-encode)", seconds, total, disk),
    ]


def measure_media(seconds: float = 20.0) -> list[MediaResult]:
    video, audio = encoded_video(seconds), encoded_audio(seconds)
    with tempfile.TemporaryDirectory() as tmp:
        ours = Path(tmp) / "ours"
        theirs = Path(tmp) / "theirs"
        ours.mkdir()
        theirs.mkdir()
        return [remux(video, audio, ours, seconds), *reencode(video, audio, theirs, seconds)]


if __name__ == "__main__":
    for result in measure_media(5.0):
        print(result, f"{result.cpu_per_media_s:.4f} cpu-s per media-s")
