"""One measurement: one server, N listeners, one driver; every process stopped at the end.

Timeline (all ``time.monotonic()``; processes on one host share that clock)::

    start server → driver connects → W listener workers connect N listeners → schedule sent
    send_from ── warm-up ── measure_from ══ window ══ measure_until ─ send_until ─ drain ─ stop_at

Counted: events SENT inside the window (driver side: expected = sent * connected listeners;
listener side: received, latency). Server CPU is read at the window's edges, as is the whole
machine's (to show how much else was running: the box is shared).
"""

import asyncio
import json
import math
import sys
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

from bench.fanout import servers
from bench.fanout.dialects import Dialect
from bench.fanout.procstat import cpu_seconds, rss_bytes

LISTENERS_PER_WORKER = 250
MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class Plan:
    server: str
    listeners: int
    warmup_s: float = 3.0
    duration_s: float = 10.0
    drain_s: float = 5.0  # events not received by then count as lost
    rate_hz: float = 30.0
    pattern: str = "tick"  # driver: VOI + pointer back to back per tick, or "staggered"
    profile: Path | None = None  # py-spy collapsed stacks of a Python server over the window


@dataclass
class Raw:
    """What the processes reported, before aggregation (see ``report.summarize``)."""

    plan: Plan
    driver: dict[str, object]
    workers: list[dict[str, object]]
    latencies: "array[float]"
    server_cpu_s: float
    server_rss_bytes: int
    machine_busy_s: float
    server_exit: int | None
    window: tuple[float, float]
    gc: dict[str, float] | None = None  # collections inside the window (huizhen's GC probe)
    join_s: float = 0.0  # set by _drive: how long N listeners took to connect and join
    settle_s: float = 0.0  # then how long until the server was idle again


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine (all cores) from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / 100.0


async def _spawn(args: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=servers.ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def _ready(process: asyncio.subprocess.Process, limit_s: float) -> tuple[int, int]:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), limit_s)
    words = line.decode().split()
    if len(words) != 3 or words[0] != "ready":
        raise RuntimeError(f"expected 'ready OK FAILED', got {line!r}")
    return int(words[1]), int(words[2])


async def run(plan: Plan, workdir: Path) -> Raw:
    spec = servers.spec_for(plan.server)
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any timing)
    server = servers.start(spec, workdir / "data", workdir / "server.log", workdir / "gc.log")
    children: list[asyncio.subprocess.Process] = []
    try:
        return await _drive(plan, server, workdir, children)
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
            await child.wait()
        servers.stop(server.process)


async def _drive(
    plan: Plan, server: servers.Running, workdir: Path, children: list[asyncio.subprocess.Process]
) -> Raw:
    dialect = server.spec.dialect.value
    host_token, tokens = None, None
    if server.spec.dialect is Dialect.HUIZHEN:
        host_token, tokens = await servers.huizhen_tokens(server, plan.listeners)
    common = ["--dialect", dialect, "--port", str(server.port)]
    driver = await _spawn(
        [
            "bench.fanout.driver",
            *common,
            "--rate",
            str(plan.rate_hz),
            "--pattern",
            plan.pattern,
            *(["--token", host_token] if host_token else []),
        ]
    )
    children.append(driver)
    await _ready(driver, 60)
    joining = time.monotonic()
    workers = await _start_workers(plan, common, tokens, workdir, children)
    join_s = time.monotonic() - joining
    settle_s = await _settle(server.process.pid)
    raw = await _measure(plan, server, driver, workers, workdir)
    raw.join_s, raw.settle_s = join_s, settle_s
    raw.gc = _gc_in_window(workdir / "gc.log", raw.window)
    return raw


async def _settle(pid: int, idle_share: float = 0.1, limit_s: float = 120.0) -> float:
    """Wait until the server is idle (< 10 % of a core over 0.5 s): a join storm's fan-out
    (every join is announced to everyone already in the room) must not leak into the window."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - before < idle_share * 0.5:
            break
    return time.monotonic() - started


async def _start_workers(
    plan: Plan,
    common: list[str],
    tokens: list[str] | None,
    workdir: Path,
    children: list[asyncio.subprocess.Process],
) -> list[asyncio.subprocess.Process]:
    count = min(MAX_WORKERS, max(1, math.ceil(plan.listeners / LISTENERS_PER_WORKER)))
    shares = [plan.listeners // count + (i < plan.listeners % count) for i in range(count)]
    workers, first = [], 0
    for i, share in enumerate(shares):
        extra = []
        if tokens is not None:
            path = workdir / f"tokens-{i}.json"
            path.write_text(json.dumps(tokens[first : first + share]))
            extra = ["--tokens", str(path)]
        first += share
        worker = await _spawn(
            [
                "bench.fanout.listeners",
                *common,
                "--count",
                str(share),
                "--out",
                str(workdir / f"worker-{i}"),
                *extra,
            ]
        )
        children.append(worker)
        workers.append(worker)
    for worker in workers:
        _, failed = await _ready(worker, 300)
        if failed:
            print(f"  warning: {failed} listeners failed to connect", file=sys.stderr)
    return workers


async def _measure(
    plan: Plan,
    server: servers.Running,
    driver: asyncio.subprocess.Process,
    workers: list[asyncio.subprocess.Process],
    workdir: Path,
) -> Raw:
    now = time.monotonic()
    schedule = {"t0": now, "send_from": now + 0.5}
    schedule["measure_from"] = schedule["send_from"] + plan.warmup_s
    schedule["measure_until"] = schedule["measure_from"] + plan.duration_s
    schedule["send_until"] = schedule["measure_until"] + 0.2
    schedule["stop_at"] = schedule["send_until"] + plan.drain_s
    line = (json.dumps(schedule) + "\n").encode()
    for process in (driver, *workers):
        assert process.stdin is not None
        process.stdin.write(line)
        await process.stdin.drain()
    pid = server.process.pid
    await asyncio.sleep(schedule["measure_from"] - time.monotonic())
    cpu0, busy0 = cpu_seconds(pid), machine_busy_seconds()
    if plan.profile is not None:
        await _profile(pid, plan, workdir)
    await asyncio.sleep(schedule["measure_until"] - time.monotonic())
    cpu1, busy1, rss = cpu_seconds(pid), machine_busy_seconds(), rss_bytes(pid)
    assert driver.stdout is not None
    driver_report = json.loads(await asyncio.wait_for(driver.stdout.readline(), 60))
    for worker in workers:
        await asyncio.wait_for(worker.wait(), 120)
    return Raw(
        plan,
        driver_report,
        *_collect(workdir, len(workers)),
        cpu1 - cpu0,
        rss,
        busy1 - busy0,
        server.process.poll(),
        (schedule["measure_from"], schedule["measure_until"]),
    )


def _gc_in_window(log: Path, window: tuple[float, float]) -> dict[str, float] | None:
    """Collections per generation between the probe's samples nearest the window's edges."""
    if not log.exists():
        return None
    lines = [json.loads(line) for line in log.read_text().splitlines() if '"gen0"' in line]
    inside = [line for line in lines if window[0] <= line["t"] <= window[1] + 1.0]
    before = [line for line in lines if line["t"] < window[0]]
    if not inside or not before:
        return None
    first, last = before[-1], inside[-1]
    out: dict[str, float] = {"span_s": round(last["t"] - first["t"], 2)}
    for gen in ("gen0", "gen1", "gen2"):
        out[f"{gen}_count"] = last[gen][0] - first[gen][0]
        out[f"{gen}_ms"] = round((last[gen][1] - first[gen][1]) * 1000, 1)
    return out


async def _profile(pid: int, plan: Plan, workdir: Path) -> None:
    """Sample the server with py-spy during the window (its own cost then skews the numbers:
    profile in a separate run). Output: collapsed stacks, one ``stack count`` per line."""
    assert plan.profile is not None
    out = plan.profile / f"{plan.server}-{plan.listeners}.txt"
    spy = Path(sys.executable).parent / "py-spy"
    process = await asyncio.create_subprocess_exec(
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(plan.duration_s)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(workdir / "py-spy.log", "wb"),  # noqa: SIM115, ASYNC230
    )
    asyncio.get_running_loop().create_task(process.wait())


def _collect(workdir: Path, count: int) -> tuple[list[dict[str, object]], "array[float]"]:
    reports, latencies = [], array("d")
    for i in range(count):
        reports.append(json.loads((workdir / f"worker-{i}.json").read_text()))
        with open(workdir / f"worker-{i}.lat", "rb") as f:
            latencies.frombytes(f.read())
    return reports, latencies
