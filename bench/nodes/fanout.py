"""Fan-out latency with the listeners on the room's node only, or spread over two nodes.

The same driver and listener processes as ``bench/fanout`` (VOI + pointer at 30 Hz each,
send time inside every message). The driver is always on the room's node (node 0);
``layout="one"``: every listener on node 0; ``"two"``: listener workers alternate between
node 0 and node 1, so half the listeners reach the room through the Redis bridge.
``"memory"``: one node without Redis (the embedded default), for reference.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from pathlib import Path

import numpy as np

from bench.fanout import servers
from bench.fanout.measure import _collect, _ready, _settle, _spawn
from bench.fanout.procstat import cpu_seconds
from bench.nodes.cluster import cluster

WORKERS = 2


async def run(layout: str, listeners: int, workdir: Path, duration_s: float) -> dict[str, object]:
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    with cluster(workdir) as c:
        redis = layout != "memory"
        room_node = c.start_node(workdir, "n0", redis=redis)
        other = c.start_node(workdir, "n1") if layout == "two" else room_node
        host, tokens = await servers.huizhen_tokens(room_node, listeners)
        children: list[asyncio.subprocess.Process] = []
        try:
            return await _measure(
                layout, [room_node, other], host, tokens, workdir, duration_s, children
            )
        finally:
            for child in children:
                if child.returncode is None:
                    child.kill()
                await child.wait()


async def _measure(  # noqa: PLR0917
    layout: str,
    nodes: list[servers.Running],
    host: str,
    tokens: list[str],
    workdir: Path,
    duration_s: float,
    children: list[asyncio.subprocess.Process],
) -> dict[str, object]:
    driver = await _spawn(["bench.fanout.driver", "--dialect", "huizhen",
                           "--port", str(nodes[0].port), "--token", host])  # fmt: skip
    children.append(driver)
    await _ready(driver, 60)
    share = math.ceil(len(tokens) / WORKERS)
    workers = []
    for i in range(WORKERS):
        mine = tokens[i * share : (i + 1) * share]
        path = workdir / f"tokens-{i}.json"
        path.write_text(json.dumps(mine))
        worker = await _spawn(
            ["bench.fanout.listeners", "--dialect", "huizhen", "--port", str(nodes[i % 2].port),
             "--count", str(len(mine)), "--out", str(workdir / f"worker-{i}"),
             "--tokens", str(path)]
        )  # fmt: skip
        children.append(worker)
        workers.append(worker)
    for worker in workers:
        await _ready(worker, 300)
    for node in {n.port: n for n in nodes}.values():
        await _settle(node.process.pid)
    now = time.monotonic()
    schedule = {"t0": now, "send_from": now + 0.5}
    schedule["measure_from"] = schedule["send_from"] + 2.0
    schedule["measure_until"] = schedule["measure_from"] + duration_s
    schedule["send_until"] = schedule["measure_until"] + 0.2
    schedule["stop_at"] = schedule["send_until"] + 3.0
    line = (json.dumps(schedule) + "\n").encode()
    for process in (driver, *workers):
        assert process.stdin is not None
        process.stdin.write(line)
        await process.stdin.drain()
    pids = [n.process.pid for n in {n.port: n for n in nodes}.values()]
    await asyncio.sleep(schedule["measure_from"] - time.monotonic())
    cpu0 = [cpu_seconds(pid) for pid in pids]
    await asyncio.sleep(schedule["measure_until"] - time.monotonic())
    cpu1 = [cpu_seconds(pid) for pid in pids]
    assert driver.stdout is not None
    sent = json.loads(await asyncio.wait_for(driver.stdout.readline(), 60))["sent_in_window"]
    for worker in workers:
        await asyncio.wait_for(worker.wait(), 120)
    reports, latencies = _collect(workdir, WORKERS)
    return _summary(layout, len(tokens), duration_s, sent, reports, latencies, cpu0, cpu1)


def _summary(  # noqa: PLR0917
    layout: str,
    listeners: int,
    duration_s: float,
    sent: dict[str, int],
    reports: list[dict[str, object]],
    latencies: object,
    cpu0: list[float],
    cpu1: list[float],
) -> dict[str, object]:
    pairs = np.frombuffer(latencies, dtype=np.float64).reshape(-1, 2)  # type: ignore[call-overload]
    lat_ms = pairs[:, 1] * 1000.0
    connected = sum(int(r["connected"]) for r in reports)  # type: ignore[call-overload]
    received = sum(sum(r["received"].values()) for r in reports)  # type: ignore[attr-defined]
    expected = sum(sent.values()) * connected
    p50, p99 = (float(x) for x in np.percentile(lat_ms, [50, 99])) if lat_ms.size else (0, 0)
    return {
        "layout": layout,
        "listeners": listeners,
        "connected": connected,
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "lost": expected - received,
        "node_cpu_pct": [
            round(100 * (b - a) / duration_s, 1) for a, b in zip(cpu0, cpu1, strict=True)
        ],
    }
