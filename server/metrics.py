"""Prometheus metrics in a registry owned by one app (no module-level globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.appstate import app_state

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
    state = app_state(request)
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)


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
