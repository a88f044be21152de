"""Reading a recording: events by time range, and the room state at any server time ``t``.

``state_at(t)`` is the state after every durable event stamped at or before ``t``: the last
snapshot whose time is <= ``t`` (found by bisecting the fixed-size index), then the reducer
replays the events after it (``Room.restore`` / ``Room.replay``, the live room's own code).
Every file may end in a torn record (a recording cut by ``kill -9``); readers stop before it.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgpack

from recorder.format import (
    EVENTS,
    INDEX,
    SNAPSHOTS,
    IndexEntry,
    Manifest,
    read_manifest,
    unpack_index,
)
from recorder.scan import Record, scan
from session.codec import ProtocolError, snapshot_from_message, stamped_from_message
from session.events import Stamped
from session.ids import RoomId
from session.room import Room, Snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    stamped: Stamped
    raw: bytes  # the exact bytes the room encoded
    offset: int


class RecordingReader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.manifest: Manifest = read_manifest(directory)
        self.index: list[IndexEntry] = unpack_index(_read(directory / INDEX))
        if not self.index:
            raise ValueError(f"{directory}: no snapshot (the recording never started writing)")
        self._times = [entry.at for entry in self.index]

    # --- events ---------------------------------------------------------------------------
    def events(self, offset: int = 0) -> Iterator[RecordedEvent]:
        """Every complete event from a file offset on (ephemeral ones included)."""
        for record in scan(self.directory / EVENTS, offset):
            stamped = _stamped(record)
            if stamped is None:
                return
            yield RecordedEvent(stamped, record.raw, record.start)

    def events_between(self, start: float, end: float) -> Iterator[RecordedEvent]:
        """Events with ``start <= at <= end``, starting the scan at the nearest snapshot."""
        for item in self.events(self._entry(start).events_offset):
            if item.stamped.at > end:
                return
            if item.stamped.at >= start:
                yield item

    # --- state ----------------------------------------------------------------------------
    def state_at(self, t: float) -> Snapshot:
        """The room state after every durable event stamped at or before ``t``."""
        entry = self._entry(t)
        room = Room.restore(RoomId(self.manifest.room), self.snapshot(entry), (), log_size=16)
        for record in scan(self.directory / EVENTS, entry.events_offset):
            raw = record.value
            if type(raw) is not dict or not isinstance(raw.get("at"), float | int):
                break  # not an event: the end of what is readable
            if raw["at"] > t:
                break
            if raw.get("seq") is None or raw["seq"] <= room.seq:
                continue  # ephemeral (pointer) or already in the snapshot: skip the decode
            stamped = _stamped(record)
            if stamped is None:
                break
            try:
                room.replay(stamped)
            except ValueError:  # a gap (events dropped): the next snapshot covers it
                log.warning("%s: gap before seq %s", self.directory, stamped.seq)
                break
        return room.snapshot()

    def snapshot(self, entry: IndexEntry) -> Snapshot:
        with (self.directory / SNAPSHOTS).open("rb") as source:
            source.seek(entry.snapshot_offset)
            unpacker = msgpack.Unpacker(source, raw=False, strict_map_key=False)
            return snapshot_from_message(unpacker.unpack())

    def _entry(self, t: float) -> IndexEntry:
        """The last snapshot valid at ``t`` (the first one for times before the start)."""
        position = bisect.bisect_right(self._times, t) - 1
        return self.index[max(position, 0)]

    # --- extent ---------------------------------------------------------------------------
    def last_event(self) -> RecordedEvent | None:
        """The newest complete event (scans from the last snapshot)."""
        last = None
        for last in self.events(self.index[-1].events_offset):  # noqa: B007 - keep the last
            pass
        return last


def _stamped(record: Record) -> Stamped | None:
    try:
        return stamped_from_message(record.value)
    except ProtocolError as error:
        log.warning("event at offset %d is not an event: %s", record.start, error)
        return None


stamped_or_none = _stamped  # for other readers of the events file (recorder.studies)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
