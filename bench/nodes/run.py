"""Run the several-nodes benchmark and print the tables for ``docs/benchmarks.md``.

    .venv/bin/python -m bench.nodes.run                       # 100 and 400 listeners, 5 rounds
    .venv/bin/python -m bench.nodes.run -n 100 --duration 5 --rounds 3
    .venv/bin/python -m bench.nodes.run --only placement --placed 300

Writes ``bench/results/nodes-<UTC date-time>.json``. Only 127.0.0.1; every process it
starts is stopped and waited for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.fanout import servers
from bench.nodes import failover, fanout, placement, rooms
from bench.nodes.tables import joined, markdown_table

LAYOUTS = ("memory", "one", "two")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--listeners", nargs="+", type=int, default=[100, 400])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5, help="failover rounds")
    parser.add_argument("--rooms", nargs="+", type=int, default=[10, 200, 800])
    parser.add_argument("--placed", type=int, default=300, help="rooms created for placement")
    parser.add_argument(
        "--only", choices=("fanout", "failover", "rooms", "placement"), help="one part only"
    )
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:
    rows: list[dict[str, object]] = []
    times: list[float] = []
    per_room: list[dict[str, object]] = []
    placed: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="nodes-bench-") as tmp:
        if args.only in (None, "fanout"):
            for n in args.listeners:
                for layout in LAYOUTS:
                    row = await fanout.run(layout, n, Path(tmp) / f"{layout}-{n}", args.duration)
                    print(row, flush=True)
                    rows.append(row)
        if args.only in (None, "failover"):
            times = await failover.run(args.rounds, Path(tmp) / "failover")
        if args.only in (None, "rooms"):
            for count in args.rooms:
                per_room.append(await rooms.run(count, Path(tmp) / f"rooms-{count}"))
                print(per_room[-1], flush=True)
        if args.only in (None, "placement"):
            for nodes, concurrency in ((0, 1), (0, 16), (3, 1), (3, 16)):
                where = Path(tmp) / f"placement-{nodes}-{concurrency}"
                placed.append(await placement.run(args.placed, nodes, concurrency, where))
                print(placed[-1], flush=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = servers.ROOT / "bench" / "results" / f"nodes-{stamp}.json"
    results = {"fanout": rows, "failover_s": times, "rooms": per_room, "placement": placed}
    out.write_text(json.dumps(results, indent=1))
    print(table(rows, times))
    print(rooms_table(per_room))
    print(placement.table(placed))


def rooms_table(rows: list[dict[str, object]]) -> str:
    header = ["idle rooms", "idle CPU % (room node, other)", "RSS MB", "adopt all after kill -9"]
    cells = [
        [r["rooms"], joined(r["idle_cpu_pct"]), r["rss_mb"], f"{r['adopt_all_s']} s"] for r in rows
    ]
    return markdown_table(header, "rlrr", cells)


def table(rows: list[dict[str, object]], times: list[float]) -> str:
    if not rows and not times:
        return ""
    header = ["listeners", "layout", "p50 ms", "p99 ms", "lost", "node CPU % (room node, other)"]
    cells = [
        [
            r["listeners"],
            r["layout"],
            r["p50_ms"],
            r["p99_ms"],
            r["lost"],
            joined(r["node_cpu_pct"]),
        ]
        for r in rows
    ]
    lines = [markdown_table(header, "rlrrrl", cells)]
    if times:
        rounded = ", ".join(f"{t:.2f}" for t in times)
        lines += [
            "",
            f"Failover (kill -9 → welcome on another node), {len(times)} rounds: "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s ({rounded})",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
