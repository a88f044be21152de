"""The wire codec: msgpack frames <-> typed hello, commands, events, snapshots (pure, no I/O).

Client -> server: every binary frame is ONE msgpack map with a ``type`` string (``hello`` first,
then commands, ``ping``, ``rtc_offer``/``rtc_answer``). Server -> client: every binary frame is a
msgpack ARRAY of one or more message maps, so queued messages can be coalesced; each message is
encoded once (``encode_*``) and ``encode_frame`` only prepends an array header to the
already-encoded bytes ("encode once, send many"). docs/protocol.md documents every message.

Decoding is driven by the dataclass fields of ``session.commands`` / ``session.events``
(``session.wire_schema``); ``ProtocolError`` is the only exception it raises, whatever the bytes.
The server checks ``len(frame) <= MAX_FRAME_BYTES`` before calling in; so does the decoder.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

import msgpack

from session import commands, events
from session.commands import Command
from session.errors import ErrorCode
from session.events import Stamped
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.room import Snapshot
from session.state import RoomState
from session.wire_schema import (
    MAX_ITEMS,
    MAX_TEXT_CHARS,
    ProtocolError,
    Schema,
    bad,
    fields_to_wire,
    text,
    to_wire,
)

__all__ = ["ProtocolError"]  # re-exported: callers import it from here

PROTOCOL_VERSION: Final = 1
SUPPORTED_VERSIONS: Final = (1,)
MAX_FRAME_BYTES: Final = 64 * 1024
MAX_TOKEN_CHARS: Final = 4096
MAX_SDP_CHARS: Final = 60_000
MAX_REF: Final = 2**31 - 1
MAX_SEQ: Final = 2**53
MAX_VERSIONS: Final = 16
RTC_OFFER: Final = "rtc_offer"
RTC_ANSWER: Final = "rtc_answer"


class CloseCode(IntEnum):
    """WebSocket close codes the server uses (docs/protocol.md, "Close codes")."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutdown
    TOO_BIG = 1009  # frame over MAX_FRAME_BYTES
    PROTOCOL_ERROR = 4000  # bad or missing hello
    UNAUTHORIZED = 4001  # token missing, forged, or for another room
    TOKEN_EXPIRED = 4002
    ROOM_NOT_FOUND = 4004
    KICKED = 4005
    ROOM_CLOSED = 4006
    FLOOD = 4008  # rate limits exceeded repeatedly
    TOO_SLOW = 4009  # send queue overflow; reason "resume_from=<seq>"
    UNSUPPORTED_VERSION = 4010
    REPLACED = 4011  # the same identity connected again elsewhere


_HELLO_CLOSE: Final = {
    ErrorCode.UNAUTHORIZED: CloseCode.UNAUTHORIZED,
    ErrorCode.TOO_LARGE: CloseCode.TOO_BIG,
    ErrorCode.UNSUPPORTED_VERSION: CloseCode.UNSUPPORTED_VERSION,
}


def hello_close_code(error: ProtocolError) -> CloseCode:
    """How the server closes a connection whose hello was refused."""
    return _HELLO_CLOSE.get(error.code, CloseCode.PROTOCOL_ERROR)


_RESUME_HINT: Final = re.compile(r"resume_from=([0-9]{1,16})")


def too_slow_reason(last_seq: int) -> str:
    """Close reason for ``TOO_SLOW``: the client reconnects with ``resume_from`` = this seq."""
    return f"resume_from={last_seq}"


def resume_hint(reason: str) -> int | None:
    match = _RESUME_HINT.search(reason)
    return int(match.group(1)) if match else None


# --- client frames ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hello:
    versions: tuple[int, ...]
    token: str
    resume_from: int | None = None


@dataclass(frozen=True, slots=True)
class CommandFrame:
    ref: int
    command: Command


@dataclass(frozen=True, slots=True)
class PingFrame:
    ref: int


@dataclass(frozen=True, slots=True)
class SignalFrame:
    """WebRTC signalling (not room state): ``type`` is ``rtc_offer`` or ``rtc_answer``."""

    ref: int
    type: str
    sdp: str


ClientFrame = CommandFrame | PingFrame | SignalFrame

_COMMANDS: Final = Schema(MAX_ITEMS)
_STORED: Final = Schema(1_000_000)  # our own snapshots and logs: bounded by their producer
_COMMAND_NAMES: Final[dict[type, str]] = {c: n for n, c in commands.WIRE_NAMES.items()}
_EVENT_NAMES: Final[dict[type, str]] = {c: n for n, c in events.WIRE_NAMES.items()}
_ENVELOPE: Final = frozenset({"type", "seq", "at", "by"})


def _unpack(data: bytes, limit: int | None) -> object:
    if limit is not None and len(data) > limit:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"frame over {limit} bytes")
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True, max_ext_len=0, timestamp=0)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "frame is not one msgpack value") from None


def _unpack_map(data: bytes) -> dict[Any, Any]:
    raw = _unpack(data, MAX_FRAME_BYTES)
    if type(raw) is not dict:
        raise bad("frame", "a map")
    return raw


def decode_hello(data: bytes) -> Hello:
    """The first client frame. Token problems are ``UNAUTHORIZED``; others ``BAD_REQUEST``."""
    raw = _unpack_map(data)
    if raw.get("type") != "hello":
        raise bad("type", "'hello' (the first frame)")
    extra = raw.keys() - {"type", "versions", "token", "resume_from"}
    if extra:
        raise bad("hello", f"no field {sorted(map(str, extra))[0]!r}")
    versions = _versions(raw.get("versions"))
    token = raw.get("token")
    if token is None or token == "":
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "token missing")
    if type(token) is not str or len(token) > MAX_TOKEN_CHARS:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "token malformed")
    return Hello(versions, token, _seq_or_none(raw.get("resume_from"), "resume_from"))


def _versions(raw: object) -> tuple[int, ...]:
    if type(raw) is not list or not 1 <= len(raw) <= MAX_VERSIONS:
        raise bad("versions", f"an array of 1-{MAX_VERSIONS} integers")
    if any(type(v) is not int or not 0 <= v <= MAX_REF for v in raw):
        raise bad("versions", "protocol version integers")
    return tuple(raw)


def _seq_or_none(raw: object, path: str) -> int | None:
    if raw is None:
        return None
    if type(raw) is not int or not 0 <= raw <= MAX_SEQ:
        raise bad(path, "nil or a sequence number >= 0")
    return raw


def negotiate(hello: Hello) -> int:
    """The highest version both sides speak; ``UNSUPPORTED_VERSION`` if none (close 4010)."""
    common = set(hello.versions) & set(SUPPORTED_VERSIONS)
    if not common:
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION, f"server speaks versions {list(SUPPORTED_VERSIONS)}"
        )
    return max(common)


def decode_client(data: bytes) -> ClientFrame:
    """A frame after the hello: a command, a ping, or WebRTC signalling."""
    raw = _unpack_map(data)
    ref = _ref(raw.get("ref"))
    kind = raw.get("type")
    if type(kind) is not str:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "type: expected a string", ref)
    if kind not in commands.WIRE_NAMES and kind not in ("ping", RTC_OFFER, RTC_ANSWER):
        raise ProtocolError(ErrorCode.UNKNOWN_COMMAND, f"unknown type {kind[:64]!r}", ref)
    if ref is None:
        raise bad("ref", f"an integer in [0, {MAX_REF}]")
    body = {k: v for k, v in raw.items() if k not in ("type", "ref")}
    try:
        return _client_body(kind, ref, body)
    except ProtocolError as error:
        raise ProtocolError(error.code, error.message, ref) from None


def _ref(raw: object) -> int | None:
    return raw if type(raw) is int and 0 <= raw <= MAX_REF else None


def _client_body(kind: str, ref: int, body: dict[Any, Any]) -> ClientFrame:
    if kind == "ping":
        _only(body, frozenset())
        return PingFrame(ref)
    if kind in (RTC_OFFER, RTC_ANSWER):
        _only(body, frozenset({"sdp"}))
        return SignalFrame(ref, kind, text(body.get("sdp"), "sdp", MAX_SDP_CHARS))
    return CommandFrame(ref, _COMMANDS.decode(commands.WIRE_NAMES[kind], body))


def _only(body: Mapping[Any, Any], allowed: frozenset[str]) -> None:
    extra = body.keys() - allowed
    if extra:
        raise bad("frame", f"no field {sorted(map(str, extra))[0]!r}")


# --- client-side encoders (web client mirror, tests, bench) ----------------------------------
def _pack(message: Mapping[str, Any]) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def encode_hello(token: str, resume_from: int | None = None) -> bytes:
    return _pack(
        {
            "type": "hello",
            "versions": list(SUPPORTED_VERSIONS),
            "token": token,
            "resume_from": resume_from,
        }
    )


def encode_command(ref: int, command: Command) -> bytes:
    return _pack({"type": _COMMAND_NAMES[type(command)], "ref": ref, **fields_to_wire(command)})


def encode_ping(ref: int) -> bytes:
    return _pack({"type": "ping", "ref": ref})


def wire_name(value: Command | events.Event) -> str:
    """The wire ``type`` of a command or event instance (rate-limit classes, metrics)."""
    return _COMMAND_NAMES.get(type(value)) or _EVENT_NAMES[type(value)]


# --- server -> client messages ---------------------------------------------------------------
def stamped_message(stamped: Stamped) -> dict[str, Any]:
    return {
        "type": _EVENT_NAMES[type(stamped.event)],
        "seq": stamped.seq,
        "at": stamped.at,
        "by": stamped.by,
        **fields_to_wire(stamped.event),
    }


def encode_stamped(stamped: Stamped) -> bytes:
    """One event message; the same bytes are fanned out, logged and recorded."""
    return _pack(stamped_message(stamped))


stamped_to_wire = encode_stamped


def stamped_from_wire(data: bytes) -> Stamped:
    """Inverse of ``stamped_to_wire`` (recorder files, Redis logs)."""
    raw = _unpack(data, None)
    return stamped_from_message(raw)


def stamped_from_message(raw: object) -> Stamped:
    """A decoded event message map (e.g. from ``decode_server_frame``) as a ``Stamped``."""
    if type(raw) is not dict:
        raise bad("event", "a map")
    kind = raw.get("type")
    cls = events.WIRE_NAMES.get(kind) if type(kind) is str else None
    if cls is None:
        raise bad("type", "an event type")
    body = {k: v for k, v in raw.items() if k not in _ENVELOPE}
    return Stamped(
        seq=_STORED.decode(int | None, raw.get("seq"), "seq"),
        at=_STORED.decode(float, raw.get("at"), "at"),
        by=_STORED.decode(ParticipantId | None, raw.get("by"), "by"),
        event=_STORED.decode(cls, body),
    )


def state_to_wire(state: RoomState) -> dict[str, Any]:
    return fields_to_wire(state)


def state_from_wire(raw: object) -> RoomState:
    state: RoomState = _STORED.decode(RoomState, raw, "state")
    return state


def encode_welcome(
    *,
    room: RoomId,
    you: ParticipantId,
    role: Role,
    grants: frozenset[Grant],
    seq: int,
    at: float,
    limits: Mapping[str, int | float],
    snapshot: Snapshot | None,
    version: int = PROTOCOL_VERSION,
) -> bytes:
    """``seq`` is the room's latest seq: the snapshot's, or the last of the resumed events."""
    return _pack(
        {
            "type": "welcome",
            "v": version,
            "room": room,
            "you": you,
            "role": role.value,
            "grants": to_wire(grants),
            "seq": seq,
            "at": at,
            "limits": dict(limits),
            "snapshot": None if snapshot is None else state_to_wire(snapshot.state),
        }
    )


def encode_snapshot(snapshot: Snapshot) -> bytes:
    return _pack(
        {
            "type": "snapshot",
            "seq": snapshot.seq,
            "at": snapshot.at,
            "state": state_to_wire(snapshot.state),
        }
    )


def snapshot_from_wire(data: bytes) -> Snapshot:
    """Inverse of ``encode_snapshot`` (a stored snapshot, e.g. in Redis or a recording)."""
    return snapshot_from_message(_unpack(data, None))


def snapshot_from_message(raw: object) -> Snapshot:
    """A decoded ``snapshot`` message map as a ``Snapshot``."""
    if type(raw) is not dict or raw.get("type") != "snapshot":
        raise bad("snapshot", "a snapshot message")
    _only(raw, frozenset({"type", "seq", "at", "state"}))
    return Snapshot(
        seq=_STORED.decode(int, raw.get("seq"), "seq"),
        at=_STORED.decode(float, raw.get("at"), "at"),
        state=state_from_wire(raw.get("state")),
    )


def codec_limits() -> dict[str, int]:
    """The limits this codec enforces, for the welcome's ``limits`` map."""
    return {
        "max_frame_bytes": MAX_FRAME_BYTES,
        "max_text_chars": MAX_TEXT_CHARS,
        "max_items": MAX_ITEMS,
        "max_sdp_chars": MAX_SDP_CHARS,
    }


def encode_ack(ref: int, seq: int | None) -> bytes:
    return _pack({"type": "ack", "ref": ref, "seq": seq})


def encode_error(ref: int | None, code: ErrorCode, message: str) -> bytes:
    return _pack({"type": "error", "ref": ref, "code": code.value, "message": message})


def encode_protocol_error(error: ProtocolError) -> bytes:
    return encode_error(error.ref, error.code, error.message)


def encode_pong(ref: int, at: float) -> bytes:
    return _pack({"type": "pong", "ref": ref, "at": at})


def encode_signal(type: str, ref: int | None, sdp: str) -> bytes:
    if type not in (RTC_OFFER, RTC_ANSWER):
        raise ValueError(f"not a signalling type: {type!r}")
    return _pack({"type": type, "ref": ref, "sdp": sdp})


def encode_frame(messages: Sequence[bytes]) -> bytes:
    """A msgpack array of already-encoded messages: a header, then the bytes as they are."""
    count = len(messages)
    if count < 16:
        header = bytes((0x90 | count,))
    elif count < 2**16:
        header = b"\xdc" + count.to_bytes(2, "big")
    else:
        header = b"\xdd" + count.to_bytes(4, "big")
    return header + b"".join(messages)


def decode_server_frame(data: bytes) -> list[dict[str, Any]]:
    """Client side: a server frame as its list of message maps (tests and tools)."""
    raw = _unpack(data, None)
    if type(raw) is not list or not all(
        type(m) is dict and type(m.get("type")) is str for m in raw
    ):
        raise bad("frame", "an array of message maps with a 'type'")
    return raw
