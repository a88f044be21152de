"""Aggregate subscribers' bandwidth estimates into one upstream REMB (pure).

Without simulcast one publisher encoding serves everyone, so the publisher should send what the
room can take: the *minimum* of the subscribers' recent estimates. A subscriber whose estimate
is below ``floor`` is ignored for the aggregate (it gets keyframe-dropping instead) so that one
hopeless link cannot starve the whole room; stale estimates (no REMB for ``max_age`` s) expire.
"""

from dataclasses import dataclass, field


@dataclass
class BandwidthAggregate:
    floor: int = 150_000
    max_age: float = 5.0
    change: float = 0.1  # report upstream when the aggregate moves by this fraction
    _estimates: dict[str, tuple[int, float]] = field(default_factory=dict)
    _reported: int | None = None

    def update(self, leg: str, bitrate: int, now: float) -> None:
        self._estimates[leg] = (bitrate, now)

    def forget(self, leg: str) -> None:
        self._estimates.pop(leg, None)

    def value(self, now: float) -> int | None:
        """The bitrate the publisher should aim for, or None if no subscriber has said."""
        fresh = [b for b, at in self._estimates.values() if now - at <= self.max_age]
        usable = [b for b in fresh if b >= self.floor]
        if usable:
            return min(usable)
        return self.floor if fresh else None

    def to_report(self, now: float) -> int | None:
        """The aggregate if it moved enough since the last report (then it counts as reported)."""
        value = self.value(now)
        if value is None:
            return None
        last = self._reported
        if last is not None and abs(value - last) < self.change * last:
            return None
        self._reported = value
        return value
