"""The outermost HTTP middleware: odd paths refused, security headers on every answer.

- A path with a control character (NUL, CR, LF, DEL, ...) once percent-decoded is answered
  400 ``bad_request`` before any route sees it: no file, UID or recording id contains one, and
  ``Path`` raises on NUL (issue 12: ``GET /index.html%00.png`` was a 500 with a traceback).
- Every answer carries ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``
  (invite tokens live in URL fragments, but never leak a path either), a strict
  ``Content-Security-Policy`` and, over TLS, ``Strict-Transport-Security``.

The policy is what the built web client needs and no more: scripts and workers only from this
origin (Cornerstone3D's decoders compile WebAssembly: ``'wasm-unsafe-eval'``, not
``'unsafe-eval'``; its decode worker may start from a ``blob:``), WebSockets back to this host,
images and media also from ``data:``/``blob:`` (thumbnails, recordings), inline ``<style>``
(Cornerstone3D injects one; styles cannot run code), no plugins, no framing by any page.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_response
from session.errors import ErrorCode

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
HSTS = "max-age=31536000; includeSubDomains"

POLICY = (
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def content_security_policy(scheme: str, host: str | None) -> str:
    """The policy for a page served over ``scheme`` to ``host`` (the request's Host)."""
    connect = "connect-src 'self'"
    if host and _HOST.match(host):  # 'self' alone does not cover ws: in every browser
        connect += f" {'wss' if scheme == 'https' else 'ws'}://{host}"
    return "; ".join((*POLICY, connect))


def odd_path(path: str) -> bool:
    return _CONTROL.search(path) is not None


class Hardening:
    """ASGI middleware, mounted outermost by ``server.app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = _security_headers(scope)
        if odd_path(scope["path"]):
            refusal = error_response(ErrorCode.BAD_REQUEST, "control character in the path")
            refusal.headers.update(secure)
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in secure.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _security_headers(scope: Scope) -> dict[str, str]:
    scheme = scope.get("scheme", "http")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": content_security_policy(
            scheme, Headers(scope=scope).get("host")
        ),
    }
    if scheme == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers
