"""Rooms per node: what R idle rooms cost a node (CPU while idle, RSS), and how long a
surviving node takes to adopt all R after ``kill -9`` of their node.

Idle cost is what the design adds per room: each beat (0.5 s) the least loaded node scans
every room's owner key for orphans, and each room holds a log writer task.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx

from bench.fanout.procstat import cpu_seconds, rss_bytes
from bench.nodes.cluster import Cluster, cluster

IDLE_S = 5.0


async def run(rooms: int, workdir: Path) -> dict[str, object]:
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    with cluster(workdir) as c:
        owner, other = c.start_node(workdir, "n0"), c.start_node(workdir, "n1")
        await _create(c, owner.port, rooms)
        pids = (owner.process.pid, other.process.pid)
        cpu0 = [cpu_seconds(pid) for pid in pids]
        await asyncio.sleep(IDLE_S)
        cpu = [
            round(100 * (cpu_seconds(p) - c0) / IDLE_S, 1) for p, c0 in zip(pids, cpu0, strict=True)
        ]
        rss_mb = round(rss_bytes(owner.process.pid) / 2**20, 1)
        owner.process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        owner.process.wait()
        adopted_s = await _until_hosting(other.port, rooms)
        return {
            "rooms": rooms,
            "idle_cpu_pct": cpu,
            "rss_mb": rss_mb,
            "adopt_all_s": round(adopted_s - killed, 2),
        }


async def _create(c: Cluster, port: int, rooms: int) -> None:
    headers = {"Authorization": f"Bearer {c.api_key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
        gate = asyncio.Semaphore(16)
        node = (await http.get("/healthz")).json()["node"]  # all on this node: no placement

        async def one(i: int) -> None:
            async with gate:
                reply = await http.post("/api/rooms", json={"id": f"r{i}", "node": node})
            reply.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(rooms)))


async def _until_hosting(port: int, rooms: int, limit_s: float = 120.0) -> float:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        while time.monotonic() < deadline:
            body = (await http.get("/healthz")).json()
            if body["rooms"] >= rooms:
                return time.monotonic()
            await asyncio.sleep(0.05)
    raise RuntimeError("the surviving node did not adopt every room")
