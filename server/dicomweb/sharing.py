"""Sharing a stored study with another room (``server.cases.ownership``).

``GET    /api/rooms/{room}/studies/{uid}/shares``          → ``{study, owners, shared}``
``POST   /api/rooms/{room}/studies/{uid}/shares`` {room}   → 201: the study is shared
``DELETE /api/rooms/{room}/studies/{uid}/shares/{other}``  → 204: the share is taken back

``{room}`` is an owner room of the study. Who: the admin API key (any study, owned or not),
or a room token of ``{room}`` whose holder has ``manage_case`` there now; a room that does not
own the study gets 403 ``study_owned_elsewhere``. A share lets the other room attach and read
the study, never write to it; taking it back does not detach it from a room that has it.
With several nodes the request goes to ``{room}``'s node, whose store holds the study.
"""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.auth import ApiError, is_api_key, json_body
from server.cases.store import Access, StudyStore
from server.dicomweb.access import require_uploader
from server.dicomweb.service import service
from session.errors import ErrorCode

ROOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # as room ids are made (server.api)
PATH = "/api/rooms/{room_id}/studies/{uid}/shares"


async def list_shares(request: Request) -> Response:
    store, uid = await _owner_request(request)
    rooms = await asyncio.to_thread(store.rooms_of, uid)
    return JSONResponse(
        {
            "study": uid,
            "owners": [room for room, access in rooms.items() if access is Access.OWNER],
            "shared": [room for room, access in rooms.items() if access is Access.SHARED],
        }
    )


async def share(request: Request) -> Response:
    store, uid = await _owner_request(request)
    other = (await json_body(request)).get("room")
    if not isinstance(other, str) or not ROOM_ID.match(other):
        raise ApiError(ErrorCode.BAD_REQUEST, "body needs {room}: a room id")
    await asyncio.to_thread(store.grant, uid, other, Access.SHARED)
    rooms = await asyncio.to_thread(store.rooms_of, uid)
    return JSONResponse({"study": uid, "room": other, "access": rooms[other].value}, 201)


async def unshare(request: Request) -> Response:
    store, uid = await _owner_request(request)
    if not await asyncio.to_thread(store.unshare, uid, request.path_params["other"]):
        raise ApiError(ErrorCode.NOT_FOUND, "the study is not shared with that room")
    return Response(status_code=204)


async def _owner_request(request: Request) -> tuple[StudyStore, str]:
    """The store and study of a request by the admin or by a ``manage_case`` holder of an
    owner room; else 401/403/404 (the study's existence is told to those two only)."""
    room, uid = request.path_params["room_id"], request.path_params["uid"]
    admin = is_api_key(request)
    if not admin:
        reader = require_uploader(request)
        if reader.claims is not None and reader.claims.room != room:
            raise ApiError(ErrorCode.FORBIDDEN, "a room token manages its own room's studies")
    store = service(request).store
    rooms = await asyncio.to_thread(store.rooms_of, uid)
    if not admin and rooms.get(room) is not Access.OWNER:
        raise ApiError(ErrorCode.STUDY_OWNED_ELSEWHERE, f"room {room} does not own study {uid}")
    if await asyncio.to_thread(store.study, uid) is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"study {uid} is not in the store")
    return store, uid


def routes() -> list[BaseRoute]:
    return [
        Route(PATH, list_shares, methods=["GET"]),
        Route(PATH, share, methods=["POST"]),
        Route(PATH + "/{other}", unshare, methods=["DELETE"]),
    ]
