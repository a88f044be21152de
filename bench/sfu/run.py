"""SFU benchmark: server CPU per forwarded 640x480 30 fps VP8 stream, fps and latency, vs K.

    .venv/bin/python -m bench.sfu.run                                 # all modes, K=1..64
    .venv/bin/python -m bench.sfu.run --modes huizhen --k 1 4 --duration 5

Modes: ``huizhen`` (this SFU, pass-through), ``relay`` (aiortc MediaRelay: decode + re-encode per
subscriber, the naive baseline), ``janus`` and ``janus2`` (Janus 1.1.2 VideoRoom, stock and
``event_loops = 2``). Per run: a fresh server process, one publisher (this process) sending a
pre-encoded clip, K subscribers spread over worker processes; after every subscriber has a
frame, CPU of the server process is read from ``/proc/PID/stat`` over ``--duration`` s.
Latency = subscriber arrival - publisher send of the same frame bytes (pass-through modes only:
MediaRelay re-encodes). Writes ``bench/results/sfu-<UTC>.json`` and prints a Markdown table.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.sfu import janus, load
from bench.sfu.clip import encode_clip
from server.sfu.ice import host_addresses

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_server(mode: str) -> tuple[subprocess.Popen[bytes], str]:
    if mode.startswith("janus"):
        port = free_port()
        proc, _ = janus.start(port, event_loops=2 if mode == "janus2" else 0)
        base = f"http://127.0.0.1:{port}/janus"
        for _ in range(100):
            await asyncio.sleep(0.1)
            try:
                session = janus.JanusSession(base)
                await session.open()
                await session.close()
                return proc, base
            except Exception:  # not listening yet
                continue
        raise RuntimeError("janus did not start")
    proc = subprocess.Popen(  # noqa: ASYNC220 (started once per run; its PID is measured)
        [PY, "-m", "bench.sfu.bridge", "--mode", mode], stdout=subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdout is not None
    line = await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline)
    return proc, f"ws://127.0.0.1:{int(line.split()[1])}"


async def start_workers(mode: str, url: str, k: int, duration: float) -> list[Any]:
    shares = [k // 2 + k % 2, k // 2] if k >= 8 else [k]
    workers = []
    for w, count in enumerate(s for s in shares if s):
        workers.append(
            await asyncio.create_subprocess_exec(
                PY, "-m", "bench.sfu.load", "--mode", mode, "--url", url,
                "--count", str(count), "--prefix", f"w{w}s", "--duration", str(duration),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
                limit=2**26,  # one JSON line with every frame sample
            )
        )  # fmt: skip
    return workers


def latencies(samples: list[list[list[Any]]], sent_log: list[tuple[bytes, float]]) -> list[float]:
    sends: dict[str, list[float]] = defaultdict(list)
    for fid, t in sent_log:
        sends[fid.hex()].append(t)
    out = []
    for per_sub in samples:
        for fid, t in per_sub:
            earlier = [s for s in sends.get(fid, ()) if s <= t]
            if earlier:
                out.append(t - max(earlier))
    return out


class SendLog(dict[bytes, float]):
    """The publisher's ``sent`` map that also keeps every (frame, time) for latency matching."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[bytes, float]] = []

    def __setitem__(self, key: bytes, value: float) -> None:
        super().__setitem__(key, value)
        self.log.append((key, value))


async def run_one(mode: str, k: int, duration: float, clip: list[bytes]) -> dict[str, Any]:
    proc, url = await start_server(mode)
    sent = SendLog()
    publisher = None
    workers: list[Any] = []
    try:
        if mode.startswith("janus"):
            publisher = await load.publish_janus(url, clip, sent)
        else:
            with host_addresses(["127.0.0.1"]):
                publisher = await load.publish_ws(url, clip, sent)
        await asyncio.sleep(1)
        workers = await start_workers(mode.removesuffix("2"), url, k, duration)
        ready = [int((await w.stdout.readline()).split()[1]) for w in workers]
        await asyncio.sleep(2)  # settle: every subscriber is receiving
        cpu0, t0 = load.cpu_seconds(proc.pid), time.monotonic()
        wait0 = runqueue_wait(proc.pid)
        me0 = load.cpu_seconds()
        for w in workers:
            w.stdin.write(b"go\n")
            await w.stdin.drain()
        results = [json.loads(await w.stdout.readline()) for w in workers]
        cpu = load.cpu_seconds(proc.pid) - cpu0
        wall = time.monotonic() - t0
        wait = runqueue_wait(proc.pid) - wait0
        me = load.cpu_seconds() - me0
    finally:
        for w in workers:
            if w.returncode is None:
                w.stdin.close()
                await w.wait()
        if publisher is not None:
            await publisher.close()
        proc.terminate()
        proc.wait(10)
    samples = [s for r in results for s in r["samples"]]
    fps = [len(s) / duration for s in samples]
    lat = latencies(samples, sent.log) if mode != "relay" else []
    server_pct = 100 * cpu / wall
    return {
        "mode": mode,
        "k": k,
        "ready": sum(ready),
        "server_cpu_pct": server_pct,
        "cpu_pct_per_stream": server_pct / k,
        "fps_min": min(fps, default=0.0),
        "fps_median": statistics.median(fps) if fps else 0.0,
        "latency_p50_ms": 1000 * statistics.median(lat) if lat else None,
        "latency_p95_ms": 1000 * statistics.quantiles(lat, n=20)[18] if len(lat) > 20 else None,
        "loadgen_cpu_pct": 100 * (me + sum(r["cpu"] for r in results)) / wall,
        # Time the server's threads were runnable but not running (a busy shared machine):
        "server_runqueue_wait_pct": 100 * wait / wall,
    }


def runqueue_wait(pid: int) -> float:
    """Seconds all threads of ``pid`` have waited for a CPU (``/proc/PID/task/*/schedstat``)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):  # a thread that just ended
            continue
    return total / 1e9


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| mode | K | server CPU % | % per stream | fps min / median | latency p50 / p95 ms "
        "| load-gen CPU % | server run-queue wait % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lat = (
            f"{r['latency_p50_ms']:.0f} / {r['latency_p95_ms']:.0f}"
            if r["latency_p50_ms"] is not None and r["latency_p95_ms"] is not None
            else "n/a"
        )
        lines.append(
            f"| {r['mode']} | {r['k']} | {r['server_cpu_pct']:.1f} | "
            f"{r['cpu_pct_per_stream']:.2f} | {r['fps_min']:.1f} / {r['fps_median']:.1f} | "
            f"{lat} | {r['loadgen_cpu_pct']:.0f} | {r.get('server_runqueue_wait_pct', 0):.0f} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    clip = encode_clip()
    rows = []
    for mode in args.modes:
        for k in args.k:
            if mode == "relay" and k > args.relay_max:
                continue
            row = await run_one(mode, k, args.duration, clip)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"sfu-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"load": os.getloadavg(), "cpus": os.cpu_count(), "duration": args.duration}
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    print(table(rows))
    print(f"\n{out.relative_to(ROOT)}; load average at end {meta['load']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--modes", nargs="+", default=["huizhen", "relay", "janus", "janus2"])
    parser.add_argument("--k", nargs="+", type=int, default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--relay-max", type=int, default=8, help="MediaRelay collapses beyond")
    asyncio.run(main(parser.parse_args()))
