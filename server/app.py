"""Composition root: ``create_app(settings)`` wires every part; the lifespan owns resources.

The cluster is chosen here, once (``LocalCluster`` alone, ``RedisCluster`` with ``--redis``),
and passed to what needs it. Other features plug in with ONE line each:
- routes: add to ``extension_routes()`` (mounted before the web client's catch-all);
- resources: add a hook to ``LIFESPAN_HOOKS`` — an async context manager factory taking the
  ``AppState``; it fills the state's typed field for its part (``state.media`` for the SFU).
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

from server import access_api, api, dicomweb, static
from server.appstate import AppState, MediaSlot
from server.audit import api as audit_api
from server.audit.lifespan import audit_lifespan
from server.cases import redaction_api
from server.cases.store import StudyStore
from server.cluster import Cluster, LocalCluster, local_journal
from server.demo import prepare_demo_case
from server.durable.sqlite import SqliteRoomDirectory, SqliteStore, open_sync
from server.errors import ApiError, code_for_status
from server.fastpath import CaptureRawSend
from server.hardening import Hardening
from server.interfaces import RoomDirectory, RoomLog
from server.livesockets import LiveSockets
from server.memory import MemoryRoomDirectory, MemoryRoomLog
from server.metrics import Metrics, healthz, metrics_endpoint, metrics_listener
from server.recording import api as recorder_api
from server.recording.service import recorder_lifespan
from server.redis import http as redis_http
from server.redis.forward import ForwardToRoomNode
from server.redis.revocations import RedisRevocations
from server.redis.webhooks import RedisEndpoints
from server.redis.wiring import build_redis_node
from server.revocation import RevocationStore, Revoker
from server.revocation_store import SqliteRevocations
from server.rooms import RoomRegistry
from server.settings import Settings
from server.sfu import turn
from server.sfu.lifespan import sfu_lifespan
from server.tokens import KeyRing
from server.webhooks import api as webhooks_api
from server.webhooks.service import webhooks_lifespan
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
        *webhooks_api.routes(),
        *audit_api.routes(),
    ]


LIFESPAN_HOOKS: list[LifespanHook] = [
    # one line per feature, e.g. sfu_lifespan,
    audit_lifespan,  # first: it closes last, after the others' final events
    dicomweb.dicomweb_lifespan,
    sfu_lifespan,
    # before the recorder: recordings it finalizes at shutdown are still announced
    webhooks_lifespan,
    recorder_lifespan,
]


def core_routes() -> list[BaseRoute]:
    return [
        WebSocketRoute("/ws", ws_endpoint),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *api.routes(),
        *access_api.routes(),
    ]


def create_app(
    settings: Settings,
    *,
    demo: bool = False,
    hooks: Sequence[LifespanHook] | None = None,
    directory: RoomDirectory | None = None,
    log: RoomLog | None = None,
) -> Starlette:
    """The app. ``directory`` and ``log``: a single node's durable stores (see ``build_state``)."""
    settings = settings.with_secrets()
    chosen_hooks = list(LIFESPAN_HOOKS if hooks is None else hooks)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = None if directory or log else _room_store(settings)
        if store is not None:
            state = build_state(settings, directory=SqliteRoomDirectory(store), log=store)
        else:
            state = build_state(settings, directory=directory, log=log)
        app.state.huizhen = state
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(state.rooms.stop)
            await state.revoker.start()  # before the first request: every check sees the list
            stack.push_async_callback(state.revoker.stop)
            if store is not None:
                stack.push_async_callback(store.close)  # after the cluster drained the logs
            await state.cluster.start()
            stack.push_async_callback(state.cluster.stop)
            for hook in chosen_hooks:
                await stack.enter_async_context(hook(state))
            if settings.metrics_bind:
                await stack.enter_async_context(
                    metrics_listener(settings.metrics_bind, state.metrics)
                )
            if demo:
                await _create_demo(state)
            yield

    routes = [*core_routes(), *extension_routes(), *static.routes()]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
        # Hardening outermost (odd paths never travel; every answer, forwarded ones too, gets
        # the security headers); then forwarding: a request for a room on another node never
        # reaches the routes.
        middleware=[
            Middleware(Hardening),
            Middleware(ForwardToRoomNode),
            Middleware(CaptureRawSend),
        ],
    )


def _room_store(settings: Settings) -> SqliteStore | None:
    """One node keeps its rooms in ``<data dir>/rooms.sqlite3`` (they survive a restart or
    ``kill -9``) unless ``room_store`` says memory; with Redis the rooms are there."""
    if settings.redis_url or settings.room_store != "sqlite":
        return None
    return open_sync(settings.data_dir, synchronous=settings.room_store_sync)


def build_state(
    settings: Settings,
    *,
    directory: RoomDirectory | None = None,
    log: RoomLog | None = None,
) -> AppState:
    """Every part, made once. ``directory`` and ``log`` are a single node's stores (default:
    in memory, so nothing survives a restart); ``--redis`` uses the shared ones instead."""
    metrics = Metrics()
    media = MediaSlot()
    studies = StudyStore(settings.data_dir / "studies")
    node = None
    cluster: Cluster
    webhook_endpoints = None  # each node's own store
    if settings.redis_url:  # the seam for several nodes (server/redis)
        node = build_redis_node(settings, metrics, media.get, studies.may_attach)
        directory, rooms, cluster = node.directory, node.rooms, node.cluster
        webhook_endpoints = RedisEndpoints(node.directory.redis)
    else:
        directory = directory or MemoryRoomDirectory()
        journal = local_journal(log or MemoryRoomLog())
        rooms = RoomRegistry(
            settings, metrics, directory, journal, media.get, may_attach=studies.may_attach
        )
        cluster = LocalCluster(settings, rooms, directory, journal)
    sockets = LiveSockets()
    revoker = Revoker(_revocation_store(settings), sockets, settings.max_token_ttl_s)
    return AppState(
        settings,
        KeyRing(settings.signing_keys, revoked=revoker.list.check),
        metrics,
        directory,
        rooms,
        cluster,
        studies,
        revoker,
        sockets,
        media_slot=media,
        redis_node=None if node is None else node.cluster.node,
        health_checks=cluster.health_checks(),
        webhook_endpoints=webhook_endpoints,
    )


def _revocation_store(settings: Settings) -> RevocationStore:
    """Shared by every node with Redis; else durable in the data dir."""
    if settings.redis_url:
        return RedisRevocations(settings.redis_url)
    return SqliteRevocations(settings.data_dir)


async def _create_demo(state: AppState) -> None:
    host = state.rooms.get(DEMO_ROOM) or await state.rooms.create(DEMO_ROOM, DEMO_TITLE)
    try:
        await prepare_demo_case(state, host)
    except Exception:  # the demo must still start without its case
        log.exception("preparing the demo case failed")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, ApiError):
        code, message = exc.code, exc.message
    else:  # starlette's own: no such route, wrong method
        code, message = code_for_status(exc.status_code), str(exc.detail)
    return JSONResponse({"code": code.value, "message": message}, exc.status_code, exc.headers)
