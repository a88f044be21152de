"""Admission: the client's hello, version negotiation, and the WebSocket close codes.

Re-exported by ``session.codec``; see docs/protocol.md ("Connection sequence", "Close codes").
"""

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import msgpack

from session.errors import ErrorCode
from session.wire_schema import ProtocolError, bad, unpack_map

PROTOCOL_VERSION: Final = 1
SUPPORTED_VERSIONS: Final = (1,)
MAX_TOKEN_CHARS: Final = 4096
MAX_VERSION: Final = 2**31 - 1
MAX_SEQ: Final = 2**53
MAX_VERSIONS: Final = 16


class CloseCode(IntEnum):
    """WebSocket close codes the server uses (docs/protocol.md, "Close codes")."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutdown
    TOO_BIG = 1009  # frame over MAX_FRAME_BYTES
    SERVICE_RESTART = 1012  # server restarting; reason "resume_from=<seq>"
    TRY_AGAIN_LATER = 1013  # the room is moving between nodes, or Redis is unreachable
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
    ROOM_FULL = 4012  # the room holds its maximum of participants
    BANNED = 4013  # a join refused: this identity was kicked and the ban is not lifted
    TOKEN_REVOKED = 4014  # the token (or its invite, room or identity) was revoked


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
    """Close reason for ``TOO_SLOW`` and ``SERVICE_RESTART``: the client reconnects with
    ``resume_from`` = this seq."""
    return f"resume_from={last_seq}"


def resume_hint(reason: str) -> int | None:
    match = _RESUME_HINT.search(reason)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Hello:
    versions: tuple[int, ...]
    token: str
    resume_from: int | None = None


def decode_hello(data: bytes) -> Hello:
    """The first client frame. Token problems are ``UNAUTHORIZED``; others ``BAD_REQUEST``."""
    raw = unpack_map(data)
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
    if any(type(v) is not int or not 0 <= v <= MAX_VERSION for v in raw):
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


def encode_hello(token: str, resume_from: int | None = None) -> bytes:
    return msgpack.packb(
        {
            "type": "hello",
            "versions": list(SUPPORTED_VERSIONS),
            "token": token,
            "resume_from": resume_from,
        },
        use_bin_type=True,
    )
