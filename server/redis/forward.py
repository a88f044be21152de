"""Room-scoped HTTP for a room hosted on another node is proxied to that node.

Any node accepts every request, as it accepts every WebSocket: an organizer's tool or a
browser talks to one address (a load balancer) whichever node hosts the room. Room-scoped
means ``/api/rooms/<id>/...`` (admin: get, close, invites, studies, PACS pulls) and, for a
room token's bearer, ``/api/session`` and ``/dicom-web/...`` (the room's case is checked
against the room's live state, which only its node has). Recordings live on the node that
wrote them: ``server.redis.recordings`` finds them. The owner re-checks every
credential; a forwarded request is never forwarded again. Bodies stream both ways (a series
retrieve or a STOW upload is not held in memory).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import httpx
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from server.auth import bearer_token
from server.errors import error_response
from server.redis import recordings
from server.redis.health import FAILURES
from server.redis.proxying import FORWARDED, forward_headers, request_body, stream_response
from server.tokens import TokenError, verify_room_token
from session.errors import ErrorCode
from session.ids import RoomId

if TYPE_CHECKING:
    from server.appstate import AppState
    from server.redis.node import Node

log = logging.getLogger(__name__)
_ADMIN_ROOM = re.compile(r"^/api/rooms/([A-Za-z0-9_-]{1,64})(?:/|$)")
_BY_TOKEN = ("/dicom-web/", "/api/session")
_NODE_ENDPOINT = "/api/session/node"  # answered by any node


class ForwardToRoomNode:
    """ASGI middleware; passes everything through unless this node is part of a cluster."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            target = await self._target(scope) if scope["type"] == "http" else None
        except FAILURES:
            unknown = error_response(ErrorCode.UNAVAILABLE, "Redis is unreachable; try again")
            await unknown(scope, receive, send)
            return
        if target is None:
            await self.app(scope, receive, send)
            return
        node, url = target
        if url:
            await _proxy(node, url, scope, receive, send)
        else:  # a recording: on some node, which one is not recorded anywhere
            await recordings.serve(self.app, node, scope, receive, send)

    async def _target(self, scope: Scope) -> tuple[Node, str] | None:
        state: AppState | None = getattr(scope["app"].state, "huizhen", None)
        node = state.redis_node if state is not None else None
        if node is None or state is None:
            return None
        conn = HTTPConnection(scope)
        if FORWARDED in conn.headers:
            return None
        if recordings.elsewhere(conn, state):
            return node, ""
        room = _room_of(conn, state)
        if room is None or state.rooms.get(room) is not None:
            return None
        url = await node.owner_url(room)
        return None if url is None else (node, url)


def _room_of(conn: HTTPConnection, state: AppState) -> RoomId | None:
    path = conn.url.path
    if match := _ADMIN_ROOM.match(path):
        return RoomId(match.group(1))
    if path == _NODE_ENDPOINT or not path.startswith(_BY_TOKEN):
        return None
    try:  # only a valid room token names a room; anything else is answered here
        return verify_room_token(state.keys, bearer_token(conn)).room
    except TokenError:
        return None


async def _proxy(node: Node, base: str, scope: Scope, receive: Receive, send: Send) -> None:
    conn = HTTPConnection(scope)
    request = node.http.build_request(
        scope["method"],
        base + conn.url.path,
        params=conn.url.query,
        headers=forward_headers(conn, node.id),
        content=request_body(receive),
    )
    try:
        response = await node.http.send(request, stream=True)
    except httpx.HTTPError as exc:
        log.warning("forwarding %s to %s failed: %s", conn.url.path, base, exc)
        unreachable = error_response(ErrorCode.UNAVAILABLE, "the room's node is unreachable")
        await unreachable(scope, receive, send)
        return
    await stream_response(response, send)
