"""A server offer keeps the numbers the session negotiated (header extension ids, payload types)."""

from server.sfu import renumber


def sdp(*lines: str) -> str:
    return "\r\n".join(["v=0", "a=group:BUNDLE 0 1 2", *lines, ""])


# What Chromium offered first (its numbers) and what aiortc's createOffer makes of the session.
BROWSER = sdp(
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0",
    "a=mid:0",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendonly",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2",
    "a=rtpmap:0 PCMU/8000",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104",
    "a=mid:1",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendonly",
    "a=rtpmap:96 VP8/90000",
    "a=rtcp-fb:96 nack pli",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "a=rtpmap:102 H264/90000",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:103 rtx/90000",
    "a=fmtp:103 apt=102",
    "a=rtpmap:104 H264/90000",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
)
AIORTC = sdp(
    "m=audio 9 UDP/TLS/RTP/SAVPF 96 9 0",
    "a=mid:0",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=recvonly",
    "a=rtpmap:96 opus/48000/2",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "m=video 9 UDP/TLS/RTP/SAVPF 97 98 99 100",
    "a=mid:1",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=recvonly",
    "a=rtpmap:97 VP8/90000",
    "a=rtcp-fb:97 nack pli",
    "a=rtpmap:98 rtx/90000",
    "a=fmtp:98 apt=97",
    "a=rtpmap:99 H264/90000",
    "a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:100 rtx/90000",
    "a=fmtp:100 apt=99",
    "m=audio 9 UDP/TLS/RTP/SAVPF 96",
    "a=mid:2",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:5 urn:example:new",
    "a=sendonly",
    "a=rtpmap:96 opus/48000/2",
)


def test_existing_sections_keep_their_payload_types_and_extension_ids() -> None:
    out = renumber.keep_negotiated(AIORTC, BROWSER)
    assert out == sdp(
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",  # G722 was never negotiated here: left out
        "a=mid:0",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=recvonly",
        "a=rtpmap:111 opus/48000/2",
        "a=rtpmap:0 PCMU/8000",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103",
        "a=mid:1",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=recvonly",
        "a=rtpmap:96 VP8/90000",
        "a=rtcp-fb:96 nack pli",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=rtpmap:102 H264/90000",  # packetization-mode 1, not the mode-0 variant 104
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        "a=rtpmap:103 rtx/90000",
        "a=fmtp:103 apt=102",
        # a new section (the server's own) keeps aiortc's payload types; the session's
        # extension ids still apply, and a new URI keeps its id (5 is free)
        "m=audio 9 UDP/TLS/RTP/SAVPF 96",
        "a=mid:2",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=extmap:5 urn:example:new",
        "a=sendonly",
        "a=rtpmap:96 opus/48000/2",
    )


def test_a_new_extension_uri_whose_id_is_taken_gets_a_free_one() -> None:
    offer = sdp("m=audio 9 X 96", "a=mid:0", "a=extmap:4/sendonly urn:example:other x")
    assert "a=extmap:2/sendonly urn:example:other x" in renumber.keep_extension_ids(
        offer, "a=extmap:1 a\r\na=extmap:4 b\r\n"
    )


def test_nothing_negotiated_changes_nothing() -> None:
    assert renumber.keep_negotiated(AIORTC, "v=0\r\n") == AIORTC
