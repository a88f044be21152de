"""Soft delete: a deleted recording disappears at once; its bytes go after a retention period.

Deleting writes a tombstone (``deleted.json``: when and by whom) into the recording's
directory, atomically; every reader of recordings (the API's list and reads, the studies a
recording-viewer token may read) treats a directory with a tombstone as gone. ``purge``
removes the directories whose tombstone is at least ``retention_s`` old. Time is an argument,
so tests need no clock and no sleep; the server runs ``purge`` at start and periodically.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Final

from recorder.format import fsync_dir

log = logging.getLogger(__name__)
TOMBSTONE: Final = "deleted.json"


def mark_deleted(directory: Path, at: float, by: str) -> None:
    """Hide the recording from now on (atomic: a temp file renamed into place)."""
    tmp = directory / (TOMBSTONE + ".tmp")
    tmp.write_text(json.dumps({"deleted_at": at, "by": by}), encoding="utf-8")
    os.replace(tmp, directory / TOMBSTONE)
    fsync_dir(directory)


def deleted_at(directory: Path) -> float | None:
    """When the recording was deleted, or None while it is not (an unreadable tombstone
    still hides it: it counts as deleted at time 0, so the next purge takes it)."""
    try:
        data = json.loads((directory / TOMBSTONE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return 0.0
    at = data.get("deleted_at") if isinstance(data, dict) else None
    return float(at) if isinstance(at, int | float) else 0.0


def is_deleted(directory: Path) -> bool:
    return (directory / TOMBSTONE).exists()


def purge(root: Path, now: float, retention_s: float) -> list[str]:
    """Remove every recording under ``root`` deleted at least ``retention_s`` before ``now``;
    returns their ids. One failure is logged and does not stop the others."""
    purged = []
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        at = deleted_at(directory) if directory.is_dir() else None
        if at is None or now - at < retention_s:
            continue
        try:
            shutil.rmtree(directory)
            purged.append(directory.name)
        except OSError:
            log.exception("cannot purge deleted recording %s", directory.name)
    return purged
