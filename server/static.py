"""The built web client (``web_client/dist``): hashed assets cached forever, index.html never.

``/``, ``/join`` and ``/room/*`` are client-side routes: they all get index.html. When the
build is missing, ``/`` explains how to build it instead of showing a blank page.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.errors import error_response
from session.errors import ErrorCode

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"

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


def _dist(request: Request) -> Path:
    return app_state(request).settings.web_dist.resolve()


async def index(request: Request) -> Response:
    dist = _dist(request)
    page = dist / "index.html"
    if not page.is_file():
        return HTMLResponse(MISSING_BUILD.format(dist=dist), headers={"Cache-Control": NO_CACHE})
    return FileResponse(page, headers={"Cache-Control": NO_CACHE})


async def asset(request: Request) -> Response:
    dist = _dist(request)
    wanted = (dist / request.path_params["path"]).resolve()
    if not wanted.is_relative_to(dist) or not wanted.is_file():
        return error_response(ErrorCode.NOT_FOUND, "no such file")
    hashed = wanted.is_relative_to(dist / "assets")  # vite puts content-hashed files there
    return FileResponse(wanted, headers={"Cache-Control": IMMUTABLE if hashed else NO_CACHE})


def routes() -> list[BaseRoute]:
    """Mount LAST: the catch-all serves files of the build."""
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/join", index, methods=["GET", "HEAD"]),
        Route("/room/{rest:path}", index, methods=["GET", "HEAD"]),
        Route("/{path:path}", asset, methods=["GET", "HEAD"]),
    ]
