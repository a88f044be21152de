"""Placement: R rooms created through ONE node of K, C requests at a time (as an organizer's
tool behind a load balancer would). Where do they land, and what does a creation cost?

Every creation takes the cluster-wide placement lock, so concurrent creations queue; the
spread shows whether each placement saw the load the previous one left.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.nodes.cluster import cluster
from bench.nodes.tables import joined, markdown_table


async def run(rooms: int, nodes: int, concurrency: int, workdir: Path) -> dict[str, object]:
    """``nodes`` = 0: the baseline, one node without Redis (creation is local, no lock)."""
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    with cluster(workdir) as c:
        if nodes:
            started = [c.start_node(workdir, f"n{i}") for i in range(nodes)]
        else:
            started = [c.start_node(workdir, "memory", redis=False)]
        base = f"http://127.0.0.1:{started[0].port}"
        headers = {"Authorization": f"Bearer {c.api_key}"}
        latencies: list[float] = []
        landed: Counter[str] = Counter()
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            gate = asyncio.Semaphore(concurrency)

            async def one(i: int) -> None:
                async with gate:
                    t0 = time.perf_counter()
                    reply = await http.post("/api/rooms", json={"id": f"p{i}"})
                    latencies.append(time.perf_counter() - t0)
                reply.raise_for_status()
                landed[reply.json()["node"]["id"]] += 1

            t0 = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(rooms)))
            total = time.perf_counter() - t0
        latencies.sort()
        return {
            "rooms": rooms,
            "nodes": nodes,
            "concurrency": concurrency,
            "per_node": sorted(landed.values(), reverse=True),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
            "rooms_per_s": round(rooms / total, 1),
        }


def table(rows: list[dict[str, object]]) -> str:
    header = [
        "rooms",
        "nodes",
        "concurrent",
        "rooms per node",
        "create p50 ms",
        "p99 ms",
        "rooms/s",
    ]
    cells = [
        [
            r["rooms"],
            r["nodes"] or "1, no Redis",
            r["concurrency"],
            joined(r["per_node"]),
            r["p50_ms"],
            r["p99_ms"],
            r["rooms_per_s"],
        ]
        for r in rows
    ]
    return markdown_table(header, "rrrlrrr", cells)
