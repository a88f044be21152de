"""The room's bounded log of durable events, for catching up a reconnecting client.

A client that resumes from ``seq`` gets the events after it, if the log still holds them all;
otherwise (or if it claims a future ``seq``) it needs a fresh snapshot.
"""

from collections import deque
from itertools import islice

from session.events import Stamped

DEFAULT_LOG_SIZE = 4096


class EventLog:
    def __init__(self, size: int = DEFAULT_LOG_SIZE, last_seq: int = 0) -> None:
        if size < 1:
            raise ValueError(f"log size must be >= 1, got {size}")
        self._events: deque[Stamped] = deque(maxlen=size)
        self._last = last_seq  # the seq of the newest event, logged or not (0: none yet)

    @property
    def last_seq(self) -> int:
        return self._last

    def append(self, stamped: Stamped) -> None:
        """Log a durable event; its seq must follow the previous one."""
        seq = stamped.seq
        if seq is None or seq != self._last + 1:
            raise ValueError(f"expected seq {self._last + 1}, got {seq}")
        self._events.append(stamped)
        self._last = seq

    def events_since(self, seq: int) -> tuple[Stamped, ...] | None:
        """The events after ``seq``; ``()`` if up to date; None if the log cannot bridge the gap."""
        oldest_missing = seq + 1
        first_logged = self._last - len(self._events) + 1
        if seq > self._last or oldest_missing < first_logged:
            return None
        return tuple(islice(self._events, oldest_missing - first_logged, None))
