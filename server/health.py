"""Whether this node can reach a store it depends on (Redis, a room log), for ``/healthz``.

Every user of the store (each room's log writer, the heartbeat, the bridge) reports under its
own name; the node is healthy when none is failing. An outage is logged once when it starts
and once when it ends, not on every retry.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HealthView:
    ok: bool
    error: str  # the failures, "what: error; ..." ("" while healthy)
    since: float  # when the current state began (epoch seconds)


class Health:
    def __init__(self, store: str) -> None:
        self._store = store
        self._errors: dict[str, str] = {}
        self._since = time.time()

    @property
    def ok(self) -> bool:
        return not self._errors

    def view(self) -> HealthView:
        error = "; ".join(f"{what}: {message}" for what, message in self._errors.items())
        return HealthView(self.ok, error, self._since)

    def failed(self, what: str, exc: BaseException) -> None:
        if self.ok:
            log.error(
                "%s unavailable (%s: %s: %s); retrying", self._store, what, type(exc).__name__, exc
            )
            self._since = time.time()
        self._errors[what] = f"{type(exc).__name__}: {exc}"

    def succeeded(self, what: str) -> None:
        if self._errors.pop(what, None) is not None and self.ok:
            log.warning("%s is back after %.1f s", self._store, time.time() - self._since)
            self._since = time.time()
