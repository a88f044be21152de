"""Relaying one HTTP request to another node and its response back, both streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.requests import HTTPConnection
from starlette.types import Message, Receive, Send

FORWARDED = "x-huizhen-forwarded"  # names the node that forwarded (and stops a second hop)
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)


def forward_headers(conn: HTTPConnection, node_id: str) -> list[tuple[str, str]]:
    """The request's end-to-end headers (credentials included), marked as forwarded."""
    headers = [(k, v) for k, v in conn.headers.items() if k not in _HOP_BY_HOP]
    return [(k, v) for k, v in headers if k != "content-length"] + [(FORWARDED, node_id)]


async def stream_response(response: httpx.Response, send: Send) -> None:
    """Relay a streamed upstream response to the client as it arrives, then close it."""
    try:
        await send(_start(response))
        async for chunk in response.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        await response.aclose()


async def request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _start(response: httpx.Response) -> Message:
    headers = [
        (k.lower(), v)
        for k, v in response.headers.raw
        if k.decode("latin-1").lower() not in _HOP_BY_HOP
    ]
    return {"type": "http.response.start", "status": response.status_code, "headers": headers}
