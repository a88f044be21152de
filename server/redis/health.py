"""Whether this node can reach Redis, for ``/healthz`` and the logs.

Every Redis user (log writers, the heartbeat) reports here; a failure is logged once when it
starts and once when it ends, not on every retry.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HealthView:
    ok: bool
    error: str  # the last failure ("" while healthy)
    since: float  # when the current state began (epoch seconds)


class RedisHealth:
    def __init__(self) -> None:
        self._error = ""
        self._since = time.time()

    @property
    def ok(self) -> bool:
        return not self._error

    def view(self) -> HealthView:
        return HealthView(self.ok, self._error, self._since)

    def failed(self, what: str, exc: BaseException) -> None:
        message = f"{what}: {type(exc).__name__}: {exc}"
        if self.ok:
            log.error("redis unavailable (%s); retrying", message)
            self._since = time.time()
        self._error = message

    def succeeded(self) -> None:
        if not self.ok:
            log.warning("redis is back after %.1f s", time.time() - self._since)
            self._since = time.time()
        self._error = ""
