"""The on-disk format of one recording (docs/recording.md): names, the manifest, the index.

A recording is a directory ``<data_dir>/recordings/<recording id>/`` holding:

- ``manifest.json``: what the recording is (``Manifest``), replaced atomically;
- ``events.msgpack``: every event the room emitted while recording, each exactly the bytes the
  room encoded once (``session.codec.encode_stamped``), concatenated, append-only;
- ``snapshots.msgpack``: full-state snapshots (``session.codec.encode_snapshot``), append-only;
- ``snapshots.idx``: one fixed-size ``IndexEntry`` per snapshot, so a reader seeks without
  scanning: where the snapshot is, and where the events after it start;
- ``media/*.webm``: audio/video tracks remuxed without re-encoding (WebM: Matroska with the
  ``webm`` doctype, which browsers play).

Every file is append-only and self-delimiting, so a truncated tail (``kill -9``) costs only the
incomplete last record; readers stop at it and recovery cuts it off.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import struct
import time
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
EVENTS: Final = "events.msgpack"
SNAPSHOTS: Final = "snapshots.msgpack"
INDEX: Final = "snapshots.idx"
MEDIA_DIR: Final = "media"
RECORDINGS_DIR: Final = "recordings"

RECORDING_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}-[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")


class Status(StrEnum):
    RECORDING = "recording"  # being written (or the server died: recovery finalizes it)
    COMPLETE = "complete"  # stopped normally
    RECOVERED = "recovered"  # finalized after the server stopped without closing it
    FAILED = "failed"  # the writer hit an error; what was written before it stays readable


@dataclass(frozen=True, slots=True)
class Track:
    """One remuxed media track; ``offset_s``: server time of its first packet."""

    file: str
    kind: str  # "audio" or "video"
    codec: str
    participant: str
    offset_s: float


@dataclass(frozen=True, slots=True)
class Manifest:
    """Ties the files to one clock: server time (seconds since the epoch) everywhere."""

    id: str
    room: str
    title: str
    status: Status
    started_at: float
    first_seq: int
    ended_at: float | None = None
    last_seq: int | None = None
    events: int = 0
    snapshots: int = 0
    dropped: int = 0  # events lost to a full buffer (a fresh snapshot follows each loss)
    reason: str = ""
    tracks: tuple[Track, ...] = ()
    format: int = FORMAT_VERSION
    clock: str = field(default="server-epoch-seconds")

    def finished(self, status: Status, **changes: Any) -> Manifest:
        return replace(self, status=status, **changes)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["tracks"] = [asdict(t) for t in self.tracks]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        tracks = tuple(Track(**t) for t in data.get("tracks", ()))
        fields = {k: v for k, v in data.items() if k not in ("status", "tracks")}
        return cls(status=Status(data["status"]), tracks=tracks, **fields)


def new_recording_id(room: str, started_at: float) -> str:
    stamp = _utc_stamp(started_at)
    return f"{room}-{stamp}-{secrets.token_hex(3)}"


def _utc_stamp(at: float) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(at))


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Atomic replace: write a temp file, fsync it, rename over, fsync the directory."""
    tmp = directory / (MANIFEST + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(manifest.to_json(), out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, directory / MANIFEST)
    fsync_dir(directory)


def read_manifest(directory: Path) -> Manifest:
    data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise ValueError(f"{directory}: not a format-{FORMAT_VERSION} manifest")
    return Manifest.from_json(data)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- snapshot index ------------------------------------------------------------------------
_ENTRY: Final = struct.Struct("<qdQQ")
ENTRY_SIZE: Final = _ENTRY.size


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """A snapshot of the state after event ``seq``, valid from server time ``at``.

    ``snapshot_offset``: where it starts in ``snapshots.msgpack``; ``events_offset``: where
    the events after it start in ``events.msgpack`` (earlier seqs there are skipped on replay).
    """

    seq: int
    at: float
    snapshot_offset: int
    events_offset: int

    def pack(self) -> bytes:
        return _ENTRY.pack(self.seq, self.at, self.snapshot_offset, self.events_offset)


def unpack_index(data: bytes) -> list[IndexEntry]:
    """Every complete entry; a torn last entry is ignored."""
    whole = len(data) - len(data) % ENTRY_SIZE
    return [IndexEntry(*fields) for fields in _ENTRY.iter_unpack(data[:whole])]
