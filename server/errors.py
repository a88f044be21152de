"""Errors at the HTTP edge: the core's codes (``session.errors.ErrorCode``), one status each.

Exception tree::

    ApiError (a starlette HTTPException)   answered as JSON ``{code, message}`` by ``server.app``
      .code: ErrorCode, .message; its status is ``HTTP_STATUS[code]``

docs/protocol.md ("HTTP error codes") lists the same table; a test keeps them equal.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from session.errors import ErrorCode

HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNKNOWN_COMMAND: 400,
    ErrorCode.UNSUPPORTED_VERSION: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.TOKEN_REVOKED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.STUDY_OWNED_ELSEWHERE: 403,
    ErrorCode.BANNED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_ACCEPTABLE: 406,
    ErrorCode.CONFLICT: 409,
    ErrorCode.ROOM_CLOSED: 409,
    ErrorCode.ROOM_FULL: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.QUOTA_EXCEEDED: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.BAD_GATEWAY: 502,
    ErrorCode.UNAVAILABLE: 503,
}

_FIRST_CODE = {status: code for code, status in reversed(HTTP_STATUS.items())}


class ApiError(HTTPException):
    def __init__(self, code: ErrorCode, message: str) -> None:
        status = HTTP_STATUS[code]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        super().__init__(status, message, headers)
        self.code = code
        self.message = message


def code_for_status(status: int) -> ErrorCode:
    """The code of a bare ``HTTPException`` (no route, wrong method): the first with its status."""
    return _FIRST_CODE.get(status, ErrorCode.INTERNAL if status >= 500 else ErrorCode.BAD_REQUEST)


def error_response(code: ErrorCode, message: str) -> JSONResponse:
    """The JSON answer for ``code`` outside a route (middleware)."""
    return JSONResponse({"code": code.value, "message": message}, HTTP_STATUS[code])
