"""Recordings across nodes: each lives in the data directory of the node that wrote it.

Nothing records which node that is (a recording outlives its room and its room's moves), and
a cluster has a handful of nodes, so a request for a recording this node does not hold is
tried on the other live nodes in turn until one knows it. ``GET /api/recordings`` gathers
every live node's list. A recording-viewer token's DICOMweb goes to a node holding
recordings of its room (only that node knows what they showed). A dead node's recordings are
unavailable until it is back: its disk holds them.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recorder.format import RECORDINGS_DIR
from server.auth import bearer_token
from server.errors import error_response
from server.redis.proxying import forward_headers, stream_response
from server.tokens import TokenError, TokenKind, verify_room_token
from session.errors import ErrorCode

if TYPE_CHECKING:
    from server.appstate import AppState
    from server.redis.node import Node

log = logging.getLogger(__name__)
LIST = "/api/recordings"
_ONE = re.compile(r"^/api/recordings/([A-Za-z0-9_-]{1,100})(?:/|$)")
MAX_BODY = 1 << 20  # recording API bodies are a few bytes of JSON


def elsewhere(conn: HTTPConnection, state: AppState) -> bool:
    """Whether this request is for recordings this node may not hold."""
    path = conn.url.path
    if path == LIST:
        return bool(conn.scope["method"] == "GET")
    if match := _ONE.match(path):
        return not (state.settings.data_dir / RECORDINGS_DIR / match.group(1)).is_dir()
    return path.startswith("/dicom-web/") and _viewer_of_another_node(conn, state)


def _viewer_of_another_node(conn: HTTPConnection, state: AppState) -> bool:
    try:
        claims = verify_room_token(state.keys, bearer_token(conn), kind=TokenKind.RECORDING_VIEWER)
    except TokenError:
        return False
    recorded = state.recorded_studies
    return recorded is None or not recorded(claims.room)


async def serve(app: ASGIApp, node: Node, scope: Scope, receive: Receive, send: Send) -> None:
    if HTTPConnection(scope).url.path == LIST:
        await _gathered_list(app, node, scope, receive, send)
    else:
        await _first_that_has_it(app, node, scope, receive, send)


async def _first_that_has_it(
    app: ASGIApp, node: Node, scope: Scope, receive: Receive, send: Send
) -> None:
    """The first other node that does not answer 403/404; else this node's own answer."""
    conn = HTTPConnection(scope)
    body = await _read_body(receive)
    if body is None:
        too_large = error_response(ErrorCode.TOO_LARGE, f"body over {MAX_BODY} bytes")
        await too_large(scope, receive, send)
        return
    for base in await node.other_urls():
        request = node.http.build_request(
            scope["method"],
            base + conn.url.path,
            params=conn.url.query,
            headers=forward_headers(conn, node.id),
            content=body,
        )
        try:
            response = await node.http.send(request, stream=True)
        except httpx.HTTPError as exc:
            log.warning("asking %s for %s failed: %s", base, conn.url.path, exc)
            continue
        if response.status_code in (403, 404):
            await response.aclose()
            continue
        await stream_response(response, send)
        return
    await app(scope, _replay(body), send)


async def _gathered_list(
    app: ASGIApp, node: Node, scope: Scope, receive: Receive, send: Send
) -> None:
    status, headers, body = await _capture(app, scope, receive)
    if status != 200:
        await Response(body, status, headers=dict(headers))(scope, receive, send)
        return
    found: dict[str, Any] = {r["id"]: r for r in json.loads(body)["recordings"]}
    conn = HTTPConnection(scope)
    for base in await node.other_urls():
        try:
            reply = await node.http.get(base + LIST, headers=forward_headers(conn, node.id))
        except httpx.HTTPError as exc:
            log.warning("listing %s's recordings failed: %s", base, exc)
            continue
        if reply.status_code == 200:
            found.update({r["id"]: r for r in reply.json()["recordings"]})
    listed = sorted(found.values(), key=lambda r: r["started_at"])
    await JSONResponse({"recordings": listed})(scope, receive, send)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body (it may be sent to several nodes), None if over MAX_BODY."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_BODY:
            return None
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list[Any], bytes]:
    """Run the local app and keep its whole response (a list: small)."""
    status, headers, parts = 500, [], []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, [(k.decode(), v.decode()) for k, v in headers], b"".join(parts)
