"""Keyframe request coalescing, keyframe detection, REMB aggregation, bounded subscriber queues."""

import asyncio

from server.sfu.bandwidth import BandwidthAggregate
from server.sfu.forwarder import EncodedFrame, Forwarder, ForwardTrack
from server.sfu.keyframes import Decision, KeyframeRequests, is_keyframe


def test_first_request_sends_and_later_ones_ride_on_it() -> None:
    k = KeyframeRequests(min_interval=0.25, retry=0.5)
    assert k.request(10.0) is Decision.SEND
    assert k.request(10.05) is Decision.WAIT  # coalesced: keyframe already on its way
    assert k.request(10.4) is Decision.WAIT


def test_outstanding_request_is_retried_when_no_keyframe_came() -> None:
    k = KeyframeRequests(min_interval=0.25, retry=0.5)
    k.request(0.0)
    assert k.request(0.6) is Decision.SEND


def test_requests_soon_after_a_keyframe_are_deferred_once() -> None:
    k = KeyframeRequests(min_interval=0.25, retry=0.5)
    k.request(0.0)
    k.keyframe_seen()
    assert k.request(0.1) is Decision.LATER
    assert abs(k.delay(0.1) - 0.15) < 1e-9
    assert k.request(0.12) is Decision.WAIT  # already scheduled
    k.fire(0.25)
    assert k.request(0.3) is Decision.WAIT  # the fired PLI is outstanding
    k.keyframe_seen()
    assert k.request(0.6) is Decision.SEND


def test_keyframe_detection() -> None:
    assert is_keyframe("video/vp8", bytes([0x10, 0x02]))
    assert not is_keyframe("video/vp8", bytes([0x11, 0x02]))
    assert not is_keyframe("video/vp8", b"")
    assert is_keyframe("video/h264", b"\x00\x00\x00\x01\x67\x42\x00\x00\x00\x01\x65\x88")
    assert not is_keyframe("video/h264", b"\x00\x00\x00\x01\x41\x9a")
    assert is_keyframe("audio/opus", b"\x01")


def test_bandwidth_is_the_minimum_above_the_floor() -> None:
    b = BandwidthAggregate(floor=150_000, max_age=5.0)
    assert b.value(0.0) is None
    b.update("a", 900_000, 0.0)
    b.update("b", 400_000, 0.0)
    b.update("c", 50_000, 0.0)  # hopeless link: ignored for the room
    assert b.value(1.0) == 400_000
    assert b.to_report(1.0) == 400_000
    assert b.to_report(1.1) is None  # unchanged: nothing to report
    b.forget("b")
    assert b.to_report(1.2) == 900_000
    assert b.value(10.0) is None  # all stale


def test_only_hopeless_links_report_the_floor() -> None:
    b = BandwidthAggregate(floor=150_000)
    b.update("c", 50_000, 0.0)
    assert b.value(0.0) == 150_000


def frame(n: int, key: bool) -> EncodedFrame:
    return EncodedFrame(bytes([0x10 if key else 0x11]), n, "video/vp8", key)


async def test_video_leg_waits_for_keyframe_and_drops_to_next_on_overflow() -> None:
    requests: list[int] = []
    leg = ForwardTrack("video", 3, lambda: requests.append(1), "t")
    leg.offer(frame(0, False))
    assert leg.queued == 0  # no keyframe yet
    for n in range(1, 4):
        leg.offer(frame(n, n == 1))
    assert leg.queued == 3
    leg.offer(frame(4, False))  # overflow: everything dropped, keyframe requested
    assert (leg.queued, leg.waiting_for_keyframe, requests) == (0, True, [1])
    leg.offer(frame(5, True))
    assert (await leg.recv()).timestamp == 5
    leg.stop()


async def test_audio_leg_drops_oldest_on_overflow() -> None:
    leg = ForwardTrack("audio", 2, lambda: None, "t")
    for n in range(3):
        leg.offer(EncodedFrame(b"x", n, "audio/opus", True))
    assert [(await leg.recv()).timestamp for _ in range(2)] == [1, 2]
    assert leg.dropped == 1
    leg.stop()


async def test_a_stalled_subscriber_is_bounded_and_does_not_hold_back_the_others() -> None:
    plis: list[int] = []

    async def send_pli() -> bool:
        plis.append(1)
        return True

    forwarder = Forwarder("video", send_pli, max_frames=8)
    stalled = forwarder.subscribe("stalled", "t1")
    reader = forwarder.subscribe("reader", "t2")
    got = []
    for n in range(100):
        forwarder.push(bytes([0x10 if n % 30 == 0 else 0x11]), n, "video/vp8")
        got.append((await reader.recv()).timestamp)  # the reader keeps up
        assert stalled.queued <= 8
    assert got == list(range(100))
    assert stalled.dropped > 80
    await asyncio.sleep(0)  # let the PLI tasks run
    assert plis  # the stalled leg's overflow asked for a keyframe
    await forwarder.close()


async def test_a_waiting_leg_keeps_asking_until_a_keyframe_comes() -> None:
    """A late leg's PLI may go unanswered (a browser ignores one right after its last
    keyframe); the leg sends nothing meanwhile, so nobody else will ask: the forwarder must."""
    now = [0.0]
    plis: list[float] = []

    async def send_pli() -> bool:
        plis.append(now[0])
        return True

    forwarder = Forwarder("video", send_pli, clock=lambda: now[0], max_frames=1000)
    first = forwarder.subscribe("doc", "t1")
    forwarder.push(bytes([0x10]), 0, "video/vp8")  # the keyframe the first PLI asked for
    now[0] = 0.3
    late = forwarder.subscribe("trainee", "t2")  # its PLI goes out, no keyframe follows
    for n in range(1, 40):  # 30 fps of delta frames
        now[0] = 0.3 + n / 30
        forwarder.push(bytes([0x11]), n, "video/vp8")
        await asyncio.sleep(0)
    assert late.waiting_for_keyframe and not first.waiting_for_keyframe
    # The subscriptions' two, then one retry per 0.5 s of waiting (1.3 s here): not a storm.
    assert 3 <= len(plis) <= 5, plis
    forwarder.push(bytes([0x10]), 40, "video/vp8")
    sent = len(plis)
    for n in range(41, 80):
        now[0] = 0.3 + n / 30
        forwarder.push(bytes([0x11]), n, "video/vp8")
        await asyncio.sleep(0)
    assert not late.waiting_for_keyframe and len(plis) == sent  # answered: no more asking
    await forwarder.close()
