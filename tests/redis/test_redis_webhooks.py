"""Webhook endpoints registered through one node are called for every node's rooms (real
processes, real Redis, a real receiver); each node keeps the log of what it sent."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from livetools import eventually
from nodeproc import NodeProcess, running_nodes
from redisproc import RedisProcess
from webhook_support import run_receiver

from server.webhooks.signing import verify

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _endpoints(node: NodeProcess) -> list[str]:
    with node.admin() as admin:
        return [e["id"] for e in admin.get("/api/webhooks").json()["endpoints"]]


def _log(node: NodeProcess) -> list[dict[str, Any]]:
    with node.admin() as admin:
        rows: list[dict[str, Any]] = admin.get("/api/webhooks/deliveries").json()["deliveries"]
    return rows


async def test_endpoints_are_shared_by_every_node(redis_proc: RedisProcess, tmp_path: Path) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b), run_receiver() as receiver:
        with a.admin() as admin:
            body = {"url": receiver.url, "events": ["room_started"]}
            made = admin.post("/api/webhooks", json=body).json()
        assert _endpoints(b) == [made["id"]]
        b.create_room("on-b")  # hosted by b, announced by b
        await eventually(lambda: bool(receiver.received))
        (received,) = receiver.received
        assert (
            verify(made["secret"], received.headers, received.body, time.time()) == "on-b:started"
        )
        await eventually(lambda: [r["status"] for r in _log(b)] == ["delivered"])
        assert _log(a) == []
        with b.admin() as admin:
            assert admin.delete(f"/api/webhooks/{made['id']}").status_code == 204
        assert _endpoints(a) == []
