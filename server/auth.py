"""HTTP helpers for route handlers (admin API, DICOMweb, session, recordings): who is asking,
and the JSON body.

Errors are ``server.errors.ApiError`` (re-exported here for the route modules).
``require_room_token`` raises 401 ``unauthorized`` with the token failure as the message, or
401 ``token_revoked`` for a token on the revocation list (``token_refusal`` maps either);
``require_member`` also asks the room (``server.membership``): 403 ``banned`` for a kicked
identity, and the grants the room gives the holder now.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import HTTPConnection, Request

from server.appstate import app_state
from server.bodies import read_small
from server.errors import ApiError
from server.membership import Member, current_grants
from server.tokens import Claims, TokenError, TokenFailure, TokenKind, verify_room_token
from session.errors import ErrorCode
from session.ids import RoomId


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (an empty body is ``{}``), else 400 ``bad_request``;
    over 1 MiB (chunked or not), 413 ``too_large``."""
    try:
        body = json.loads(await read_small(request) or b"{}")
    except ValueError:
        raise ApiError(ErrorCode.BAD_REQUEST, "body must be JSON") from None
    if not isinstance(body, dict):
        raise ApiError(ErrorCode.BAD_REQUEST, "body must be a JSON object")
    return body


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
        raise token_refusal(exc) from None


def token_refusal(exc: TokenError) -> ApiError:
    """The 401 for a refused token: ``token_revoked`` if revoked, else ``unauthorized``."""
    code = ErrorCode.TOKEN_REVOKED if exc.reason is TokenFailure.REVOKED else ErrorCode.UNAUTHORIZED
    return ApiError(code, f"token {exc.reason}: {exc.message}")


async def require_member(conn: HTTPConnection, kind: TokenKind = TokenKind.ROOM) -> Member:
    """A valid room token whose identity its room still admits, with its current grants."""
    claims = require_room_token(conn, kind=kind)
    return Member(claims, await current_grants(app_state(conn), claims))


def is_api_key(conn: HTTPConnection) -> bool:
    """True if the request carries the admin API key (constant-time compare)."""
    token = bearer_token(conn)
    expected = app_state(conn).settings.api_key
    return token is not None and hmac.compare_digest(token.encode(), expected.encode())


def require_api_key(conn: HTTPConnection) -> None:
    if not is_api_key(conn):
        raise ApiError(ErrorCode.UNAUTHORIZED, "admin API key required")


__all__ = [
    "ApiError",
    "bearer_token",
    "is_api_key",
    "json_body",
    "require_api_key",
    "require_member",
    "require_room_token",
    "token_refusal",
]
