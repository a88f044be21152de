"""The county link's shaper (bench/county/forwarder.py), fed packets with explicit times.

Only ``admit`` is exercised: it decides loss, tail drop and departure times from its ``now``
argument, so these checks read no clock and sleep nowhere.
"""

from __future__ import annotations

import random

import pytest

from bench.county.forwarder import Shaper

PACKET = bytes(1250)  # 10 kbit: 5 ms at 2 Mbit/s


def shaper(*, loss: float = 0.0, queue_bytes: int = 60_000, seed: int = 1) -> Shaper:
    return Shaper(2_000_000, 0.075, loss, queue_bytes, random.Random(seed))


def test_rate_spaces_departures_and_delay_is_added() -> None:
    s = shaper()
    for _ in range(3):
        s.admit(PACKET, now=10.0)
    deliveries = [deliver for deliver, _, _ in s.queue]
    assert deliveries == pytest.approx([10.080, 10.085, 10.090])


def test_idle_link_sends_at_once() -> None:
    s = shaper()
    s.admit(PACKET, now=1.0)
    s.admit(PACKET, now=5.0)  # the first left long ago: no backlog
    assert [departure for _, departure, _ in s.queue] == pytest.approx([1.005, 5.005])


def test_full_queue_drops_the_tail() -> None:
    s = shaper(queue_bytes=5_000)  # four packets of backlog
    for _ in range(10):
        s.admit(PACKET, now=0.0)
    assert len(s.queue) + s.counters["tail_dropped"] == 10
    assert 4 <= len(s.queue) <= 6


def test_loss_is_random_at_the_rate_asked_and_seeded() -> None:
    runs = []
    for _ in range(2):
        s = shaper(loss=0.01, queue_bytes=10**9, seed=17)
        for k in range(20_000):
            s.admit(PACKET, now=k * 0.01)
        runs.append(s.counters["lost"])
    assert runs[0] == runs[1]  # the same seed loses the same packets
    assert 140 <= runs[0] <= 260  # 1 % of 20 000, well inside binomial spread
