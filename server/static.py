"""The built web client (``web_client/dist``): hashed assets cached forever, index.html never.

``/``, ``/join`` and ``/room/*`` are client-side routes: they all get index.html. When the
build is missing, ``/`` explains how to build it instead of showing a blank page.

The build writes ``.br`` and ``.gz`` siblings of each compressible file
(``web_client/scripts/precompress.mjs``); a request whose Accept-Encoding allows one gets it with
``Content-Encoding`` and the original file's media type, so nothing is compressed per request.
Every response of a file that has siblings says ``Vary: Accept-Encoding`` so caches keep the
variants apart. Ranges and HEAD are FileResponse's and apply to the bytes sent (the encoded ones).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.errors import error_response
from session.errors import ErrorCode

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # in order of preference

MISSING_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>huizhen: web client not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>huizhen 会诊</h1>
<p>The server is running, but the web client has not been built yet
(no <code>{dist}/index.html</code>).</p>
<p>Build it with Node.js 20+:</p>
<pre>cd web_client &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>or simply run <code>scripts/serve</code>, which builds it and starts the server.</p>
<p>The APIs work already: <a href="/healthz">/healthz</a>, <code>/ws</code>,
<code>/api/...</code>.</p>
</body></html>
"""


def accepted_encodings(headers: Headers) -> frozenset[str]:
    """The content codings a client accepts (``q=0`` refuses one; ``*`` is not honoured)."""
    accepted = set()
    for item in headers.get("accept-encoding", "").split(","):
        name, *params = (part.strip().lower() for part in item.split(";"))
        if name and all(not _refuses(param) for param in params):
            accepted.add(name)
    return frozenset(accepted)


def _refuses(param: str) -> bool:
    key, _, value = param.partition("=")
    try:
        return key.strip() == "q" and float(value) <= 0
    except ValueError:
        return True  # a malformed weight: do not guess that the client can decode it


def file_response(path: Path, headers: Headers, cache_control: str) -> FileResponse:
    """``path`` itself or its best precompressed sibling the client accepts."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    out = {"Cache-Control": cache_control}
    variants = [(coding, path.with_name(path.name + ext)) for coding, ext in ENCODINGS]
    present = [(coding, sibling) for coding, sibling in variants if sibling.is_file()]
    if present:
        out["Vary"] = "Accept-Encoding"
    accepted = accepted_encodings(headers)
    for coding, sibling in present:
        if coding in accepted:
            out["Content-Encoding"] = coding
            return FileResponse(sibling, media_type=media_type, headers=out)
    return FileResponse(path, media_type=media_type, headers=out)


def _dist(request: Request) -> Path:
    return app_state(request).settings.web_dist.resolve()


async def index(request: Request) -> Response:
    dist = _dist(request)
    page = dist / "index.html"
    if not page.is_file():
        return HTMLResponse(MISSING_BUILD.format(dist=dist), headers={"Cache-Control": NO_CACHE})
    return file_response(page, request.headers, NO_CACHE)


async def asset(request: Request) -> Response:
    dist = _dist(request)
    try:
        wanted = (dist / request.path_params["path"]).resolve()
        found = wanted.is_relative_to(dist) and wanted.is_file()
    except (ValueError, OSError):  # NUL, a name too long: no such file either
        found = False
    if not found:
        return error_response(ErrorCode.NOT_FOUND, "no such file")
    hashed = wanted.is_relative_to(dist / "assets")  # vite puts content-hashed files there
    return file_response(wanted, request.headers, IMMUTABLE if hashed else NO_CACHE)


def routes() -> list[BaseRoute]:
    """Mount LAST: the catch-all serves files of the build."""
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/join", index, methods=["GET", "HEAD"]),
        Route("/room/{rest:path}", index, methods=["GET", "HEAD"]),
        Route("/{path:path}", asset, methods=["GET", "HEAD"]),
    ]
