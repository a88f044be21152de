"""The studies a recording shows: what its room had attached at any moment it recorded.

A recording-viewer token (a trainee watching a recording) reads over DICOMweb exactly these
studies, so the playback page can render every moment, and nothing else. The set is the union
of the studies attached in every snapshot and after every durable event, replayed with the
live room's own reducer. It is cached per recording until the recording's files change.
"""

from __future__ import annotations

import logging
from pathlib import Path

from recorder.format import EVENTS, read_manifest
from recorder.reader import RecordingReader, stamped_or_none
from recorder.retention import is_deleted
from recorder.scan import scan
from session.ids import RoomId, Uid
from session.model import Study
from session.room import Room

log = logging.getLogger(__name__)

_Key = tuple[str, int, int]
_cache: dict[Path, tuple[_Key, dict[Uid, Study]]] = {}


def room_recorded_studies(root: Path, room: str) -> dict[Uid, Study]:
    """Every study shown in any recording of ``room`` under ``root`` (empty if none)."""
    found: dict[Uid, Study] = {}
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            if is_deleted(directory) or read_manifest(directory).room != room:
                continue  # a deleted recording shows nothing any more
            found.update(recording_studies(directory))
        except (OSError, ValueError):
            continue  # being created, or not a recording
    return found


def recording_studies(directory: Path) -> dict[Uid, Study]:
    """The union of the studies attached at any point of one recording."""
    events = directory / EVENTS
    stat = events.stat()
    key = (str(directory), stat.st_size, stat.st_mtime_ns)
    cached = _cache.get(directory)
    if cached is not None and cached[0] == key:
        return cached[1]
    studies = _replay_studies(RecordingReader(directory))
    _cache[directory] = (key, studies)
    return studies


def _replay_studies(reader: RecordingReader) -> dict[Uid, Study]:
    found: dict[Uid, Study] = {}
    for entry in reader.index:
        found.update(reader.snapshot(entry).state.studies)
    first = reader.snapshot(reader.index[0])
    room = Room.restore(RoomId(reader.manifest.room), first, (), log_size=16)
    for record in scan(reader.directory / EVENTS, reader.index[0].events_offset):
        stamped = stamped_or_none(record)
        if stamped is None:
            break  # the end of what is readable
        try:
            room.replay(stamped)
        except ValueError:  # a gap (events dropped): the snapshots cover what follows
            break
        found.update(room.studies)
    return found
