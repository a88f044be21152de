"""Per-connection token buckets (time is an argument, so tests need no clock).

Three buckets per connection: pointer moves, view commands (the driver scrolling / windowing),
and everything else. A command over its bucket is dropped with ``rate_limited``; a client that
keeps hammering (``flood_count`` refusals within ``flood_window_s``) is disconnected (4008).
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from server.settings import Limits
from session.commands import (
    Command,
    MovePointer,
    SetActiveViewport,
    SetCine,
    SetImage,
    SetInvert,
    SetLayout,
    SetMpr,
    SetPresentation,
    SetVoi,
)


class Verdict(Enum):
    ALLOWED = "allowed"
    LIMITED = "limited"  # drop this command, tell the sender
    FLOOD = "flood"  # close the connection


class Bucket(Enum):
    POINTER = "pointer"
    VIEW = "view"
    OTHER = "other"


VIEW_COMMANDS = (
    SetVoi,
    SetImage,
    SetPresentation,
    SetInvert,
    SetCine,
    SetLayout,
    SetActiveViewport,
    SetMpr,
)


def bucket_of(command: Command | None) -> Bucket:
    """None stands for non-command frames (pings, media signalling): the ``other`` bucket."""
    if isinstance(command, MovePointer):
        return Bucket.POINTER
    if isinstance(command, VIEW_COMMANDS):
        return Bucket.VIEW
    return Bucket.OTHER


class TokenBucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """One per connection."""

    def __init__(self, limits: Limits, now: float) -> None:
        self._buckets = {
            Bucket.POINTER: TokenBucket(limits.pointer_rate, limits.pointer_burst, now),
            Bucket.VIEW: TokenBucket(limits.view_rate, limits.view_burst, now),
            Bucket.OTHER: TokenBucket(limits.other_rate, limits.other_burst, now),
        }
        self._refused: deque[float] = deque()
        self._flood_count = limits.flood_count
        self._flood_window = limits.flood_window_s

    def check(self, command: Command | None, now: float) -> Verdict:
        if self._buckets[bucket_of(command)].take(now):
            return Verdict.ALLOWED
        self._refused.append(now)
        while self._refused and self._refused[0] <= now - self._flood_window:
            self._refused.popleft()
        if len(self._refused) >= self._flood_count:
            return Verdict.FLOOD
        return Verdict.LIMITED
