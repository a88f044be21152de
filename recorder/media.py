"""Remuxing published media into WebM without re-encoding (PyAV), one file per track.

The SFU receives complete encoded frames (``server.sfu.forwarder.Forwarder.push(data,
timestamp, mime_type)``). Given the same three values, a ``TrackWriter`` muxes each frame
as-is into ``media/<participant>-<kind>-<n>.webm`` (WebM: the Matroska profile browsers
play): the bytes in the file are the bytes the publisher sent. Supported: VP8 and Opus (what
browsers and aiortc negotiate by default); other codecs are skipped with a warning.

Time: the first frame's server time is the track's ``offset_s``; packet pts are RTP
timestamps relative to the first one (32-bit wrap unwrapped), in 1/clock-rate units. So a
frame's server time is ``offset_s + pts / clock_rate`` — the same clock as the events.

Seeking: each packet is flagged as a keyframe when it is one (every Opus packet; a VP8
frame whose header says so), so the muxer writes Cues (the keyframe index browsers seek by)
and the duration when the file is finished. Without the flag the file had no Cues and
Chromium could not seek it.

Crash safety: Matroska survives truncation; clusters are closed at least every second and
packets flushed as written, so a ``kill -9`` loses at most the last second. A file cut by a
crash has no Cues (they are written at the end); it plays but seeks poorly.

Muxing happens on the track's own thread behind a bounded queue; ``offer`` never blocks.
"""

from __future__ import annotations

import fractions
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import av

from recorder.format import Track

log = logging.getLogger(__name__)

CLOCK_RATES: Final = {"video/vp8": 90_000, "audio/opus": 48_000}
CODECS: Final = {"video/vp8": "vp8", "audio/opus": "opus"}
MUX_OPTIONS: Final = {"cluster_time_limit": "1000", "flush_packets": "1"}
_WRAP: Final = 2**32


def vp8_keyframe_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 keyframe header (RFC 6386 9.1), or None."""
    if len(data) < 10 or data[0] & 1 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return width, height


@dataclass(frozen=True, slots=True)
class _Frame:
    data: bytes
    timestamp: int


class TrackWriter:
    """One track's Matroska file. Create with ``start``; feed with ``offer``; ``close`` ends."""

    def __init__(self, path: Path, track: Track, mime_type: str, queue_size: int = 2_000) -> None:
        self.path = path
        self.track = track
        self.clock_rate = CLOCK_RATES[mime_type.lower()]
        self._codec = CODECS[mime_type.lower()]
        self._queue: queue.Queue[_Frame | None] = queue.Queue(queue_size)
        self._thread = threading.Thread(target=self._run, name=f"mux:{path.name}", daemon=True)
        self.dropped = 0
        self.written = 0
        self.failed = False

    @staticmethod
    def supports(mime_type: str) -> bool:
        return mime_type.lower() in CODECS

    def start(self) -> None:
        self._thread.start()

    def offer(self, data: bytes, timestamp: int) -> None:
        try:
            self._queue.put_nowait(_Frame(data, timestamp))
        except queue.Full:
            self.dropped += 1

    def close(self) -> None:
        """Finish the file (blocking: call it off the event loop)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(30)

    # --- mux thread -----------------------------------------------------------------------
    def _run(self) -> None:
        container: Any = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            container = av.open(str(self.path), "w", format="webm", options=MUX_OPTIONS)
            self._mux_all(container)
        except Exception:
            log.exception("track %s failed; what was written stays playable", self.path.name)
            self.failed = True
        finally:
            if container is not None:
                container.close()

    def _mux_all(self, container: Any) -> None:
        stream = None
        first: int | None = None
        previous = -1
        while (frame := self._queue.get()) is not None:
            if stream is None:
                stream = self._add_stream(container, frame.data)
                if stream is None:
                    continue  # video waits for a keyframe: it tells the size
                first = frame.timestamp
            assert first is not None
            pts = max((frame.timestamp - first) % _WRAP, previous + 1)  # unwrap, keep monotonic
            previous = pts
            packet = av.Packet(frame.data)
            packet.is_keyframe = self._codec != "vp8" or vp8_keyframe_size(frame.data) is not None
            packet.stream = stream
            packet.pts = packet.dts = pts
            packet.time_base = fractions.Fraction(1, self.clock_rate)
            container.mux(packet)
            self.written += 1

    def _add_stream(self, container: Any, data: bytes) -> Any:
        if self._codec == "vp8":
            size = vp8_keyframe_size(data)
            if size is None:
                return None
            stream = container.add_stream("vp8")
            stream.width, stream.height = size
        else:
            stream = container.add_stream("opus", rate=self.clock_rate)
        stream.time_base = fractions.Fraction(1, self.clock_rate)
        return stream


def reindex(path: Path) -> int:
    """Remux a track cut by a crash (no Cues) into a finished WebM with Cues and a duration.

    The packets are copied as they are (no decoding, flags and timestamps kept) up to the
    last complete one, into a file beside it that then atomically replaces it: a crash in
    the middle leaves the original. Returns the number of packets kept.
    """
    partial = path.with_name(path.name + ".reindex")
    kept = 0
    with av.open(str(path)) as source, av.open(str(partial), "w", format="webm") as out:
        stream = source.streams[0]
        target = out.add_stream_from_template(stream)
        try:
            for packet in source.demux(stream):
                if packet.size:
                    packet.stream = target
                    out.mux(packet)
                    kept += 1
        except av.FFmpegError:  # the torn end of a crashed file: keep what came before
            log.info("%s: stopped at a torn packet after %d", path.name, kept)
    partial.replace(path)
    return kept
