"""Composition root: ``create_app(settings)`` wires every part; the lifespan owns resources.

Other features plug in with ONE line each:
- routes: add to ``extension_routes()`` (mounted before the web client's catch-all);
- resources: add a hook to ``LIFESPAN_HOOKS`` — an async context manager factory taking the
  ``AppState``; it may set ``state.media`` (the SFU) or ``state.extensions[...]``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from recorder import api as recorder_api
from recorder.service import recorder_lifespan
from server import api, dicomweb, static
from server.appstate import AppState
from server.auth import ApiError
from server.cases import redaction_api
from server.demo import prepare_demo_case
from server.fastpath import CaptureRawSend
from server.interfaces import RoomDirectory
from server.memory import MemoryRoomDirectory
from server.metrics import Metrics, healthz, metrics_endpoint
from server.redis import http as redis_http
from server.redis.forward import ForwardToRoomNode
from server.redis.wiring import redis_directory, redis_lifespan
from server.rooms import RoomRegistry
from server.settings import Settings
from server.sfu import turn
from server.sfu.lifespan import sfu_lifespan
from server.tokens import KeyRing
from server.ws import ws_endpoint
from session.ids import RoomId

log = logging.getLogger(__name__)

LifespanHook = Callable[[AppState], AbstractAsyncContextManager[None]]

DEMO_ROOM = RoomId("demo")
DEMO_TITLE = "Demo consultation"


def extension_routes() -> list[BaseRoute]:
    """Routes of other features (DICOMweb, SFU, recorder): one line each."""
    return [
        *dicomweb.routes(),
        *recorder_api.routes(),
        *redis_http.routes(),
        *turn.routes(),
        *redaction_api.routes(),
    ]


LIFESPAN_HOOKS: list[LifespanHook] = [
    # one line per feature, e.g. sfu_lifespan,
    dicomweb.dicomweb_lifespan,
    sfu_lifespan,
    recorder_lifespan,
]


def core_routes() -> list[BaseRoute]:
    return [
        WebSocketRoute("/ws", ws_endpoint),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *api.routes(),
    ]


def _directory(settings: Settings) -> RoomDirectory:
    # The seam for several nodes: with --redis the node joins the others (server/redis).
    if settings.redis_url:
        return redis_directory(settings)
    return MemoryRoomDirectory()


def create_app(
    settings: Settings,
    *,
    demo: bool = False,
    hooks: Sequence[LifespanHook] | None = None,
) -> Starlette:
    settings = settings.with_secrets()
    chosen_hooks = list(LIFESPAN_HOOKS if hooks is None else hooks)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = _build_state(settings)
        app.state.huizhen = state
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(state.rooms.stop)
            await stack.enter_async_context(redis_lifespan(state))  # no-op without Redis
            for hook in chosen_hooks:
                await stack.enter_async_context(hook(state))
            if demo:
                await _create_demo(state)
            yield

    routes = [*core_routes(), *extension_routes(), *static.routes()]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
        # Forwarding first: a request for a room on another node never reaches the routes.
        middleware=[Middleware(ForwardToRoomNode), Middleware(CaptureRawSend)],
    )


def _build_state(settings: Settings) -> AppState:
    metrics = Metrics()
    directory = _directory(settings)
    holder: list[AppState] = []
    rooms = RoomRegistry(settings, metrics, directory, media=lambda: holder[0].media)
    state = AppState(settings, KeyRing(settings.signing_keys), metrics, directory, rooms)
    holder.append(state)
    return state


async def _create_demo(state: AppState) -> None:
    host = state.rooms.get(DEMO_ROOM) or await state.rooms.create(DEMO_ROOM, DEMO_TITLE)
    try:
        await prepare_demo_case(state, host)
    except Exception:  # the demo must still start without its case
        log.exception("preparing the demo case failed")


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, ApiError):
        code, message = exc.code, exc.message
    else:
        code, message = _CODES.get(exc.status_code, "error"), str(exc.detail)
    return JSONResponse({"code": code, "message": message}, exc.status_code, exc.headers)
