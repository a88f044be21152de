"""``GET /api/session/ice``: the STUN/TURN servers a browser in the room should use.

Browsers of county hospitals behind NAT reach the SFU only through TURN (``docs/coturn.md``).
Servers configured with a username and credential are handed out as they are. TURN servers
without one get time-limited credentials minted from ``HUIZHEN_TURN_SECRET``, coturn's
``use-auth-secret`` scheme (the TURN REST API draft): username ``<expiry>:<identity>``,
credential ``base64(HMAC-SHA1(secret, username))``, valid no longer than the room token.
Only a valid room token gets them: a TURN credential lets its holder relay traffic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.auth import require_member
from server.settings import IceServer

TURN_TTL_S = 8 * 3600.0  # at most; a shorter room token wins


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def browser_servers(
    servers: tuple[IceServer, ...], secret: str, identity: str, expires: float
) -> list[dict[str, Any]]:
    """RTCIceServer objects for a browser; TURN without credentials → minted ones (or left
    out when there is no secret: a browser cannot use a TURN server without credentials)."""
    out: list[dict[str, Any]] = []
    for server in servers:
        entry: dict[str, Any] = {"urls": list(server.urls)}
        if server.username is not None and server.credential is not None:
            entry |= {"username": server.username, "credential": server.credential}
        elif any(url.startswith(("turn:", "turns:")) for url in server.urls):
            if not secret:
                continue
            username = f"{int(expires)}:{identity}"
            entry |= {"username": username, "credential": turn_credential(secret, username)}
        out.append(entry)
    return out


async def session_ice(request: Request) -> Response:
    claims = (await require_member(request)).claims  # a banned identity gets no TURN
    settings = app_state(request).settings
    expires = min(claims.exp, time.time() + TURN_TTL_S)
    servers = browser_servers(settings.ice_servers, settings.turn_secret, claims.sub, expires)
    return JSONResponse({"ice_servers": servers, "expires_at": expires})


def routes() -> list[BaseRoute]:
    return [Route("/api/session/ice", session_ice, methods=["GET"])]
