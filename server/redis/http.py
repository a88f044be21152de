"""``GET /api/session/node``: which node hosts the caller's room (and so its SFU).

Any node answers, for a room token of that room whose identity the room has not banned:
``{"node", "url", "here"}``. Media must be negotiated with the room's node (``url``); the
room's commands and events work through any node. Without ``--redis`` there is one node: it
answers with itself.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.auth import ApiError, require_member
from server.redis.health import FAILURES
from session.errors import ErrorCode


async def room_node(request: Request) -> Response:
    claims = (await require_member(request)).claims  # a kicked identity learns nothing
    state = app_state(request)
    node = state.redis_node
    if node is None:
        if state.rooms.get(claims.room) is None:
            raise ApiError(ErrorCode.NOT_FOUND, "no such room")
        return JSONResponse({"node": "local", "url": state.settings.public_base, "here": True})
    try:
        where = await node.where(claims.room)
    except FAILURES:
        raise ApiError(ErrorCode.UNAVAILABLE, "Redis is unreachable; try again") from None
    if where is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no live node hosts this room (it may be moving)")
    return JSONResponse({"node": where.id, "url": where.url, "here": where.id == node.id})


def routes() -> list[BaseRoute]:
    return [Route("/api/session/node", room_node, methods=["GET"])]
