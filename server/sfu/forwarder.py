"""Fan one published track out to its subscribers as encoded frames (no transcoding).

The publisher's receiver (tapped in ``passthrough``) calls :meth:`Forwarder.push` on the event
loop with each complete encoded frame. The frame is wrapped once in an :class:`EncodedFrame`,
whose RTP packetization is computed by the first subscriber leg that sends it and shared by the
rest, and appended to each subscriber's bounded :class:`ForwardTrack`.

Bounds: a subscriber queue holds at most ``max_frames``. On overflow a video subscriber drops
everything queued and waits for the next keyframe (requesting one), so a slow subscriber costs
only itself; an audio subscriber drops its oldest frame. A new video subscriber also waits for a
keyframe, which is requested upstream at once (coalesced, see ``keyframes``).
"""

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable

from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from server.sfu.keyframes import Decision, KeyframeRequests, is_keyframe
from server.sfu.passthrough import SharedPacker

log = logging.getLogger(__name__)


class EncodedFrame:
    """One encoded frame as received, shared by every subscriber leg."""

    __slots__ = ("_packed", "data", "keyframe", "mime_type", "timestamp")

    def __init__(self, data: bytes, timestamp: int, mime_type: str, keyframe: bool) -> None:
        self.data = data
        self.timestamp = timestamp
        self.mime_type = mime_type
        self.keyframe = keyframe
        self._packed: tuple[list[bytes], int] | None = None

    def packed(self, packer: SharedPacker) -> tuple[list[bytes], int]:
        if self._packed is None:  # packetize once, send many
            self._packed = packer.pack(self.data, self.timestamp, self.mime_type)
        return self._packed


class ForwardTrack(MediaStreamTrack):
    """A subscriber leg's track: ``recv()`` yields ``EncodedFrame``s from a bounded queue."""

    def __init__(
        self, kind: str, max_frames: int, on_overflow: Callable[[], None], track_id: str
    ) -> None:
        super().__init__()
        self.kind = kind
        self._id = track_id
        self._frames: collections.deque[EncodedFrame] = collections.deque()
        self._max = max_frames
        self._ready = asyncio.Event()
        self._on_overflow = on_overflow
        self.waiting_for_keyframe = kind == "video"
        self.dropped = 0
        self.subscribed_at = time.monotonic()
        self.first_frame_at: float | None = None  # when the first decodable frame was queued

    def offer(self, frame: EncodedFrame) -> None:
        if self.waiting_for_keyframe:
            if not frame.keyframe:
                self.dropped += 1
                return
            self.waiting_for_keyframe = False
        if len(self._frames) >= self._max:
            self._overflow()
            if self.waiting_for_keyframe and not frame.keyframe:
                return
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
        self._frames.append(frame)
        self._ready.set()

    def _overflow(self) -> None:
        if self.kind == "video":
            self.dropped += len(self._frames)
            self._frames.clear()
            self.waiting_for_keyframe = True
            self._on_overflow()
        else:
            self.dropped += 1
            self._frames.popleft()

    @property
    def queued(self) -> int:
        return len(self._frames)

    # Not an av.Frame/av.Packet: the tapped sender hands it to its LegPacker (passthrough).
    async def recv(self) -> EncodedFrame:  # type: ignore[override]
        while not self._frames:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._frames.popleft()

    def stop(self) -> None:
        super().stop()
        self._frames.clear()
        self._ready.set()  # wake a pending recv so the sender loop ends


SendPli = Callable[[], Awaitable[bool]]
FrameTap = Callable[[bytes, int, str], bool]
"""Sees every received frame (the recorder); returns True when it wants a keyframe."""


class Forwarder:
    """One published track and its subscriber legs."""

    def __init__(
        self,
        kind: str,
        send_pli: SendPli,
        *,
        max_frames: int = 30,
        clock: Callable[[], float] = time.monotonic,
        tap: FrameTap | None = None,
    ) -> None:
        self.kind = kind
        self.packer = SharedPacker()
        self._send_pli = send_pli
        self._max_frames = max_frames
        self._clock = clock
        self._tap = tap
        self._legs: dict[str, ForwardTrack] = {}
        self._keyframes = KeyframeRequests()
        self._tasks: set[asyncio.Future[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self.frames_in = 0
        self.plis_sent = 0

    # --- frames in -------------------------------------------------------------------------
    def push(self, data: bytes, timestamp: int, mime_type: str) -> None:
        keyframe = is_keyframe(mime_type, data)
        if keyframe:
            self._keyframes.keyframe_seen()
        self.frames_in += 1
        frame = EncodedFrame(data, timestamp, mime_type, keyframe)
        waiting = False
        for leg in self._legs.values():
            leg.offer(frame)
            waiting = waiting or leg.waiting_for_keyframe
        if waiting and not keyframe:
            # A leg still waits: ask again (coalesced; repeated once ``retry`` has passed). The
            # waiting leg sends nothing, so its subscriber has nothing to ask a keyframe for,
            # and a publisher may ignore a PLI that came too soon after its last keyframe.
            self.request_keyframe()
        if self._tap is not None and self._tap(data, timestamp, mime_type):
            self.request_keyframe()

    # --- subscribers -----------------------------------------------------------------------
    def subscribe(self, leg: str, track_id: str) -> ForwardTrack:
        track = ForwardTrack(self.kind, self._max_frames, self.request_keyframe, track_id)
        self._legs[leg] = track
        self.request_keyframe()
        return track

    def unsubscribe(self, leg: str) -> None:
        track = self._legs.pop(leg, None)
        if track is not None:
            track.stop()

    @property
    def legs(self) -> dict[str, ForwardTrack]:
        return dict(self._legs)

    # --- keyframes -------------------------------------------------------------------------
    def request_keyframe(self) -> None:
        """A subscriber needs a keyframe (join, PLI/FIR, overflow): coalesced upstream PLI."""
        if self.kind != "video":
            return
        decision = self._keyframes.request(self._clock())
        if decision is Decision.SEND:
            self._spawn_pli()
        elif decision is Decision.LATER:
            delay = self._keyframes.delay(self._clock())
            self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._keyframes.fire(self._clock())
        self._spawn_pli()

    def _spawn_pli(self) -> None:
        task = asyncio.ensure_future(self._pli())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pli(self) -> None:
        try:
            if await self._send_pli():
                self.plis_sent += 1
        except ConnectionError:
            log.debug("PLI not sent: publisher transport closed")

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for leg in list(self._legs):
            self.unsubscribe(leg)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
