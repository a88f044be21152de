"""Whose identity a server-rendered image carries (docs/security/watermark.md).

A rendered image fetched with a room token (or a recording-viewer token) is marked with the
holder's name, role, identity and the time, unless the token's room, hosted here, has its
watermark switched off. The admin key gets unmarked images. When in doubt (the room is not
hosted here, or has closed) the image is marked: a mark too many costs nothing.

Marked images differ per holder and per minute, so they are never cached: ``marked_response``
says ``no-store`` rather than the one-year ``immutable`` of the unmarked rendering.
"""

from __future__ import annotations

import time

from starlette.requests import HTTPConnection
from starlette.responses import Response

from server.appstate import app_state
from server.dicomweb.access import authenticate
from server.imaging.watermark import Mark, mark_for


def viewer_mark(conn: HTTPConnection, now: float | None = None) -> Mark | None:
    """The mark for this caller's images, or None (the admin, or the room switched it off)."""
    claims = authenticate(conn).claims
    if claims is None:
        return None
    host = app_state(conn).rooms.get(claims.room)
    if host is not None and not host.room.closed and not host.room.watermark:
        return None
    member = host.room.participant(claims.sub) if host is not None else None
    name, role = (member.name, member.role) if member is not None else (claims.name, claims.role)
    return mark_for(name, role.value, claims.sub, time.time() if now is None else now)


def marked_response(body: bytes, media_type: str) -> Response:
    headers = {"Cache-Control": "private, no-store", "Vary": "Accept, Authorization"}
    return Response(body, headers=headers, media_type=media_type)
