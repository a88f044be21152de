"""The one module that reaches into aiortc's private API (pinned: aiortc==1.16.0).

aiortc has no public hook for encoded media, so an SFU needs a few small taps:

* **receive**: ``RTCRtpReceiver`` hands each complete frame from its jitter buffer to a decoder
  thread through a private ``queue.Queue``. :func:`tap_receiver` swaps that queue for
  :class:`_FrameTap`, whose ``put`` runs on the event loop and hands the *encoded* frame to a
  sink. No thread hop and no decode per frame; the idle decoder thread just waits for ``None``.
* **send**: ``RTCRtpSender`` packetizes anything that is not an ``av.Frame`` with its encoder's
  ``pack()``. :func:`tap_sender` installs a :class:`LegPacker` as that encoder, so the sender
  packetizes nothing itself: it gets the payloads a frame was packetized into once, shared by
  every subscriber leg; and it replaces the sender's RTP loop with :class:`_LegRtp`, the same
  packets for less CPU per packet.
* **feedback**: a subscriber's PLI/FIR calls ``sender._send_keyframe()`` and its REMB sets
  ``encoder.target_bitrate``; both are redirected to callbacks.
* **upstream RTCP**: PLI and REMB towards the publisher go through the receiver's private
  ``_send_rtcp``; :class:`UplinkRemb` caps the receiver's own REMB by the room's aggregate.
* **renegotiation**: :func:`create_offer` keeps the negotiated codecs and header extensions
  that aiortc's ``createOffer`` would reset.

Everything camelCase or private stays here; the rest of ``server/sfu`` sees plain callables.
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any, Protocol

import av
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCSessionDescription, clock
from aiortc.codecs import get_encoder
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import random_sequence_number
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTP_HISTORY_SIZE,
    RtcpPsfbPacket,
    RtpPacket,
    pack_remb_fci,
    unpack_remb_fci,
)
from aiortc.utils import random32, uint16_add, uint32_add

log = logging.getLogger(__name__)
FrameSink = Callable[[bytes, int, str], None]
"""Called on the event loop with (encoded frame, RTP timestamp, codec mime type)."""


class Packable(Protocol):
    """What a subscriber leg's sender receives from its track: an encoded frame."""

    def packed(self, packer: "SharedPacker") -> tuple[list[bytes], int]: ...


class _FrameTap:
    """Stands in for the receiver's decoder queue (same ``put``/``get`` duck type)."""

    def __init__(self, sink: FrameSink) -> None:
        self._sink = sink
        self._closed = threading.Event()

    def put(self, task: tuple[RTCRtpCodecParameters, Any] | None) -> None:
        if task is None:  # the receiver is stopping: release the idle decoder thread
            self._closed.set()
            return
        codec, frame = task
        self._sink(frame.data, frame.timestamp, codec.mimeType.lower())

    def get(self) -> None:
        # Runs in aiortc's decoder thread: park it until the receiver stops, then let it exit.
        self._closed.wait()


class _CutThroughJitterBuffer(JitterBuffer):
    """Releases a frame as soon as it is complete, not when the next one starts.

    aiortc's buffer only knows a frame is complete when a packet of the *next* frame arrives
    (one frame interval, 33 ms at 30 fps, per hop) and holds audio for 4 packets of prefetch.
    An SFU reorders nothing for its subscribers (their own jitter buffers do), so: a video frame
    is complete at its RTP marker bit (RFC 7741 / 6184), every audio packet is a frame.
    """

    def __init__(self, capacity: int, is_video: bool) -> None:
        super().__init__(capacity=capacity, prefetch=0, is_video=is_video)
        self._whole_packets = not is_video

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        packets: list[Any] = []
        origin = self._origin or 0  # set by add() before it calls us
        for count in range(self.capacity):
            packet: Any = self._packets[(origin + count) % self.capacity]
            if packet is None:
                return None
            if packets and packet.timestamp != packets[0].timestamp:  # marker was lost
                return self._release(packets, count)
            packets.append(packet)
            if packet.marker or self._whole_packets:
                return self._release(packets, count + 1)
        return None

    def _release(self, packets: list[Any], count: int) -> JitterFrame:
        self.remove(count)
        return JitterFrame(data=b"".join(p._data for p in packets), timestamp=packets[0].timestamp)


def tap_receiver(receiver: RTCRtpReceiver, sink: FrameSink) -> None:
    """Route the receiver's encoded frames to ``sink`` instead of a decoder, cut-through.

    Must run before ``receive()`` starts the decoder thread, i.e. from the ``track`` event.
    """
    private: Any = receiver
    video = private._RTCRtpReceiver__kind == "video"
    private._RTCRtpReceiver__jitter_buffer = _CutThroughJitterBuffer(512 if video else 64, video)
    private._RTCRtpReceiver__decoder_queue = _FrameTap(sink)


def tap_audio_level(receiver: RTCRtpReceiver, sink: Callable[[int], None]) -> None:
    """Report the RFC 6464 level (0 loud … 127 silent, -dBov) of every received RTP packet."""
    private: Any = receiver
    handle = private._handle_rtp_packet

    async def handle_with_level(packet: Any, arrival_time_ms: int) -> None:
        level = packet.extensions.audio_level
        if level is not None:
            sink(level[1])
        await handle(packet, arrival_time_ms=arrival_time_ms)

    private._handle_rtp_packet = handle_with_level


def media_ssrc(receiver: RTCRtpReceiver) -> int | None:
    """The publisher's media SSRC (not its RTX SSRC), once a packet has arrived."""
    private: Any = receiver
    rtx = private._RTCRtpReceiver__rtx_ssrc
    for ssrc in private._RTCRtpReceiver__remote_streams:
        if ssrc not in rtx:
            return int(ssrc)
    return None


async def send_pli(receiver: RTCRtpReceiver) -> bool:
    """Ask the publisher for a keyframe; False if nothing has been received yet."""
    ssrc = media_ssrc(receiver)
    if ssrc is None:
        return False
    await receiver._send_rtcp_pli(ssrc)
    return True


class UplinkRemb:
    """The REMB a publisher hears: its uplink's own estimate, never above the room's aggregate.

    aiortc's receiver estimates the publisher's uplink and sends REMB about once a second;
    that estimate is capped by ``room_limit()`` on its way out. When the room's aggregate moves,
    :meth:`send_room_limit` tells the publisher at once, still capped by the uplink's last
    estimate: the two REMB streams must agree, or the later one would undo the earlier (a room
    limit above the uplink estimate would skip the uplink's slow start).
    """

    def __init__(self, receiver: RTCRtpReceiver, room_limit: Callable[[], int | None]) -> None:
        private: Any = receiver
        self._receiver = receiver
        self._send = private._send_rtcp
        self._room_limit = room_limit
        self.uplink: int | None = None  # the receiver's last own estimate, uncapped
        private._send_rtcp = self._send_own

    async def _send_own(self, packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            bitrate, ssrcs = unpack_remb_fci(packet.fci)
            self.uplink = bitrate
            limit = self._room_limit()
            if limit is not None and bitrate > limit:
                packet = _remb(packet.ssrc, limit, ssrcs)
        await self._send(packet)

    async def send_room_limit(self, limit: int) -> bool:
        """Send the room's new aggregate now; False if the publisher has sent nothing yet."""
        ssrc = media_ssrc(self._receiver)
        private: Any = self._receiver
        own = private._RTCRtpReceiver__rtcp_ssrc
        if ssrc is None or own is None:
            return False
        bitrate = limit if self.uplink is None else min(limit, self.uplink)
        await self._send(_remb(own, bitrate, [ssrc]))
        return True


def _remb(sender_ssrc: int, bitrate: int, ssrcs: list[int]) -> RtcpPsfbPacket:
    fci = pack_remb_fci(bitrate, ssrcs)
    return RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=sender_ssrc, media_ssrc=0, fci=fci)


class SharedPacker:
    """Packetizes each frame once for every leg, with one aiortc encoder's ``pack()``."""

    def __init__(self) -> None:
        self._encoder: Any = None
        self._time_base = Fraction(1, 90000)

    def pack(self, data: bytes, timestamp: int, mime_type: str) -> tuple[list[bytes], int]:
        if self._encoder is None:  # codec known from the first frame (pinned per room)
            clock_rate = 48000 if mime_type == "audio/opus" else 90000
            codec = RTCRtpCodecParameters(mimeType=mime_type, clockRate=clock_rate)
            self._encoder = get_encoder(codec)
            self._time_base = Fraction(1, clock_rate)
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = self._time_base
        payloads, ts = self._encoder.pack(packet)
        return list(payloads), int(ts)


class LegPacker:
    """Installed as one sender's encoder: returns the frame's shared packetization."""

    def __init__(self, shared: SharedPacker, on_bitrate: Callable[[int], None]) -> None:
        self._shared = shared
        self._on_bitrate = on_bitrate
        self._bitrate = 0

    def pack(self, frame: Packable) -> tuple[list[bytes], int]:
        return frame.packed(self._shared)

    @property
    def target_bitrate(self) -> int:
        return self._bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:  # the subscriber's REMB
        self._bitrate = bitrate
        self._on_bitrate(bitrate)


def tap_sender(
    sender: RTCRtpSender,
    packer: LegPacker,
    on_keyframe_request: Callable[[], None],
    stream_id: str,
) -> None:
    """Make ``sender`` forward pre-packetized frames and report PLI/FIR and REMB.

    ``stream_id`` becomes the msid stream id in SDP: subscribers see who published the track.
    Must run before the sender starts (``send()``), i.e. right after ``addTransceiver``.
    """
    private: Any = sender
    private._RTCRtpSender__encoder = packer
    private._send_keyframe = on_keyframe_request
    private._stream_id = stream_id
    private._run_rtp = _LegRtp(sender).run


class _LegRtp:
    """A subscriber leg's RTP loop: aiortc's ``RTCRtpSender._run_rtp`` made lean for frames
    that arrive packetized.

    Same packets on the wire (payload type, SSRC, sequence numbers, marker, the negotiated mid
    and abs-send-time extensions) and the same bookkeeping (RTX history for NACKs, counters and
    timestamps for sender reports). Per frame instead of per packet: the clock is read once
    (aiortc read it twice per packet, through ``datetime``) and the header is serialized once
    by aiortc, then copied with each packet's sequence number and marker. This loop runs once
    per packet per subscriber: it is most of the SFU's per-leg cost.
    """

    def __init__(self, sender: RTCRtpSender) -> None:
        self._sender: Any = sender

    async def run(self, codec: RTCRtpCodecParameters) -> None:
        s = self._sender
        s._RTCRtpSender__rtp_started.set()
        try:
            await self._forward(codec)
        except (asyncio.CancelledError, ConnectionError, MediaStreamError):
            pass
        except Exception:  # as aiortc: stop() waits for __rtp_exited, so never leave without it
            log.exception("subscriber leg RTP loop failed")
        track = s._RTCRtpSender__track
        if track is not None:
            track.stop()
            s._RTCRtpSender__track = None
        s._RTCRtpSender__encoder = None
        s._RTCRtpSender__rtp_exited.set()

    async def _forward(self, codec: RTCRtpCodecParameters) -> None:
        s = self._sender
        sequence_number = random_sequence_number()
        timestamp_origin = random32()
        while True:
            if not s._RTCRtpSender__track:
                await asyncio.sleep(0.02)
                continue
            frame = await s._next_encoded_frame(codec)
            if frame is None:
                continue
            timestamp = uint32_add(timestamp_origin, frame.timestamp)
            ntp = clock.current_ntp_time()
            await self._send_frame(codec, frame.payloads, timestamp, ntp, sequence_number)
            sequence_number = uint16_add(sequence_number, len(frame.payloads))
            s._RTCRtpSender__ntp_timestamp = ntp
            s._RTCRtpSender__rtp_timestamp = timestamp

    async def _send_frame(
        self,
        codec: RTCRtpCodecParameters,
        payloads: list[bytes],
        timestamp: int,
        ntp: int,
        first_sequence_number: int,
    ) -> None:
        s = self._sender
        history = s._RTCRtpSender__rtp_history
        send_rtp = s.transport._send_rtp
        payload_type = int(codec.payloadType or 0)  # negotiated: always set by now
        abs_send_time = (ntp >> 14) & 0x00FFFFFF
        last = len(payloads) - 1
        header = bytearray()
        for i, payload in enumerate(payloads):
            sequence_number = (first_sequence_number + i) & 0xFFFF
            packet = RtpPacket(payload_type, int(i == last), sequence_number, timestamp, s._ssrc)
            packet.payload = payload
            packet.extensions.abs_send_time = abs_send_time
            packet.extensions.mid = s._RTCRtpSender__mid
            history[sequence_number % RTP_HISTORY_SIZE] = packet  # for NACK → RTX
            if not header:  # aiortc serializes the frame's first packet: its header is ours
                data = packet.serialize(s._RTCRtpSender__rtp_header_extensions_map)
                header = bytearray(data[: len(data) - len(payload)])
            else:
                header[1] = (header[1] & 0x7F) | (0x80 if i == last else 0)
                header[2] = sequence_number >> 8
                header[3] = sequence_number & 0xFF
                data = bytes(header) + payload
            await send_rtp(data)
        s._RTCRtpSender__octet_count += sum(map(len, payloads))
        s._RTCRtpSender__packet_count += len(payloads)


async def create_offer(pc: RTCPeerConnection) -> RTCSessionDescription:
    """``pc.createOffer()`` that leaves the negotiated transceivers as they were.

    aiortc's ``createOffer`` resets every transceiver's codecs and header extensions to its own
    defaults. A publisher's receiver that starts after that (DTLS still connecting when the
    server renegotiates right after its first answer) would start with aiortc's payload types
    and drop every packet the browser sends. The offer's text is brought to the negotiated
    numbers by ``server.sfu.renumber``.
    """
    kept = [
        (t, t._codecs, t._headerExtensions)
        for t in pc.getTransceivers()
        if t.currentDirection is not None
    ]
    offer = await pc.createOffer()
    for transceiver, codecs, extensions in kept:
        transceiver._codecs = codecs
        transceiver._headerExtensions = extensions
    return offer


def negotiated_codec(transceiver: Any) -> str:
    """The codec name a negotiated transceiver carries (``vp8``, ``h264``, ``opus``)."""
    codecs = transceiver._codecs
    return str(codecs[0].mimeType.split("/")[1].lower()) if codecs else ""


def set_codec_preferences(transceiver: Any, kind: str, names: tuple[str, ...]) -> None:
    """Pin the leg's codecs (e.g. VP8 then rtx; opus) in the given order of preference."""
    caps = RTCRtpSender.getCapabilities(kind).codecs
    wanted = [c for name in names for c in caps if c.mimeType.lower() == f"{kind}/{name}"]
    transceiver.setCodecPreferences(wanted)
