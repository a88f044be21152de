"""Finalizing recordings the server left open (``kill -9``, power loss, a crash).

At start-up, before any room runs, every recording whose manifest still says ``recording``
belongs to no live writer. Recovery cuts each file back to its last complete record, counts
what is there, and rewrites the manifest as ``recovered`` with the last event's time as its end.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from recorder.format import (
    ENTRY_SIZE,
    EVENTS,
    INDEX,
    SNAPSHOTS,
    Manifest,
    Status,
    read_manifest,
    unpack_index,
    write_manifest,
)
from recorder.media import reindex
from recorder.reader import RecordingReader
from recorder.scan import last_complete_end

log = logging.getLogger(__name__)

REASON = "server stopped while recording; recovered on restart"


def recover_all(root: Path) -> list[Manifest]:
    """Recover every open recording under ``root``; returns the recovered manifests."""
    recovered = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []:
        try:
            manifest = read_manifest(directory)
            if manifest.status is Status.RECORDING:
                recovered.append(recover(directory))
        except Exception:  # one broken recording must not stop the server or the others
            log.exception("cannot recover recording %s", directory)
    return recovered


def recover(directory: Path) -> Manifest:
    _cut_torn_tails(directory)
    if not unpack_index(_read(directory / INDEX)):  # died before its first snapshot
        failed = read_manifest(directory).finished(Status.FAILED, reason="nothing was written")
        write_manifest(directory, failed)
        return failed
    reader = RecordingReader(directory)
    manifest = reader.manifest
    events = sum(1 for _ in reader.events())
    last = reader.last_event()
    ended_at = manifest.started_at if last is None else last.stamped.at
    last_seq = max((e.seq for e in reader.index), default=manifest.first_seq)
    if last is not None and last.stamped.seq is not None:
        last_seq = max(last_seq, last.stamped.seq)
    manifest = manifest.finished(
        Status.RECOVERED,
        ended_at=ended_at,
        last_seq=last_seq,
        events=events,
        snapshots=len(reader.index),
        reason=REASON,
    )
    write_manifest(directory, manifest)
    _reindex_tracks(directory, manifest)
    log.warning("recording %s recovered up to %.3f", manifest.id, ended_at)
    return manifest


def _reindex_tracks(directory: Path, manifest: Manifest) -> None:
    """Give each media track Cues (a crash cut them off) so browsers can seek it."""
    for track in manifest.tracks:
        try:
            reindex(directory / track.file)
        except Exception:  # an unreadable track stays as it was; the recording still plays
            log.exception("cannot reindex %s", directory / track.file)


def _cut_torn_tails(directory: Path) -> None:
    """Truncate each append-only file after its last complete record."""
    index_path = directory / INDEX
    if index_path.exists():
        size = index_path.stat().st_size
        _truncate(index_path, size - size % ENTRY_SIZE)
        entries = unpack_index(index_path.read_bytes())
        last_snapshot = entries[-1].snapshot_offset if entries else 0
        _truncate(directory / SNAPSHOTS, last_complete_end(directory / SNAPSHOTS, last_snapshot))
        last_events = entries[-1].events_offset if entries else 0
        _truncate(directory / EVENTS, last_complete_end(directory / EVENTS, last_events))


def _truncate(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size > size:
        log.warning("%s: cutting a torn tail at %d bytes", path, size)
        os.truncate(path, size)


def _read(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""
