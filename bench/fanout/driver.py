"""The driver process: one connection sending a VOI change and a pointer move at RATE Hz each.

``--pattern tick`` (the default): every tick k/RATE after ``t0`` sends a VOI change and then
a pointer move, back to back, as a W/L drag does (one mouse move yields both). ``staggered``:
the two streams half a period apart (VOI at k/RATE, pointer at (k+½)/RATE), the pattern of
runs before 2026-11-28 16:00 — it leaves a server no two events of one tick to put in one
frame. Deadlines are absolute, so a late tick does not shift the ones after it. Each
message carries its own send time (see ``payload``). Same line protocol as the listeners:
connects, prints ``ready 1 0``, reads the JSON schedule from stdin, sends from ``send_from`` to
``send_until``, then prints one JSON line with what it sent inside the measuring window (the
listeners' expected counts), how late its worst tick was, and its own CPU.

    python -m bench.fanout.driver --dialect bare --port 8765
"""

import argparse
import asyncio
import json
import sys
import time

import msgpack

from bench.fanout.dialects import Dialect, Target, driver_messages, handshake, is_ping
from bench.fanout.payload import Kind
from bench.fanout.procstat import cpu_seconds
from bench.fanout.wsclient import WsClient, connect


class Driver:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.inbox: asyncio.Queue[tuple[bool, bytes]] | None = asyncio.Queue()
        self.client: WsClient | None = None
        self.errors: dict[str, int] = {}

    def on_frame(self, is_text: bool, data: bytes, now: float) -> None:
        if self.inbox is not None:
            self.inbox.put_nowait((is_text, data))
        elif is_ping(self.dialect, is_text, data):
            assert self.client is not None
            self.client.send("3")
        elif self.dialect is Dialect.HUIZHEN and not is_text:
            self._count_errors(data)

    def _count_errors(self, data: bytes) -> None:
        """Acks are expected; errors (e.g. rate_limited, forbidden) would void the run."""
        for message in msgpack.unpackb(data):
            if message.get("type") == "error":
                code = str(message.get("code"))
                self.errors[code] = self.errors.get(code, 0) + 1


async def main(args: argparse.Namespace) -> None:
    target = Target(Dialect(args.dialect), args.port)
    driver = Driver(target.dialect)
    driver.client = await connect(target.url(driver=True), driver.on_frame)
    assert driver.inbox is not None
    await asyncio.wait_for(handshake(target.dialect, driver.client, driver.inbox, args.token), 30)
    driver.inbox = None
    print("ready 1 0", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    sent = await drive(driver, json.loads(line), args.rate, staggered=args.pattern == "staggered")
    print(json.dumps({**sent, "errors": driver.errors}), flush=True)
    driver.client.close()


async def drive(
    driver: Driver, schedule: dict[str, float], rate: float, *, staggered: bool = False
) -> dict[str, object]:
    start, end = schedule["measure_from"], schedule["measure_until"]
    in_window = {kind.value: 0 for kind in Kind}
    total, tick, max_late = 0, 0, 0.0
    step = 1.0 / rate / (2 if staggered else 1)
    cpu: list[float] = []
    while True:
        deadline = schedule["send_from"] + tick * step
        if deadline >= schedule["send_until"]:
            break
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        if len(cpu) == 0 and deadline >= start:
            cpu.append(cpu_seconds())
        if len(cpu) == 1 and deadline >= end:
            cpu.append(cpu_seconds())
        sent_at = time.monotonic()
        max_late = max(max_late, sent_at - deadline)
        kinds = [Kind.VOI if tick % 2 == 0 else Kind.POINTER] if staggered else list(Kind)
        for kind in kinds:
            total += 1
            _send(driver, kind, total, sent_at - schedule["t0"])
            if start <= sent_at < end:
                in_window[kind] += 1
        tick += 1
    return {
        "sent_in_window": in_window,
        "sent_total": total,
        "max_late_ms": round(max_late * 1000, 2),
        "cpu_window_s": cpu[1] - cpu[0] if len(cpu) == 2 else None,
    }


def _send(driver: Driver, kind: Kind, number: int, t_rel: float) -> None:
    assert driver.client is not None
    for message in driver_messages(driver.dialect, kind, number, t_rel):
        driver.client.send(message)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dialect", required=True, choices=[d.value for d in Dialect])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=30.0, help="Hz per stream (VOI, pointer)")
    parser.add_argument("--token", help="huizhen host token")
    parser.add_argument("--pattern", choices=["tick", "staggered"], default="tick")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
