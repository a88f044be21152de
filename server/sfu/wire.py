"""Server → client media messages and the little SDP reading the SFU needs (pure).

Each helper returns ONE encoded message map; the connection frames it (a server frame is a
msgpack array of messages, ``docs/protocol.md``). ``rtc_offer``/``rtc_answer``/``error`` are the
codec's ``encode_signal``/``encode_error``; ``media_tracks`` and
``active_speaker`` are ephemeral and SFU-specific (documented under "Media signalling").
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import msgpack

from session.codec import encode_error, encode_signal
from session.errors import ErrorCode
from session.ids import ParticipantId


class Source(StrEnum):
    MIC = "mic"
    CAMERA = "camera"
    SCREEN = "screen"

    @property
    def kind(self) -> str:
        return "audio" if self is Source.MIC else "video"


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """What a subscriber's m-section (by ``mid``) carries."""

    mid: str
    participant: ParticipantId
    source: Source


def _encode(message: Mapping[str, object]) -> bytes:
    return bytes(msgpack.packb(message, use_bin_type=True))


def signal(kind: str, ref: int | None, sdp: str) -> bytes:
    return encode_signal(kind, ref, sdp)


def error(ref: int | None, code: ErrorCode, message: str) -> bytes:
    return encode_error(ref, code, message)


def media_tracks(tracks: Sequence[TrackInfo]) -> bytes:
    entries = [
        {"mid": t.mid, "participant": t.participant, "source": t.source.value} for t in tracks
    ]
    return _encode({"type": "media_tracks", "tracks": entries})


def active_speaker(participant: ParticipantId | None, at: float) -> bytes:
    return _encode({"type": "active_speaker", "participant": participant, "at": at})


def sending_sections(sdp: str) -> list[tuple[str, str]]:
    """(mid, kind) of each audio/video m-section the offerer *sends* on (not rejected)."""
    found: list[tuple[str, str]] = []
    for section in sdp.split("\nm=")[1:]:
        lines = section.splitlines()
        kind, port = [*lines[0].split(), "", ""][:2]
        attrs = {line.strip() for line in lines[1:]}
        mid = next((a[6:] for a in attrs if a.startswith("a=mid:")), "")
        receives_only = attrs & {"a=recvonly", "a=inactive"}
        if kind in ("audio", "video") and port != "0" and not receives_only:
            found.append((mid, kind))
    return found


def without_empty_bundle(sdp: str) -> str:
    """aiortc answers an offer without m-sections with ``a=group:BUNDLE`` naming no mid,
    which browsers reject; such a group says nothing, so drop it."""
    lines = sdp.split("\r\n")
    return "\r\n".join(line for line in lines if line.strip() != "a=group:BUNDLE")


def without_inactive_msid(sdp: str) -> str:
    """Inactive sections carry no track: drop their ``a=msid``. A participant who republishes
    (a new peer connection) gets new sections for the same ``<source>-<participant>`` track id
    while the old ones stay inactive, and browsers refuse duplicate msid lines."""
    head, *sections = sdp.split("\r\nm=")
    kept = [
        "\r\n".join(line for line in s.split("\r\n") if not line.startswith("a=msid:"))
        if "\r\na=inactive" in s
        else s
        for s in sections
    ]
    return "\r\nm=".join([head, *kept])


def is_new_session(current: str, offer: str) -> bool:
    """Whether ``offer`` comes from a new client peer connection rather than renegotiation.

    An established connection re-offers every m-section it has (they are never removed) with
    the same ICE credentials; a new one has fewer sections or new credentials.
    """
    if offer.count("\nm=") < current.count("\nm="):
        return True
    old, new = _ice_ufrag(current), _ice_ufrag(offer)
    return old is not None and new is not None and old != new


def _ice_ufrag(sdp: str) -> str | None:
    for line in sdp.splitlines():
        if line.startswith("a=ice-ufrag:"):
            return line[len("a=ice-ufrag:") :].strip()
    return None
