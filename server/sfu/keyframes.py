"""When to ask a publisher for a keyframe (pure: time is an argument).

Subscribers ask for keyframes when they join, lose packets (PLI/FIR) or overflow. Each request
is forwarded upstream as one PLI, but requests are *coalesced*: while a PLI is outstanding (no
keyframe seen since) further requests ride on it, and PLIs are at least ``min_interval`` apart
so a lossy subscriber cannot make the publisher send nothing but keyframes. An outstanding PLI
whose keyframe never came (the PLI or the keyframe was lost) is repeated after ``retry``.
"""

from dataclasses import dataclass
from enum import Enum


class Decision(Enum):
    SEND = "send"  # send a PLI now
    WAIT = "wait"  # a keyframe is already on its way, or a PLI is already scheduled
    LATER = "later"  # schedule a PLI after ``KeyframeRequests.delay(now)``


@dataclass
class KeyframeRequests:
    min_interval: float = 0.25
    retry: float = 0.5
    _last_sent: float | None = None
    _outstanding: bool = False
    _scheduled: bool = False

    def request(self, now: float) -> Decision:
        if self._scheduled:
            return Decision.WAIT
        if self._last_sent is None:
            return self._send(now)
        age = now - self._last_sent
        if self._outstanding and age < self.retry:
            return Decision.WAIT
        if age < self.min_interval:
            self._scheduled = True
            return Decision.LATER
        return self._send(now)

    def delay(self, now: float) -> float:
        """Seconds until a ``LATER`` request may be sent."""
        last = self._last_sent if self._last_sent is not None else now
        return max(0.0, last + self.min_interval - now)

    def fire(self, now: float) -> None:
        """The scheduled PLI is being sent."""
        self._scheduled = False
        self._send(now)

    def keyframe_seen(self) -> None:
        self._outstanding = False

    def _send(self, now: float) -> Decision:
        self._last_sent = now
        self._outstanding = True
        return Decision.SEND


def is_keyframe(mime_type: str, data: bytes) -> bool:
    """Whether an encoded frame can be decoded on its own (audio frames always can)."""
    if mime_type == "video/vp8":
        # RFC 6386 9.1: bit 0 of the frame tag is 0 for key frames.
        return len(data) > 0 and data[0] & 0x01 == 0
    if mime_type == "video/h264":
        return _h264_has_idr(data)
    return not mime_type.startswith("video/")


def _h264_has_idr(data: bytes) -> bool:
    """aiortc depayloads H.264 to Annex B; an IDR slice (type 5) makes the frame decodable."""
    start = 0
    while True:
        start = data.find(b"\x00\x00\x01", start)
        if start < 0 or start + 3 >= len(data):
            return False
        if data[start + 3] & 0x1F == 5:
            return True
        start += 3
