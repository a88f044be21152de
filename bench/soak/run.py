"""Soak: many WebSocket clients in many rooms for minutes, with a server restart in the middle.

    .venv/bin/python -m bench.soak.run                         # 1000 clients, 50 rooms, 10 min
    .venv/bin/python -m bench.soak.run --clients 200 --rooms 10 --minutes 3 --restart-at 1.5

Per room: one driver (host: VOI changes), two annotators, the rest listeners; everyone chats
now and then and drops its connection at random, resuming from its last seq. At
``--restart-at`` minutes the server is killed (``--restart kill``, -9) or stopped
(``term``, SIGTERM: 1012 + resume_from) and started again on the same data dir and port.
The clients are spread over ``--workers`` processes (bench/soak/worker.py). Reports events
lost, reordered, duplicated, resyncs (a snapshot instead of a replay), RSS and CPU of the
server over time and the chat latency p50/p99 per minute; JSON in bench/results/, Markdown
on stdout (for docs/benchmarks.md). Not run by CI. Only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.fanout.servers import ROOT
from bench.soak.client import Behaviour
from bench.soak.report import markdown, merge
from bench.soak.server import SoakServer
from session.grants import Role

RESULTS = ROOT / "bench" / "results"
SAMPLE_S = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--restart-at", type=float, default=5.0, help="minute; <0: never")
    parser.add_argument("--restart", choices=["kill", "term"], default="kill")
    parser.add_argument("--workers", type=int, default=4, help="load generator processes")
    parser.add_argument("--chat-every", type=float, default=60.0, help="s, per client")
    parser.add_argument("--drive-every", type=float, default=0.5, help="s, VOI changes")
    parser.add_argument("--annotate-every", type=float, default=10.0, help="s, per annotator")
    parser.add_argument("--drops-per-min", type=float, default=0.1, help="per client")
    parser.add_argument("--out", type=Path)
    return parser.parse_args()


def behaviours(args: argparse.Namespace, index: int) -> tuple[Role, Behaviour]:
    chat, drops = args.chat_every, args.drops_per_min
    if index == 0:
        return Role.HOST, Behaviour("driver", chat, args.drive_every, drops)
    if index <= 2:
        return Role.PARTICIPANT, Behaviour("annotator", chat, args.annotate_every, drops)
    return Role.PARTICIPANT, Behaviour("listener", chat, 1e9, drops)


def plans(args: argparse.Namespace, server: SoakServer, t0: float) -> list[dict[str, Any]]:
    until = t0 + args.minutes * 60
    workers: list[dict[str, Any]] = [
        {"t0": t0, "until": until, "clients": []} for _ in range(args.workers)
    ]
    url = f"ws://127.0.0.1:{server.port}/ws"
    for i in range(args.clients):
        room, index = f"soak-{i % args.rooms:03d}", i // args.rooms
        role, behaviour = behaviours(args, index)
        who = f"c{i:05d}"
        token = server.mint(room, who, role, ttl_s=args.minutes * 60 + 3600)
        client = {"url": url, "token": token, "name": who, "behaviour": asdict(behaviour)}
        workers[i % args.workers]["clients"].append(client)
    return workers


def spawn(plan: dict[str, Any], tmp: Path, n: int) -> tuple[subprocess.Popen[bytes], Path]:
    plan_path, out = tmp / f"plan{n}.json", tmp / f"result{n}.json"
    plan_path.write_text(json.dumps(plan))
    args = [sys.executable, "-m", "bench.soak.worker", "--plan", str(plan_path)]
    proc = subprocess.Popen([*args, "--out", str(out)], cwd=ROOT)
    return proc, out


def watch(args: argparse.Namespace, server: SoakServer, t0: float) -> dict[str, Any]:
    """Sample the server every SAMPLE_S; restart it at --restart-at."""
    samples: list[dict[str, float]] = []
    restart_at = t0 + args.restart_at * 60 if args.restart_at >= 0 else float("inf")
    downtime = None
    end = t0 + args.minutes * 60
    while time.time() < end:
        time.sleep(min(SAMPLE_S, max(0.0, end - time.time())))
        if downtime is None and time.time() >= restart_at:
            print(f"{time.strftime('%H:%M:%S')} restart ({args.restart})", file=sys.stderr)
            downtime = server.restart(args.restart)
        cpu = server.cpu_before + server.cpu()
        samples.append({"t_s": time.time() - t0, "rss_mb": server.rss() / 2**20, "cpu_s": cpu})
    return {"samples": samples, "downtime_s": downtime}


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp_name:
        tmp = Path(tmp_name)
        server = SoakServer(tmp / "var", tmp / "server.log")
        server.start()
        try:
            for r in range(args.rooms):
                server.create_room(f"soak-{r:03d}")
            t0 = time.time() + 2
            workers = [spawn(p, tmp, n) for n, p in enumerate(plans(args, server, t0))]
            watched = watch(args, server, t0)
            for proc, _ in workers:
                proc.wait(timeout=120)
        finally:
            server.stop()
        tallies = [json.loads(out.read_text()) for _, out in workers if out.exists()]
    result = {"args": vars(args) | {"out": str(args.out)}, **watched, "clients": merge(tallies)}
    when = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_path = args.out or RESULTS / f"soak-{when}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=1))
    print(markdown(result))
    print(f"\n(JSON: {out_path})", file=sys.stderr)


if __name__ == "__main__":
    main()
