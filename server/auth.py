"""HTTP authentication helpers for route handlers (admin API, DICOMweb, session).

Exception tree::

    ApiError (a starlette HTTPException)   mapped to JSON ``{code, message}`` by ``server.app``
      .status_code, .code, .message

``require_room_token`` raises 401 ``unauthorized`` with the token failure as the message.
"""

from __future__ import annotations

import hmac

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from server.appstate import app_state
from server.tokens import Claims, TokenError, TokenKind, verify_room_token
from session.ids import RoomId


class ApiError(HTTPException):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
        super().__init__(status_code, message, headers)
        self.code = code
        self.message = message


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
        raise ApiError(401, "unauthorized", f"token {exc.reason}: {exc.message}") from None


def is_api_key(conn: HTTPConnection) -> bool:
    """True if the request carries the admin API key (constant-time compare)."""
    token = bearer_token(conn)
    expected = app_state(conn).settings.api_key
    return token is not None and hmac.compare_digest(token.encode(), expected.encode())


def require_api_key(conn: HTTPConnection) -> None:
    if not is_api_key(conn):
        raise ApiError(401, "unauthorized", "admin API key required")
