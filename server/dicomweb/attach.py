"""Attaching stored studies to rooms through the room protocol (``AttachStudy`` as a system
command), and the admin endpoints ``POST /api/rooms/{id}/studies`` {uid, description?,
series?} and ``DELETE /api/rooms/{id}/studies/{uid}``.

An admin attach also shares the study with the room (``server.cases.ownership``): its
members may attach it again themselves after a detach.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.appstate import AppState, app_state
from server.auth import ApiError, json_body, require_api_key
from server.cases.store import Access
from server.dicomweb.service import service
from session.commands import AttachStudy, DetachStudy
from session.errors import ErrorCode
from session.ids import RoomId, Uid
from session.room import Outcome


async def attach_study(
    state: AppState,
    room_id: RoomId,
    study_uid: str,
    description: str = "",
    series: tuple[str, ...] = (),
) -> Outcome:
    """Attach a study to an open room; attaching one already attached is a ``conflict``."""
    host = state.rooms.get(room_id)
    if host is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no room {room_id}")
    command = AttachStudy(Uid(study_uid), description[:200], tuple(Uid(s) for s in series))
    return await host.system(command)


async def attach_endpoint(request: Request) -> Response:
    require_api_key(request)
    room_id = RoomId(request.path_params["room_id"])
    body = await json_body(request)
    uid = body.get("uid")
    if not isinstance(uid, str) or not uid:
        raise ApiError(ErrorCode.BAD_REQUEST, "body needs a study uid")
    series = body.get("series", [])
    if not isinstance(series, list) or not all(isinstance(s, str) for s in series):
        raise ApiError(ErrorCode.BAD_REQUEST, "series must be a list of UIDs")
    store = service(request).store
    record = await asyncio.to_thread(store.study, uid)
    if record is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"study {uid} is not in the store")
    if app_state(request).rooms.get(room_id) is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no room {room_id}")
    await asyncio.to_thread(store.grant, uid, room_id, Access.SHARED)
    description = str(body.get("description") or record.description)
    outcome = await attach_study(app_state(request), room_id, uid, description, tuple(series))
    _raise_refusal(outcome)
    return JSONResponse({"room": room_id, "uid": uid, "description": description}, 201)


async def detach_endpoint(request: Request) -> Response:
    require_api_key(request)
    host = app_state(request).rooms.get(RoomId(request.path_params["room_id"]))
    if host is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such room")
    _raise_refusal(await host.system(DetachStudy(Uid(request.path_params["uid"]))))
    return Response(status_code=204)


def _raise_refusal(outcome: Outcome) -> None:
    if outcome.refusal is not None:
        raise ApiError(outcome.refusal.code, outcome.refusal.message)
