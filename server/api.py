"""Admin HTTP API (``Authorization: Bearer <API key>``) and ``GET /api/session`` (room token).

Errors are JSON ``{code, message}`` (``server.auth.ApiError``, rendered by ``server.app``).
Invite URLs put the token in the fragment (``/join#token=...``): browsers never send a
fragment to a server, so the token stays out of every access log.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.access_api import mint_access
from server.appstate import AppState, app_state
from server.audit import hooks as audit_hooks
from server.auth import ApiError, json_body, require_api_key, require_member
from server.cluster import ClusterError
from server.interfaces import RoomExists
from server.roomhost import LocalRoom
from server.rooms import TooManyRooms
from server.tokens import ROOM_ID_RE, TokenError, TokenKind, mint_room_token, minted_claims
from session.commands import CloseRoom, SetWatermark
from session.errors import ErrorCode
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.room import Room

MAX_TITLE_CHARS = 200


def _host(state: AppState, request: Request) -> LocalRoom:
    host = state.rooms.get(RoomId(request.path_params["room_id"]))
    if host is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such room")
    return host


def room_json(host: LocalRoom) -> dict[str, Any]:
    return _room_json(host.room, len(host.connections))


def _room_json(room: Room, connections: int) -> dict[str, Any]:
    snap = room.snapshot()
    people = snap.state.participants.values()
    return {
        "id": room.id,
        "title": snap.state.title,
        "closed": snap.state.closed,
        "seq": snap.seq,
        "connections": connections,
        "participants": [
            {"id": p.id, "name": p.name, "role": p.role.value, "online": p.online} for p in people
        ],
        "studies": list(snap.state.studies),
        "recording": snap.state.recording,
        "watermark": snap.state.watermark,
    }


async def create_room(request: Request) -> Response:
    require_api_key(request)
    state = app_state(request)
    body = await json_body(request)
    room_id = body.get("id") or secrets.token_urlsafe(9)
    title = body.get("title", "")
    if not isinstance(room_id, str) or not ROOM_ID_RE.match(room_id):
        raise ApiError(ErrorCode.BAD_REQUEST, "id must be 1-64 of [A-Za-z0-9_-]")
    if not isinstance(title, str) or len(title) > MAX_TITLE_CHARS:
        raise ApiError(ErrorCode.BAD_REQUEST, f"title must be a string <= {MAX_TITLE_CHARS} chars")
    node = body.get("node")  # pin the room to a node (as LiveKit's CreateRoom node_id)
    if node is not None and not isinstance(node, str):
        raise ApiError(ErrorCode.BAD_REQUEST, "node must be a node id")
    try:
        placed = await state.cluster.place(RoomId(room_id), title.strip(), node)
    except RoomExists:
        raise ApiError(ErrorCode.CONFLICT, "room exists") from None
    except TooManyRooms:
        raise ApiError(ErrorCode.UNAVAILABLE, "this node hosts its maximum of rooms") from None
    except ClusterError as exc:
        raise ApiError(exc.code, exc.message) from None
    if placed.host is not None:
        made = room_json(placed.host)
    else:  # on another node: the room as that node just made it (same constructor, empty)
        made = _room_json(Room(RoomId(room_id), title=title.strip(), now=time.time()), 0)
    return JSONResponse(made | {"node": {"id": placed.node, "url": placed.url}}, status_code=201)


async def list_rooms(request: Request) -> Response:
    require_api_key(request)
    state = app_state(request)
    listed = [room_json(h) for h in state.rooms.hosts()]
    try:  # several nodes: theirs too (details: GET the room)
        others = await state.cluster.rooms_elsewhere()
    except ClusterError as exc:
        raise ApiError(exc.code, exc.message) from None
    listed += [{"id": i.id, "title": i.title, "closed": i.closed, "here": False} for i in others]
    return JSONResponse({"rooms": listed})


async def get_room(request: Request) -> Response:
    require_api_key(request)
    return JSONResponse(room_json(_host(app_state(request), request)))


async def close_room(request: Request) -> Response:
    require_api_key(request)
    host = _host(app_state(request), request)
    if host.room.closed:
        raise ApiError(ErrorCode.CONFLICT, "room already closed")
    outcome = await host.system(CloseRoom("closed by the organizer"))
    if outcome.refusal is not None:
        raise ApiError(outcome.refusal.code, outcome.refusal.message)
    return JSONResponse(room_json(host))


async def set_watermark(request: Request) -> Response:
    """``PUT /api/rooms/{id}/watermark`` ``{"watermark": bool}``: the operator's switch of the
    room setting a moderator switches in the room (idempotent: the same value changes nothing).
    """
    require_api_key(request)
    host = _host(app_state(request), request)
    wanted = (await json_body(request)).get("watermark")
    if not isinstance(wanted, bool):
        raise ApiError(ErrorCode.BAD_REQUEST, "watermark must be true or false")
    if host.room.watermark != wanted:
        outcome = await host.system(SetWatermark(wanted))
        if outcome.refusal is not None:
            raise ApiError(outcome.refusal.code, outcome.refusal.message)
    return JSONResponse(room_json(host))


async def create_invite(request: Request) -> Response:
    require_api_key(request)
    state = app_state(request)
    host = _host(state, request)
    if host.room.closed:
        raise ApiError(ErrorCode.ROOM_CLOSED, "the room is closed")
    body = await json_body(request)
    token, expires_at, identity = _mint(state, host.room.id, body)
    audit_hooks.token_minted(request, token)
    url = f"{state.settings.public_base}/join#token={token}"
    invite = minted_claims(token)
    access, access_expires_at = mint_access(state, invite, time.time())
    payload = {
        "token": token,  # the invite: buys access tokens at POST /api/token
        "jti": invite.jti,  # what POST /api/revocations {jti} takes to end this link
        "url": url,
        "expires_at": expires_at,
        "identity": identity,
        "access_token": access,  # a first access token, for scripted clients
        "access_expires_at": access_expires_at,
    }
    return JSONResponse(payload, status_code=201)


def _mint(state: AppState, room: RoomId, body: dict[str, Any]) -> tuple[str, float, str]:
    settings = state.settings
    try:
        role = Role(body.get("role", Role.PARTICIPANT.value))
        grants = body.get("grants")
        grant_set = None if grants is None else frozenset(Grant(g) for g in grants)
        ttl = float(body.get("ttl_s", settings.token_ttl_s))
    except (ValueError, TypeError) as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, str(exc)) from None
    if not 0 < ttl <= settings.max_token_ttl_s:
        raise ApiError(ErrorCode.BAD_REQUEST, f"ttl_s must be in (0, {settings.max_token_ttl_s}]")
    identity = body.get("identity") or f"p-{secrets.token_urlsafe(6)}"
    now = time.time()
    try:
        token = mint_room_token(
            state.keys,
            room=room,
            identity=ParticipantId(str(identity)),
            name=str(body.get("name", "")),
            role=role,
            ttl_s=ttl,
            grants=grant_set,
            kind=TokenKind.INVITE,
            now=now,
        )
    except TokenError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, exc.message) from None
    return token, float(int(now + ttl)), str(identity)


async def session_info(request: Request) -> Response:
    """Who am I: the room token's claims (nothing secret) with the grants the room gives the
    holder now (a banned identity: 403 ``banned``), plus the room's title."""
    member = await require_member(request)
    claims = member.claims
    host = app_state(request).rooms.get(claims.room)
    info = claims.public() | {"grants": sorted(g.value for g in member.grants)}
    info["room_title"] = None if host is None else host.room.snapshot().state.title
    info["room_exists"] = host is not None
    return JSONResponse(info)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms", create_room, methods=["POST"]),
        Route("/api/rooms", list_rooms, methods=["GET"]),
        Route("/api/rooms/{room_id}", get_room, methods=["GET"]),
        Route("/api/rooms/{room_id}", close_room, methods=["DELETE"]),
        Route("/api/rooms/{room_id}/invites", create_invite, methods=["POST"]),
        Route("/api/rooms/{room_id}/watermark", set_watermark, methods=["PUT"]),
        Route("/api/session", session_info, methods=["GET"]),
    ]
