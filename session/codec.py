"""The wire codec: msgpack frames <-> typed hello, commands, events, snapshots (pure, no I/O).

Client -> server: every binary frame is ONE msgpack map with a ``type`` string (``hello`` first,
then commands, ``ping``, ``rtc_offer``/``rtc_answer``). Server -> client: every binary frame is a
msgpack ARRAY of one or more message maps, so queued messages can be coalesced; each message is
encoded once (``encode_*``) and ``encode_frame`` only prepends an array header to the
already-encoded bytes ("encode once, send many"). docs/protocol.md documents every message.

Decoding is driven by the dataclass fields of ``session.commands`` / ``session.events``
(``session.wire_schema``); ``ProtocolError`` is the only exception it raises, whatever the bytes.
The server checks ``len(frame) <= MAX_FRAME_BYTES`` before calling in; so does the decoder.
The hello, version negotiation and close codes live in ``session.wire_hello``; this module
re-exports them, so callers import the whole wire API from here.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from session.wire_hello import (
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    CloseCode,
    Hello,
    decode_hello,
    encode_hello,
    hello_close_code,
    negotiate,
    resume_hint,
    too_slow_reason,
)
from session.wire_schema import (
    MAX_FRAME_BYTES,
    MAX_ITEMS,
    MAX_TEXT_CHARS,
    ProtocolError,
    Schema,
    bad,
    fields_to_wire,
    only,
    text,
    to_wire,
    unpack,
    unpack_map,
)

__all__ = [  # the wire API; hello and close codes live in wire_hello, limits in wire_schema
    "MAX_FRAME_BYTES",
    "MAX_ITEMS",
    "MAX_REF",
    "MAX_SDP_CHARS",
    "MAX_TEXT_CHARS",
    "PROTOCOL_VERSION",
    "RTC_ANSWER",
    "RTC_OFFER",
    "SUPPORTED_VERSIONS",
    "ClientFrame",
    "CloseCode",
    "CommandFrame",
    "Hello",
    "PingFrame",
    "ProtocolError",
    "SignalFrame",
    "codec_limits",
    "decode_client",
    "decode_hello",
    "decode_server_frame",
    "encode_ack",
    "encode_command",
    "encode_error",
    "encode_frame",
    "encode_hello",
    "encode_ping",
    "encode_pong",
    "encode_protocol_error",
    "encode_signal",
    "encode_snapshot",
    "encode_stamped",
    "encode_welcome",
    "hello_close_code",
    "negotiate",
    "resume_hint",
    "snapshot_from_message",
    "snapshot_from_wire",
    "stamped_from_message",
    "stamped_from_wire",
    "stamped_message",
    "stamped_to_wire",
    "state_from_wire",
    "state_to_wire",
    "too_slow_reason",
    "wire_name",
]

MAX_SDP_CHARS: Final = 60_000
MAX_REF: Final = 2**31 - 1
RTC_OFFER: Final = "rtc_offer"
RTC_ANSWER: Final = "rtc_answer"


# --- client frames ---------------------------------------------------------------------------
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


def decode_client(data: bytes) -> ClientFrame:
    """A frame after the hello: a command, a ping, or WebRTC signalling."""
    raw = unpack_map(data)
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
        only(body, frozenset())
        return PingFrame(ref)
    if kind in (RTC_OFFER, RTC_ANSWER):
        only(body, frozenset({"sdp"}))
        return SignalFrame(ref, kind, text(body.get("sdp"), "sdp", MAX_SDP_CHARS))
    return CommandFrame(ref, _COMMANDS.decode(commands.WIRE_NAMES[kind], body))


# --- client-side encoders (web client mirror, tests, bench) ----------------------------------
def _pack(message: Mapping[str, Any]) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


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
    raw = unpack(data)
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
    return snapshot_from_message(unpack(data))


def snapshot_from_message(raw: object) -> Snapshot:
    """A decoded ``snapshot`` message map as a ``Snapshot``."""
    if type(raw) is not dict or raw.get("type") != "snapshot":
        raise bad("snapshot", "a snapshot message")
    only(raw, frozenset({"type", "seq", "at", "state"}))
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
    raw = unpack(data)
    if type(raw) is not list or not all(
        type(m) is dict and type(m.get("type")) is str for m in raw
    ):
        raise bad("frame", "an array of message maps with a 'type'")
    return raw
