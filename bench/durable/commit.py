"""What one durable append costs: SQLite WAL (synchronous FULL / NORMAL) against a plain
append-only file with fdatasync, one append per commit and with group commit.

    .venv/bin/python -m bench.durable.commit [--dir DIR] [--appends 300] [--rooms 50]

Single: ``--appends`` appends of one ~120-byte event, each awaited (one commit each).
Grouped: ``--rooms`` rooms append one event each at once, ``--appends`` rounds: the store's
group commit writes each round in few transactions. Prints a Markdown table (latency of one
awaited append p50/p99, events per second) for docs/benchmarks.md. DIR defaults to a temp
dir under the data dir's usual filesystem (the current directory).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from server.durable.sqlite import SqliteStore
from server.interfaces import RoomInfo
from session.ids import RoomId
from session.room import Room

EVENT = os.urandom(120)


async def sqlite_case(directory: Path, mode: str, args: argparse.Namespace) -> list[str]:
    store = await SqliteStore.open(directory / mode, synchronous=mode)
    rooms = [RoomId(f"r{i}") for i in range(args.rooms)]
    for room in rooms:
        await store.create(RoomInfo(room, "t", 0.0))
        await store.save_snapshot(room, Room(room, title="t", now=0.0).snapshot())
    seqs = dict.fromkeys(rooms, 0)

    async def one(room: RoomId) -> None:
        seqs[room] += 1
        await store.append(room, [(seqs[room], EVENT)])

    single = await timed(args.appends, lambda: one(rooms[0]))
    before = store.commits
    started = time.perf_counter()
    for _ in range(args.appends):
        await asyncio.gather(*(one(room) for room in rooms))
    grouped_s = time.perf_counter() - started
    commits = store.commits - before
    await store.close()
    events = args.appends * args.rooms
    return row(f"SQLite WAL, synchronous={mode}", single, events / grouped_s, events / commits)


def file_case(directory: Path, args: argparse.Namespace) -> list[str]:
    path = directory / "append.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def one() -> None:
        os.write(fd, EVENT)
        os.fdatasync(fd)

    latencies = []
    for _ in range(args.appends):
        started = time.perf_counter()
        one()
        latencies.append(time.perf_counter() - started)
    os.close(fd)
    return row("append-only file + fdatasync, one per event", latencies, None, 1.0)


async def timed(count: int, work: Callable[[], Awaitable[None]]) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        await work()
        latencies.append(time.perf_counter() - started)
    return latencies


def row(name: str, latencies: list[float], grouped: float | None, per_commit: float) -> list[str]:
    q = statistics.quantiles(latencies, n=100)
    rate = "—" if grouped is None else f"{grouped:,.0f}"
    return [name, f"{1000 * q[49]:.2f}", f"{1000 * q[98]:.2f}", rate, f"{per_commit:.1f}"]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="durable-bench-", dir=args.dir) as tmp:
        directory = Path(tmp)
        rows = [await sqlite_case(directory, mode, args) for mode in ("FULL", "NORMAL")]
        rows.append(file_case(directory, args))
    print("| store | one append p50 ms | p99 ms | grouped events/s "
          f"({args.rooms} rooms at once) | events per commit |")  # fmt: skip
    print("|---|---|---|---|---|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path.cwd())
    parser.add_argument("--appends", type=int, default=300)
    parser.add_argument("--rooms", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
