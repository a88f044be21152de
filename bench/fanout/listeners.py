"""A listener worker process: K WebSocket listeners of one dialect in one asyncio loop.

Protocol with the runner (stdin/stdout lines): connect everybody, print ``ready OK FAILED``,
read one JSON schedule line ``{"t0", "measure_from", "measure_until", "stop_at"}`` (all
``time.monotonic()`` values), count until ``stop_at``, write results to ``--out``.json and
(send time, latency) pairs (float64 seconds; events sent inside the window only) to
``--out``.lat, exit.

    python -m bench.fanout.listeners --dialect bare --port 8765 --count 250 --out /tmp/w0
"""

import argparse
import asyncio
import json
import math
import sys
from array import array
from dataclasses import dataclass, field

from bench.fanout.dialects import Dialect, Target, event_bytes, handshake, is_ping
from bench.fanout.payload import Kind, fast_send_times
from bench.fanout.procstat import cpu_seconds, rss_bytes
from bench.fanout.wsclient import WsClient, connect

CONNECT_CONCURRENCY = 50


@dataclass
class Tally:
    """Shared by every listener of the worker: one hot path, no per-connection objects."""

    t0: float = 0.0
    window: tuple[float, float] = (math.inf, math.inf)  # relative to t0
    latencies: "array[float]" = field(default_factory=lambda: array("d"))
    received: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in Kind})
    frames: int = 0
    events_in_window: int = 0  # VOI + pointer events RECEIVED in the window (CPU denominators)
    bytes: int = 0
    other: int = 0
    cpu_window: list[float] = field(default_factory=list)
    closes: dict[str, int] = field(default_factory=dict)


class Listener:
    def __init__(self, dialect: Dialect, tally: Tally) -> None:
        self.dialect = dialect
        self.tally = tally
        self.inbox: asyncio.Queue[tuple[bool, bytes]] | None = asyncio.Queue()
        self.client: WsClient | None = None

    def on_frame(self, is_text: bool, data: bytes, now: float) -> None:
        tally = self.tally
        if self.inbox is not None:
            self.inbox.put_nowait((is_text, data))
            return
        start, end = tally.window
        in_window = start <= now - tally.t0 < end  # frames, bytes, others: by receipt time
        if in_window:
            tally.frames += 1
            tally.bytes += len(data)
        if is_ping(self.dialect, is_text, data):
            assert self.client is not None
            self.client.send("3")
            return
        payload = event_bytes(self.dialect, is_text, data)
        if payload is None:
            return
        for kind, t_rel in fast_send_times(payload):
            if kind is None:
                tally.other += in_window
                continue
            tally.events_in_window += in_window
            if start <= t_rel < end:
                tally.received[kind] += 1
                tally.latencies.extend((t_rel, now - tally.t0 - t_rel))


async def open_listener(
    target: Target, tally: Tally, token: str | None, gate: asyncio.Semaphore
) -> Listener:
    listener = Listener(target.dialect, tally)
    async with gate:
        listener.client = await connect(target.url(driver=False), listener.on_frame)
        assert listener.inbox is not None
        await asyncio.wait_for(
            handshake(target.dialect, listener.client, listener.inbox, token), 60
        )
    listener.inbox = None  # from now on frames take the hot path
    return listener


def read_tokens(path: str | None, count: int) -> list[str | None]:
    if path is None:
        return [None] * count
    with open(path) as f:
        return list(json.load(f))


async def main(args: argparse.Namespace) -> None:
    target = Target(Dialect(args.dialect), args.port)
    tokens = read_tokens(args.tokens, args.count)
    tally = Tally()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    results = await asyncio.gather(
        *(open_listener(target, tally, tokens[i], gate) for i in range(args.count)),
        return_exceptions=True,
    )
    listeners = [r for r in results if isinstance(r, Listener)]
    failures = [repr(r) for r in results if not isinstance(r, Listener)]
    print(f"ready {len(listeners)} {len(failures)}", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    schedule = json.loads(line)
    await measure(tally, schedule)
    for listener in listeners:
        assert listener.client is not None
        code = listener.client.close_code
        if code is not None:
            tally.closes[str(code)] = tally.closes.get(str(code), 0) + 1
        listener.client.close()
    write(args.out, tally, len(listeners), failures)


async def measure(tally: Tally, schedule: dict[str, float]) -> None:
    loop = asyncio.get_running_loop()
    tally.t0 = schedule["t0"]
    tally.window = (schedule["measure_from"] - tally.t0, schedule["measure_until"] - tally.t0)
    loop.call_at(schedule["measure_from"], lambda: tally.cpu_window.append(cpu_seconds()))
    loop.call_at(schedule["measure_until"], lambda: tally.cpu_window.append(cpu_seconds()))
    await asyncio.sleep(max(0.0, schedule["stop_at"] - loop.time()))


def write(out: str, tally: Tally, connected: int, failures: list[str]) -> None:
    with open(out + ".lat", "wb") as f:
        tally.latencies.tofile(f)
    cpu = tally.cpu_window[1] - tally.cpu_window[0] if len(tally.cpu_window) == 2 else None
    summary = {
        "connected": connected,
        "failures": failures[:5],
        "failed": len(failures),
        "received": tally.received,
        "frames": tally.frames,
        "events_in_window": tally.events_in_window,
        "bytes": tally.bytes,
        "other": tally.other,
        "closes": tally.closes,
        "cpu_window_s": cpu,
        "rss_bytes": rss_bytes(),
    }
    with open(out + ".json", "w") as f:
        json.dump(summary, f)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dialect", required=True, choices=[d.value for d in Dialect])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--tokens", help="JSON file: a list of --count huizhen tokens")
    parser.add_argument("--out", required=True)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
