"""HTTP authentication helpers for route handlers (admin API, DICOMweb, session).

Errors are ``server.errors.ApiError`` (re-exported here for the route modules).
``require_room_token`` raises 401 ``unauthorized`` with the token failure as the message.
"""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from server.appstate import app_state
from server.errors import ApiError
from server.tokens import Claims, TokenError, TokenKind, verify_room_token
from session.errors import ErrorCode
from session.ids import RoomId


def bearer_token(conn: HTTPConnection) -> str | None:
    scheme, _, value = conn.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_room_token(
    conn: HTTPConnection, room: RoomId | None = None, kind: TokenKind = TokenKind.ROOM
) -> Claims:
    """The verified claims of the ``Authorization: Bearer <room token>`` header, else 401."""
    try:
        return verify_room_token(app_state(conn).keys, bearer_token(conn), room, kind=kind)
    except TokenError as exc:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"token {exc.reason}: {exc.message}") from None


def is_api_key(conn: HTTPConnection) -> bool:
    """True if the request carries the admin API key (constant-time compare)."""
    token = bearer_token(conn)
    expected = app_state(conn).settings.api_key
    return token is not None and hmac.compare_digest(token.encode(), expected.encode())


def require_api_key(conn: HTTPConnection) -> None:
    if not is_api_key(conn):
        raise ApiError(ErrorCode.UNAUTHORIZED, "admin API key required")


__all__ = ["ApiError", "bearer_token", "is_api_key", "require_api_key", "require_room_token"]
