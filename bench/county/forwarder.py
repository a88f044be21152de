"""A county link between two TUN devices: fixed delay, token-bucket rate, random loss.

    python -m bench.county.forwarder --tun-a FD --tun-b FD --rate-kbit 2000 --rtt-ms 150 \
        --loss 0.01 [--queue-bytes 60000] [--stats PATH]

Started by ``bench.county.link`` with the two TUN file descriptors inherited (each opened inside
its own network namespace). Each direction is a FIFO: a packet is dropped with probability
``loss``, or when the bottleneck queue already holds ``queue-bytes`` (drop-tail, as a county
router would); otherwise it leaves the bottleneck at ``max(now, previous departure) + size /
rate`` and is delivered ``rtt / 2`` later. One reader and one writer thread per direction;
a few hundred packets per second is well within Python's reach. ``--stats`` gets a JSON line of
per-direction byte/packet counters every 100 ms (the benchmark reads bytes on the wire there).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MTU_READ = 65536


@dataclass
class Shaper:
    """One direction of the link; ``admit`` runs on the reader thread, ``pop`` on the writer."""

    rate_bps: float
    one_way_s: float
    loss: float
    queue_bytes: int
    rng: random.Random
    queue: collections.deque[tuple[float, float, bytes]] = field(default_factory=collections.deque)
    ready: threading.Condition = field(default_factory=threading.Condition)
    last_departure: float = 0.0
    counters: dict[str, int] = field(
        default_factory=lambda: {"bytes": 0, "packets": 0, "lost": 0, "tail_dropped": 0}
    )

    def admit(self, packet: bytes, now: float) -> None:
        if self.rng.random() < self.loss:
            self.counters["lost"] += 1
            return
        backlog_s = max(0.0, self.last_departure - now)
        if backlog_s * self.rate_bps / 8 > self.queue_bytes:
            self.counters["tail_dropped"] += 1
            return
        departure = max(now, self.last_departure) + len(packet) * 8 / self.rate_bps
        self.last_departure = departure
        with self.ready:
            self.queue.append((departure + self.one_way_s, departure, packet))
            self.ready.notify()

    def pop(self) -> bytes:
        with self.ready:
            while not self.queue:
                self.ready.wait()
            deliver_at, _, packet = self.queue.popleft()
        delay = deliver_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.counters["bytes"] += len(packet)
        self.counters["packets"] += 1
        return packet


def pump_in(fd: int, shaper: Shaper) -> None:
    while True:
        packet = os.read(fd, MTU_READ)
        shaper.admit(packet, time.monotonic())


def pump_out(fd: int, shaper: Shaper) -> None:
    while True:
        packet = shaper.pop()
        with contextlib.suppress(OSError):  # the device went down: the packet is lost
            os.write(fd, packet)


def write_stats(path: Path, shapers: dict[str, Shaper]) -> None:
    while True:
        snapshot = {name: dict(s.counters) for name, s in shapers.items()}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(snapshot))
        tmp.replace(path)
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tun-a", type=int, required=True, help="fd of the server side")
    parser.add_argument("--tun-b", type=int, required=True, help="fd of the client side")
    parser.add_argument("--rate-kbit", type=float, required=True)
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--loss", type=float, default=0.0, help="0.01 = 1 %% each way")
    parser.add_argument("--queue-bytes", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--stats", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    def shaper() -> Shaper:
        return Shaper(args.rate_kbit * 1000, args.rtt_ms / 2000, args.loss, args.queue_bytes, rng)

    shapers = {"down": shaper(), "up": shaper()}  # down: server -> county client
    threads = [
        threading.Thread(target=pump_in, args=(args.tun_a, shapers["down"]), daemon=True),
        threading.Thread(target=pump_out, args=(args.tun_b, shapers["down"]), daemon=True),
        threading.Thread(target=pump_in, args=(args.tun_b, shapers["up"]), daemon=True),
        threading.Thread(target=pump_out, args=(args.tun_a, shapers["up"]), daemon=True),
    ]
    if args.stats:
        threads.append(
            threading.Thread(target=write_stats, args=(args.stats, shapers), daemon=True)
        )
    for thread in threads:
        thread.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
