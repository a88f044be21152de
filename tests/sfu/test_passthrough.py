"""The aiortc hook: encoded frames in, the same encoded frames out, decodable by subscribers.

Real aiortc peers over loopback ICE/DTLS/SRTP in one process: publisher → SFU leg (tapped
receiver) → Forwarder → SFU legs (tapped senders) → subscribers that decode.
"""

import asyncio
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpReceiver
from aiortc.rtp import RtpPacket
from aiortc.stats import RTCRemoteOutboundRtpStreamStats
from av import VideoFrame
from sfu_peers import PatternTrack, Peers, negotiate

from server.sfu import passthrough
from server.sfu.bandwidth import BandwidthAggregate
from server.sfu.forwarder import Forwarder


async def publish(peers: Peers) -> tuple[Forwarder, RTCRtpReceiver, int]:
    publisher, sfu = peers.new(), peers.new()
    publisher.addTrack(PatternTrack())
    ready: asyncio.Future[tuple[Forwarder, RTCRtpReceiver]] = asyncio.Future()

    @sfu.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        receiver = next(t.receiver for t in sfu.getTransceivers() if t.receiver.track is track)
        forwarder = Forwarder(track.kind, lambda: passthrough.send_pli(receiver))
        passthrough.tap_receiver(receiver, forwarder.push)
        ready.set_result((forwarder, receiver))

    await negotiate(publisher, sfu)
    forwarder, receiver = await ready
    return forwarder, receiver, len(peers.pcs)


async def subscribe(
    peers: Peers, forwarder: Forwarder, name: str, bandwidth: BandwidthAggregate | None = None
) -> tuple[RTCPeerConnection, asyncio.Queue[VideoFrame]]:
    sfu, subscriber = peers.new(), peers.new()
    track = forwarder.subscribe(name, f"camera-{name}")
    transceiver = sfu.addTransceiver(track, direction="sendonly")
    passthrough.set_codec_preferences(transceiver, "video", ("vp8", "rtx"))
    agg = bandwidth or BandwidthAggregate()
    packer = passthrough.LegPacker(forwarder.packer, lambda b: agg.update(name, b, 0.0))
    passthrough.tap_sender(transceiver.sender, packer, forwarder.request_keyframe, "publisher")
    frames: asyncio.Queue[VideoFrame] = asyncio.Queue()

    @subscriber.on("track")
    def on_track(remote: MediaStreamTrack) -> None:
        async def pump() -> None:
            while True:
                frame = await remote.recv()
                assert isinstance(frame, VideoFrame)
                frames.put_nowait(frame)

        task = asyncio.ensure_future(pump())
        remote.on("ended", task.cancel)

    await negotiate(sfu, subscriber)
    return sfu, frames


async def decoded(frames: asyncio.Queue[VideoFrame], count: int) -> list[VideoFrame]:
    return [await asyncio.wait_for(frames.get(), 10) for _ in range(count)]


async def test_three_subscribers_decode_forwarded_frames(peers: Peers) -> None:
    forwarder, _, _ = await publish(peers)
    queues = [(await subscribe(peers, forwarder, f"s{i}"))[1] for i in range(3)]
    for frames in queues:
        got = await decoded(frames, 10)
        assert all(f.width == 320 and f.height == 240 for f in got)
    assert forwarder.frames_in >= 10


async def test_late_subscriber_gets_a_keyframe_via_upstream_pli(peers: Peers) -> None:
    forwarder, _, _ = await publish(peers)
    _, early = await subscribe(peers, forwarder, "early")
    await decoded(early, 30)  # ~1 s in: aiortc's encoder sends keyframes only when asked
    plis_before = forwarder.plis_sent
    _, late = await subscribe(peers, forwarder, "late")
    await decoded(late, 3)
    assert forwarder.plis_sent > plis_before


async def test_leaving_subscriber_does_not_stop_the_others(peers: Peers) -> None:
    forwarder, _, _ = await publish(peers)
    leaving_pc, leaving = await subscribe(peers, forwarder, "a")
    _, staying = await subscribe(peers, forwarder, "b")
    await decoded(leaving, 5)
    await decoded(staying, 5)
    forwarder.unsubscribe("a")
    await leaving_pc.close()
    before = forwarder.frames_in
    await decoded(staying, 15)
    assert forwarder.frames_in > before
    assert set(forwarder.legs) == {"b"}


async def test_subscriber_remb_reaches_the_aggregate(peers: Peers) -> None:
    forwarder, _, _ = await publish(peers)
    bandwidth = BandwidthAggregate()
    _, frames = await subscribe(peers, forwarder, "s", bandwidth)
    await decoded(frames, 30)
    for _ in range(50):  # aiortc's estimator reports after ~1 s of video
        if bandwidth.value(0.0) is not None:
            break
        await decoded(frames, 3)
    assert bandwidth.value(0.0) is not None


def rtp(seq: int, timestamp: int, data: bytes, marker: bool = False) -> RtpPacket:
    packet = RtpPacket(sequence_number=seq, timestamp=timestamp, marker=int(marker))
    packet._data = data  # type: ignore[attr-defined]  # what aiortc's depayloader sets
    return packet


def test_cut_through_buffer_releases_a_video_frame_at_its_marker() -> None:
    buffer = passthrough._CutThroughJitterBuffer(64, is_video=True)
    assert buffer.add(rtp(10, 900, b"a"))[1] is None
    frame = buffer.add(rtp(11, 900, b"b", marker=True))[1]
    assert frame is not None and (frame.data, frame.timestamp) == (b"ab", 900)
    assert buffer.add(rtp(12, 1800, b"c"))[1] is None  # next frame waits for its own marker


def test_cut_through_buffer_falls_back_to_timestamp_change_when_marker_lost() -> None:
    buffer = passthrough._CutThroughJitterBuffer(64, is_video=True)
    buffer.add(rtp(10, 900, b"a"))
    frame = buffer.add(rtp(11, 1800, b"b"))[1]
    assert frame is not None and frame.data == b"a"


def test_cut_through_buffer_releases_every_audio_packet() -> None:
    buffer = passthrough._CutThroughJitterBuffer(64, is_video=False)
    frames = [buffer.add(rtp(n, 960 * n, bytes([n])))[1] for n in range(3)]
    assert [f.data for f in frames if f is not None] == [b"\x00", b"\x01", b"\x02"]


async def test_a_lost_packet_is_resent_over_rtx_from_the_legs_history(peers: Peers) -> None:
    """The leg's own RTP loop keeps aiortc's history: a subscriber's NACK gets the packet back
    as RTX (with the mid extension, or BUNDLE could not route it)."""
    forwarder, _, _ = await publish(peers)
    _, frames = await subscribe(peers, forwarder, "s")
    receiver: Any = peers.pcs[-1].getTransceivers()[0].receiver
    handle = receiver._handle_rtp_packet
    media: list[int] = []  # the media SSRC, then every media sequence number seen
    dropped: list[int] = []
    resent: list[int] = []

    async def lossy(packet: RtpPacket, arrival_time_ms: int) -> None:
        if not media:
            media.append(packet.ssrc)
        if packet.ssrc != media[0]:  # RTX: the original sequence number leads the payload
            resent.append(int.from_bytes(packet.payload[:2], "big"))
        elif len(media) == 60 and not dropped:
            dropped.append(packet.sequence_number)
            return  # lost on the way
        else:
            media.append(packet.sequence_number)
        await handle(packet, arrival_time_ms=arrival_time_ms)

    receiver._handle_rtp_packet = lossy
    async with asyncio.timeout(20):  # a safety net, not a timing assertion
        while not (dropped and dropped[0] in resent):
            await decoded(frames, 1)
    await decoded(frames, 5)  # and the picture goes on


async def test_sender_reports_count_what_the_leg_sent(peers: Peers) -> None:
    """Browsers align audio and video with the RTCP sender reports: the leg's own loop must keep
    their packet and octet counts and RTP timestamps advancing."""
    forwarder, _, _ = await publish(peers)
    _, frames = await subscribe(peers, forwarder, "s")
    receiver = peers.pcs[-1].getTransceivers()[0].receiver
    first = await sender_report(receiver, frames, after=0)
    later = await sender_report(receiver, frames, after=first.packetsSent)
    assert later.bytesSent > first.bytesSent
    assert later.bytesSent / later.packetsSent > 100  # VP8 payloads, not empty packets
    assert later.remoteTimestamp > first.remoteTimestamp


async def sender_report(
    receiver: RTCRtpReceiver, frames: asyncio.Queue[VideoFrame], after: int
) -> RTCRemoteOutboundRtpStreamStats:
    """The subscriber's view of the newest sender report counting more than ``after`` packets."""
    async with asyncio.timeout(20):  # reports come every 0.5-1.5 s
        while True:
            await decoded(frames, 3)
            for stats in (await receiver.getStats()).values():
                if isinstance(stats, RTCRemoteOutboundRtpStreamStats) and stats.packetsSent > after:
                    return stats
