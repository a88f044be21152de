"""Short access tokens and the revocation list over HTTP.

- ``POST /api/token`` (``Authorization: Bearer <invite>``): a fresh access token (kind ``room``)
  living ``access_token_ttl_s``, never past the invite. The invite is checked like any token,
  revocation list included, so a revoked invite, room or identity cannot refresh; the room
  is asked too, so an identity a moderator kicked (banned) cannot refresh either.
- ``POST /api/revocations`` (API key): revoke ``{jti}``, ``{room}`` or ``{identity[, room]}``;
  ``GET`` lists the live entries; ``DELETE /api/revocations/{id}`` lifts one.

docs/protocol.md ("Refresh", "Revocation") is the contract.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import AppState, app_state
from server.audit import hooks as audit_hooks
from server.auth import ApiError, json_body, require_api_key, require_member
from server.revocation import BadRevocation
from server.tokens import Claims, TokenKind, mint_room_token
from session.errors import ErrorCode


async def refresh(request: Request) -> Response:
    invite = (await require_member(request, kind=TokenKind.INVITE)).claims  # banned: 403
    token, expires_at = mint_access(app_state(request), invite, time.time())
    audit_hooks.token_minted(request, token)
    return JSONResponse({"token": token, "expires_at": expires_at})


def mint_access(state: AppState, invite: Claims, now: float) -> tuple[str, float]:
    """An access token for the invite's bearer: same room, identity, role and grants."""
    ttl = min(state.settings.access_token_ttl_s, invite.exp - now)
    token = mint_room_token(
        state.keys,
        room=invite.room,
        identity=invite.sub,
        name=invite.name,
        role=invite.role,
        grants=invite.grants,
        ttl_s=ttl,
        now=now,
        source=invite,
    )
    return token, float(int(now + ttl))


async def revoke(request: Request) -> Response:
    require_api_key(request)
    body = await json_body(request)
    try:
        entry = await app_state(request).revoker.revoke(body, time.time())
    except BadRevocation as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, str(exc)) from None
    audit_hooks.token_revoked(request, entry.room, jti=entry.jti, identity=entry.identity)
    return JSONResponse(entry.to_json(), status_code=201)


async def list_revocations(request: Request) -> Response:
    require_api_key(request)
    entries: list[dict[str, Any]] = [
        e.to_json() for e in app_state(request).revoker.list.current(time.time())
    ]
    return JSONResponse({"revocations": entries})


async def lift(request: Request) -> Response:
    require_api_key(request)
    if not await app_state(request).revoker.lift(request.path_params["entry_id"]):
        raise ApiError(ErrorCode.NOT_FOUND, "no such revocation")
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/token", refresh, methods=["POST"]),
        Route("/api/revocations", revoke, methods=["POST"]),
        Route("/api/revocations", list_revocations, methods=["GET"]),
        Route("/api/revocations/{entry_id}", lift, methods=["DELETE"]),
    ]
