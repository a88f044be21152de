"""SDP reading, message shapes and the active-speaker detector (pure)."""

import msgpack

from server.sfu import wire
from server.sfu.speaker import ActiveSpeaker
from server.sfu.wire import Source, TrackInfo
from session.ids import ParticipantId

OFFER = "\r\n".join(
    [
        "v=0",
        "a=group:BUNDLE 0 1 2",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=mid:0",
        "a=sendonly",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=mid:1",
        "a=recvonly",
        "m=video 0 UDP/TLS/RTP/SAVPF 96",
        "a=mid:2",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "a=mid:3",
        "",
    ]
)


def test_sending_sections_skip_receive_only_rejected_and_data() -> None:
    assert wire.sending_sections(OFFER) == [("0", "audio")]
    assert wire.sending_sections("v=0\r\n") == []


def test_empty_bundle_group_is_dropped_and_others_kept() -> None:
    sdp = "v=0\r\na=group:BUNDLE \r\nt=0 0\r\n"
    assert wire.without_empty_bundle(sdp) == "v=0\r\nt=0 0\r\n"
    assert wire.without_empty_bundle(OFFER) == OFFER


def test_media_tracks_and_active_speaker_messages() -> None:
    info = TrackInfo("3", ParticipantId("dr-li"), Source.SCREEN)
    assert msgpack.unpackb(wire.media_tracks([info])) == {
        "type": "media_tracks",
        "tracks": [{"mid": "3", "participant": "dr-li", "source": "screen"}],
    }
    assert msgpack.unpackb(wire.active_speaker(None, 1.5)) == {
        "type": "active_speaker",
        "participant": None,
        "at": 1.5,
    }
    assert Source.MIC.kind == "audio" and Source.SCREEN.kind == "video"


def test_active_speaker_needs_a_loud_voice_and_holds_against_flicker() -> None:
    s = ActiveSpeaker(interval=0.0, hold=0.5)
    a, b = ParticipantId("a"), ParticipantId("b")
    assert not s.level(a, 127, 0.0)  # silence: nobody speaks
    changed = [s.level(a, 20, t / 50) for t in range(1, 20)]
    assert any(changed) and s.current == a
    for t in range(20, 40):  # b louder while a still talks, for 0.4 s: a keeps the floor
        s.level(b, 5, t / 50)
        s.level(a, 30, t / 50)
    assert s.current == a
    for t in range(40, 80):
        s.level(b, 5, t / 50)
        s.level(a, 30, t / 50)
    assert s.current == b
    for t in range(80, 120):  # everyone silent: the indicator clears
        s.level(b, 127, t / 50)
        s.level(a, 127, t / 50)
    assert s.current is None
    for t in range(120, 140):
        s.level(b, 5, t / 50)
    assert s.forget(b) and s.current is None
    assert not s.forget(a)


def test_a_burst_between_two_evaluations_still_makes_a_speaker() -> None:
    """Levels are evaluated every 0.25 s; a 120 ms burst that is over by then still counts."""
    s = ActiveSpeaker(interval=0.25)
    a = ParticipantId("a")
    assert not s.level(a, 127, 0.0)  # evaluated: silence
    for k in range(1, 7):  # 20 ms packets, loud from 0.02 to 0.12 s
        assert not s.level(a, 10, k * 0.02)
    for k in range(7, 12):  # then quiet again before the next evaluation
        assert not s.level(a, 127, k * 0.02)
    assert s.level(a, 127, 0.26) and s.current == a
    assert s.level(a, 127, 0.52) and s.current is None  # the next window was silent


def test_new_session_is_told_from_renegotiation() -> None:
    established = OFFER.replace("a=mid:0", "a=ice-ufrag:abcd\r\na=mid:0")
    assert not wire.is_new_session(established, established)
    assert wire.is_new_session(established, "v=0\r\n")  # fewer m-sections
    assert wire.is_new_session(established, established.replace("abcd", "wxyz"))
    assert not wire.is_new_session("v=0\r\n", OFFER)


def test_inactive_sections_lose_their_msid() -> None:
    sdp = "\r\n".join(
        [
            "v=0",
            "m=video 9 X 97",
            "a=mid:1",
            "a=inactive",
            "a=msid:dr-wang camera-dr-wang",
            "m=video 9 X 97",
            "a=mid:3",
            "a=sendonly",
            "a=msid:dr-wang camera-dr-wang",
            "",
        ]
    )
    assert wire.without_inactive_msid(sdp) == sdp.replace(
        "a=inactive\r\na=msid:dr-wang camera-dr-wang\r\n", "a=inactive\r\n"
    )
