"""The webhook admin API (``Authorization: Bearer <API key>`` on every route).

- ``POST /api/webhooks`` ``{"url": "https://...", "events": ["room_started", ...]}`` → 201,
  the endpoint with its ``secret`` (shown this once); ``events`` empty or absent: all events.
- ``GET /api/webhooks`` → ``{"endpoints": [...]}`` (no secrets).
- ``DELETE /api/webhooks/{endpoint_id}`` → 204; its pending deliveries are cancelled.
- ``GET /api/webhooks/deliveries?endpoint=&status=&limit=`` → ``{"deliveries": [...]}``, the
  delivery log, newest first (with Redis: this node's deliveries; endpoints are shared).

Errors are the usual JSON ``{code, message}``: 401 ``unauthorized`` without the key, 400
``bad_request`` for a bad URL, event, status or limit, 404 ``not_found``, 503 ``unavailable``
while the service is not running.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.auth import ApiError, json_body, require_api_key
from server.webhooks.events import WebhookEvent
from server.webhooks.service import WebhookService
from server.webhooks.store import DeliveryStatus
from session.errors import ErrorCode

MAX_URL_CHARS = 2000
MAX_LOG_LIMIT = 1000


def _service(request: Request) -> WebhookService:
    require_api_key(request)
    service = app_state(request).webhooks
    if service is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "webhooks are not running")
    return service


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL_CHARS:
        raise ApiError(ErrorCode.BAD_REQUEST, "url must be an http(s) URL")
    try:
        parts = urlsplit(value)
        httpx.URL(value)  # what the delivery loop will parse
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except (ValueError, httpx.InvalidURL):
        valid = False
    if not valid:
        raise ApiError(ErrorCode.BAD_REQUEST, "url must be an http(s) URL")
    return value


def _events(value: Any) -> tuple[WebhookEvent, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(ErrorCode.BAD_REQUEST, "events must be a list of event names")
    try:
        return tuple(dict.fromkeys(WebhookEvent(v) for v in value))
    except ValueError:
        known = ", ".join(e.value for e in WebhookEvent)
        raise ApiError(ErrorCode.BAD_REQUEST, f"unknown event; known: {known}") from None


async def add_endpoint(request: Request) -> Response:
    service = _service(request)
    body = await json_body(request)
    url, events = _url(body.get("url")), _events(body.get("events"))
    endpoint = await service.endpoints.add_endpoint(url, events)
    return JSONResponse(endpoint.public() | {"secret": endpoint.secret}, status_code=201)


async def list_endpoints(request: Request) -> Response:
    service = _service(request)
    return JSONResponse({"endpoints": [e.public() for e in await service.endpoints.endpoints()]})


async def remove_endpoint(request: Request) -> Response:
    service = _service(request)
    endpoint_id = request.path_params["endpoint_id"]
    if not await service.endpoints.remove_endpoint(endpoint_id):
        raise ApiError(ErrorCode.NOT_FOUND, "no such webhook endpoint")
    await service.store.cancel(endpoint_id)  # this node's; the others' at their next attempt
    return Response(status_code=204)


async def delivery_log(request: Request) -> Response:
    service = _service(request)
    query = request.query_params
    try:
        status = DeliveryStatus(query["status"]) if "status" in query else None
        limit = int(query.get("limit", "100"))
    except ValueError:
        raise ApiError(ErrorCode.BAD_REQUEST, "bad status or limit") from None
    if not 0 < limit <= MAX_LOG_LIMIT:
        raise ApiError(ErrorCode.BAD_REQUEST, f"limit must be in 1..{MAX_LOG_LIMIT}")
    rows = await service.store.log(query.get("endpoint"), status, limit)
    return JSONResponse({"deliveries": [row.public() for row in rows]})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/webhooks", add_endpoint, methods=["POST"]),
        Route("/api/webhooks", list_endpoints, methods=["GET"]),
        Route("/api/webhooks/deliveries", delivery_log, methods=["GET"]),
        Route("/api/webhooks/{endpoint_id}", remove_endpoint, methods=["DELETE"]),
    ]
