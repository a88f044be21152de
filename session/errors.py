"""Why the core refuses a command.

Exception tree (mapped to wire error frames in one place, ``session.codec``; the HTTP edge
uses the same codes, mapped to statuses in ``server.errors``)::

    Rejected                 a command was refused; the room is unchanged
      carries an ErrorCode   stable, documented in docs/protocol.md

The core raises ``Rejected`` internally and ``Room.handle`` turns it into a ``Refusal``
addressed to the sender only.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"  # malformed frame or invalid field values
    UNKNOWN_COMMAND = "unknown_command"
    FORBIDDEN = "forbidden"  # the sender lacks the grant or control
    NOT_FOUND = "not_found"  # referenced participant / annotation / study / viewport absent
    CONFLICT = "conflict"  # version check failed, or id already taken
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    ROOM_CLOSED = "room_closed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNAUTHORIZED = "unauthorized"  # token missing, forged, expired or for another room
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - a code, not a secret (HTTP 401)
    UNAVAILABLE = "unavailable"  # the room is moving to another node, or storage is down: retry
    INTERNAL = "internal"
    ROOM_FULL = "room_full"  # join: the room holds its maximum of participants
    # attach_study of a study the room may not see; a room's upload into a study not its own
    STUDY_OWNED_ELSEWHERE = "study_owned_elsewhere"
    BANNED = "banned"  # join: a moderator kicked this identity and has not lifted the ban
    # Only at the HTTP edge (server.errors maps every code to a status):
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"  # no representation the client accepts
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    BAD_GATEWAY = "bad_gateway"  # an upstream (a PACS) failed
    QUOTA_EXCEEDED = "quota_exceeded"  # an upload would take a room past its storage quota


class Rejected(Exception):
    """A command was refused. ``code`` is stable; ``message`` is for humans."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
