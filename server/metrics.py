"""Prometheus metrics in a registry owned by one app (no module-level globals)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import uvicorn
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.appstate import app_state
from server.auth import require_api_key
from server.errors import ApiError
from server.settings import parse_bind
from session.errors import ErrorCode

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rooms = Gauge("huizhen_rooms", "Rooms hosted (open)", registry=r)
        self.connections = Gauge(
            "huizhen_connections", "Open room WebSocket connections", registry=r
        )
        self.events = Counter("huizhen_events", "Events emitted by rooms", registry=r)
        self.frames_sent = Counter(
            "huizhen_frames_sent", "Frames sent or queued to connections", registry=r
        )
        self.messages_sent = Counter(
            "huizhen_messages_sent", "Messages delivered (several may share a frame)", registry=r
        )
        self.dropped = Counter(
            "huizhen_messages_dropped", "Queued ephemeral frames dropped under pressure", registry=r
        )
        self.errors = Counter("huizhen_errors", "Error frames sent, by code", ["code"], registry=r)
        self.closes = Counter("huizhen_closes", "Connections closed, by code", ["code"], registry=r)
        self.command_seconds = Histogram(
            "huizhen_command_seconds",
            "Time the room owner spends handling one input",
            buckets=(1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1),
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def metrics_endpoint(request: Request) -> Response:
    """``/metrics`` on the main port: the admin API key, or nothing when a separate metrics
    address is set (``HUIZHEN_METRICS_BIND``: a port only the monitoring network reaches)."""
    state = app_state(request)
    if state.settings.metrics_bind:
        raise ApiError(ErrorCode.NOT_FOUND, "metrics are served on the metrics address")
    require_api_key(request)
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)


def metrics_app(metrics: Metrics) -> Starlette:
    """The app of the separate metrics address: ``/metrics``, unauthenticated, and nothing else."""

    async def scrape(_request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return Starlette(routes=[Route("/metrics", scrape, methods=["GET"])])


@contextlib.asynccontextmanager
async def metrics_listener(bind: str, metrics: Metrics) -> AsyncIterator[None]:
    """Serve ``metrics_app`` on ``bind`` for as long as the main app lives.

    uvicorn's ``serve()`` would take over the process's signal handlers (the main server's);
    its ``startup``/``shutdown`` halves open and close the listening socket without that."""
    host, port = parse_bind(bind)
    config = uvicorn.Config(
        metrics_app(metrics), host=host, port=port, lifespan="off", access_log=False
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup()
    try:
        yield
    finally:
        await server.shutdown()


async def healthz(request: Request) -> Response:
    state = app_state(request)
    body: dict[str, object] = {
        "status": "ok",
        "node": state.cluster.node_id,
        "rooms": state.rooms.open_count(),
        "conns": state.rooms.connection_count(),
    }
    checks = state.health_checks  # any problem makes /healthz answer 503 "degraded"
    failing = {name: problem for name, check in checks.items() if (problem := check())}
    if failing:
        body |= {"status": "degraded", "failing": failing}
    return JSONResponse(body, 503 if failing else 200)
