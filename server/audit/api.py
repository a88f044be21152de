"""Admin endpoints (API key): query the audit, its aggregated reads, verify the chains.

- ``GET /api/audit`` — entries; filters ``room``, ``person``, ``study``, ``patient``,
  ``action``, ``since``, ``until`` (epoch seconds or ISO 8601; naive means UTC);
  ``format=csv`` for CSV (default JSON ``{"entries": [...]}``).
- ``GET /api/audit/reads`` — the same filters, ``*.read`` entries summed per member and
  series (or recording): ``{"reads": [{actor, role, room, subject, first, last, count}]}``.
- ``GET /api/audit/verify`` — every chain walked: ``{"ok", "chains": [{chain, entries,
  head, ok, problem: {seq, reason} | null}]}``; ``anchor=chain:seq:hash`` (repeatable): a
  head recorded earlier must still be there (catches a removed tail).

- ``GET /api/rooms/{room}/audit/reads`` — the room's reads, for a room token whose holder
  has ``moderate`` in the room now (the web client's access log; the viewing is logged).

Before answering, this node's queued entries and counted reads are written (``sync``).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.audit import hooks as audit_hooks
from server.audit import query
from server.audit.service import AuditLog
from server.auth import ApiError, is_api_key, require_api_key, require_room_token
from server.membership import current_grants
from session.errors import ErrorCode
from session.grants import Grant
from session.ids import RoomId

SYNC_WAIT_S = 10.0
_FILTERS = ("room", "person", "study", "patient", "action")


async def _ready(request: Request) -> AuditLog:
    require_api_key(request)
    return await _synced(request)


async def _synced(request: Request) -> AuditLog:
    audit = app_state(request).audit
    if audit is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "the audit trail is not running")
    try:
        await asyncio.wait_for(audit.sync(), SYNC_WAIT_S)
    except TimeoutError:
        raise ApiError(ErrorCode.UNAVAILABLE, "the audit store does not answer") from None
    return audit


def query_of(request: Request) -> query.Query:
    params = request.query_params
    texts = {name: params.get(name) or None for name in _FILTERS}
    try:
        since = query.parse_time("since", params.get("since"))
        until = query.parse_time("until", params.get("until"))
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, str(exc)) from None
    return query.Query(**texts, since=since, until=until)


async def list_entries(request: Request) -> Response:
    audit = await _ready(request)
    wanted = query_of(request)
    rows = await query.select(audit.store, wanted)
    fmt = request.query_params.get("format", "json")
    if fmt == "csv":
        return Response(query.to_csv(rows), media_type="text/csv; charset=utf-8")
    if fmt != "json":
        raise ApiError(ErrorCode.BAD_REQUEST, "format: json or csv")
    return JSONResponse({"entries": rows})


async def list_reads(request: Request) -> Response:
    audit = await _ready(request)
    rows = await query.select(audit.store, query_of(request))
    return JSONResponse({"reads": query.reads(rows)})


async def verify(request: Request) -> Response:
    audit = await _ready(request)
    try:
        anchors = [query.Anchor.parse(a) for a in request.query_params.getlist("anchor")]
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, str(exc)) from None
    verified = await query.verify(audit.store, audit.key_for, anchors)
    reports = [query.report_json(r) for r in verified]
    return JSONResponse({"ok": all(r["ok"] for r in reports), "chains": reports})


async def room_reads(request: Request) -> Response:
    """The room's access log for its moderators (the web client's view): who read which
    series of this room, first, last, how often. Current grants count, not the token's."""
    room = RoomId(request.path_params["room_id"])
    if not is_api_key(request):
        await _require_moderator(request, room)
    audit = await _synced(request)
    rows = await query.select(audit.store, query.Query(room=room))
    actor, _ = audit_hooks.caller(request)
    audit.record("audit.viewed", actor, room)  # who looked at the log is logged too
    return JSONResponse({"reads": query.reads(rows)})


async def _require_moderator(request: Request, room: RoomId) -> None:
    """The room's current word on the holder (a kicked identity: 403 ``banned``)."""
    claims = require_room_token(request, room)
    if Grant.MODERATE not in await current_grants(app_state(request), claims):
        raise ApiError(ErrorCode.FORBIDDEN, "the access log is for the room's moderators")


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room_id}/audit/reads", room_reads, methods=["GET"]),
        Route("/api/audit", list_entries, methods=["GET"]),
        Route("/api/audit/reads", list_reads, methods=["GET"]),
        Route("/api/audit/verify", verify, methods=["GET"]),
    ]
