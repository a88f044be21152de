"""GC probe for a server under test, loaded through PYTHONPATH (``huizhen+gcfreeze``).

Python imports ``sitecustomize`` at start-up if it is on ``sys.path``; the runner puts this
directory first on the server's PYTHONPATH. Environment:

- ``FANOUT_GC_LOG=path``: every second, append one JSON line with the count and total seconds
  of collections per generation so far (``gc.callbacks``; costs ~1 µs per collection).
- ``FANOUT_GC_FREEZE_AFTER=s``: ``gc.collect(); gc.freeze()`` once, s seconds after start-up
  (from a timer thread), moving everything allocated so far — imported modules, the app —
  out of reach of later full collections.
"""

import gc
import json
import os
import threading
import time

_totals = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
_started = [0.0]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    entry = _totals[info["generation"]]
    entry[0] += 1
    entry[1] += time.perf_counter() - _started[0]


def _log(path: str) -> None:
    while True:
        time.sleep(1.0)
        line = {"t": time.monotonic(), **{f"gen{g}": v for g, v in _totals.items()}}
        with open(path, "a") as f:
            f.write(json.dumps(line) + "\n")


def _freeze() -> None:
    gc.collect()
    frozen = len(gc.get_objects())
    gc.freeze()
    log = os.environ.get("FANOUT_GC_LOG")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps({"t": time.monotonic(), "frozen": frozen}) + "\n")


if os.environ.get("FANOUT_GC_LOG"):
    gc.callbacks.append(_on_gc)
    threading.Thread(target=_log, args=(os.environ["FANOUT_GC_LOG"],), daemon=True).start()
if os.environ.get("FANOUT_GC_FREEZE_AFTER"):
    threading.Timer(float(os.environ["FANOUT_GC_FREEZE_AFTER"]), _freeze).start()
