"""One recording's writer: a thread that owns its files, fed through a bounded queue.

The room's owner task only calls ``offer`` (a non-blocking ``put_nowait``): all file I/O
happens on the writer thread, so a slow or failing disk never delays the room. The thread:

- appends each event's exact bytes to ``events.msgpack`` and flushes after every batch (so a
  ``kill -9`` loses nothing the OS was given), fsyncing at most ``sync_every_s`` apart;
- keeps a shadow ``Room`` (``Room.restore`` + ``replay``: the same reducer as the live room)
  and appends a full snapshot every ``snapshot_every_events`` durable events or
  ``snapshot_every_s`` of server time, whichever comes first, for fast seeking;
- on a full queue the event is dropped and counted; the next ``offer`` first enqueues a fresh
  snapshot of the live room (``resync``), so playback is exact again from there.

A writer failure is logged, marks the manifest ``failed`` and drops later input: the room
never notices.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Final

from recorder.format import (
    EVENTS,
    INDEX,
    MEDIA_DIR,
    SNAPSHOTS,
    IndexEntry,
    Manifest,
    Status,
    Track,
    fsync_dir,
    write_manifest,
)
from session.codec import encode_snapshot
from session.events import Stamped
from session.ids import RoomId
from session.room import Room, Snapshot

log = logging.getLogger(__name__)

SHADOW_LOG: Final = 16  # the shadow room never serves resumes: keep its log tiny


@dataclass(frozen=True, slots=True)
class WriterOptions:
    queue_size: int = 50_000
    sync_every_s: float = 1.0
    snapshot_every_events: int = 500
    snapshot_every_s: float = 10.0
    idle_wait_s: float = 0.25  # how long the thread waits for input before syncing anyway


@dataclass(frozen=True, slots=True)
class _Event:
    stamped: Stamped
    message: bytes


@dataclass(frozen=True, slots=True)
class _Resync:
    snapshot: Snapshot
    at: float


@dataclass(frozen=True, slots=True)
class _Stop:
    status: Status
    ended_at: float
    reason: str


@dataclass(frozen=True, slots=True)
class _AddTrack:
    track: Track


_Item = _Event | _Resync | _Stop | _AddTrack


class RecordingWriter:
    def __init__(
        self,
        directory: Path,
        manifest: Manifest,
        first: Snapshot,
        live_snapshot: Callable[[], Snapshot],
        options: WriterOptions | None = None,
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self._options = options or WriterOptions()
        self._queue: queue.Queue[_Item] = queue.Queue(self._options.queue_size)
        self._live_snapshot = live_snapshot
        self._first = first
        self._needs_resync = False
        self._dropped = 0
        self.failed = False
        self._thread = threading.Thread(
            target=self._run, name=f"recorder:{manifest.id}", daemon=True
        )

    # --- owner-task side (never blocks) -----------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def offer(self, stamped: Stamped, message: bytes) -> None:
        if self.failed:
            return
        if self._needs_resync and self._put(_Resync(self._live_snapshot(), stamped.at)):
            self._needs_resync = False
        if not self._needs_resync and self._put(_Event(stamped, message)):
            return
        self._dropped += 1
        self._needs_resync = True

    def add_track(self, track: Track) -> None:
        """A media track joined the recording: the manifest lists it (rewritten at once)."""
        if not self._put(_AddTrack(track)):
            log.error("recording %s: queue full, track %s not listed", self.manifest.id, track.file)

    @property
    def backlog(self) -> int:
        """Items queued for the writer thread (benchmarks pace themselves on it)."""
        return self._queue.qsize()

    @property
    def needs_resync(self) -> bool:
        """Events were dropped since the last snapshot: ``finish`` needs a final one."""
        return self._needs_resync

    def finish(
        self,
        ended_at: float,
        status: Status = Status.COMPLETE,
        reason: str = "",
        final: Snapshot | None = None,
    ) -> Manifest:
        """Write what is queued (then ``final``, the live state if events were dropped) and
        finalize. Blocking: call it off the event loop; take ``final`` on it."""
        if self._thread.is_alive():
            try:
                if final is not None:
                    self._queue.put(_Resync(final, ended_at), timeout=30)
                self._queue.put(_Stop(status, ended_at, reason), timeout=30)
            except queue.Full:
                log.error("recording %s: writer stuck; left for recovery", self.manifest.id)
            self._thread.join(30)
        return self.manifest

    def _put(self, item: _Item) -> bool:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            return False
        return True

    # --- writer thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            files = _Files.open(self.directory)
        except Exception:
            log.exception("recording %s: cannot create its files", self.manifest.id)
            self.failed = True
            return
        state = _Shadow(files, self._first, self._options)
        try:
            write_manifest(self.directory, self.manifest)
            self._loop(files, state)
        except Exception:
            log.exception("recording %s failed; what was written stays readable", self.manifest.id)
            self.failed = True
            self._finish(files, state, _Stop(Status.FAILED, state.last_at, "writer error"))
        finally:
            files.close()

    def _loop(self, files: _Files, state: _Shadow) -> None:
        last_sync = time.monotonic()
        while True:
            batch = self._drain()
            stop = None
            for item in batch:
                match item:
                    case _Event():
                        state.event(item.stamped, item.message)
                        if state.stale:
                            self._needs_resync = True  # the next offer sends a snapshot
                    case _Resync():
                        state.resync(item.snapshot, item.at)
                    case _Stop():
                        stop = item
                    case _AddTrack():
                        self.manifest = replace(
                            self.manifest, tracks=(*self.manifest.tracks, item.track)
                        )
                        write_manifest(self.directory, self.manifest)
            files.flush()
            if stop is not None:
                self._finish(files, state, stop)
                return
            if time.monotonic() - last_sync >= self._options.sync_every_s:
                files.sync()
                last_sync = time.monotonic()

    def _drain(self) -> list[_Item]:
        """Everything queued; waits up to ``idle_wait_s`` for the first item."""
        try:
            batch = [self._queue.get(timeout=self._options.idle_wait_s)]
        except queue.Empty:
            return []
        while len(batch) < 10_000:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _finish(self, files: _Files, state: _Shadow, stop: _Stop) -> None:
        files.flush()
        files.sync()
        self.manifest = self.manifest.finished(
            stop.status,
            ended_at=stop.ended_at,
            last_seq=state.last_seq,
            events=state.events,
            snapshots=state.snapshots,
            dropped=self._dropped,
            reason=stop.reason,
        )
        write_manifest(self.directory, self.manifest)


class _Files:
    """The recording's append-only files (writer thread only)."""

    def __init__(self, events: BinaryIO, snapshots: BinaryIO, index: BinaryIO) -> None:
        self.events = events
        self.snapshots = snapshots
        self.index = index

    @classmethod
    def open(cls, directory: Path) -> _Files:
        (directory / MEDIA_DIR).mkdir(parents=True, exist_ok=True)
        files = cls(*((directory / name).open("ab") for name in (EVENTS, SNAPSHOTS, INDEX)))
        fsync_dir(directory)
        return files

    def flush(self) -> None:
        for out in (self.events, self.snapshots, self.index):
            out.flush()

    def sync(self) -> None:
        for out in (self.events, self.snapshots, self.index):
            os.fsync(out.fileno())

    def close(self) -> None:
        for out in (self.events, self.snapshots, self.index):
            out.close()


class _Shadow:
    """The recorder's own copy of the room, rebuilt by the reducer, and its snapshots."""

    def __init__(self, files: _Files, first: Snapshot, options: WriterOptions) -> None:
        self._files = files
        self._options = options
        self.events = 0
        self.snapshots = 0
        self.last_at = first.at
        self.last_seq = first.seq
        self._room = self._restore(first)
        self.stale = False  # the shadow missed events (a gap): it must not snapshot
        self._since = 0
        self._snapshot_at = first.at
        self._write_snapshot(first, first.at)

    def event(self, stamped: Stamped, message: bytes) -> None:
        self._files.events.write(message)
        self.events += 1
        self.last_at = max(self.last_at, stamped.at)
        if stamped.seq is None:
            return
        self.last_seq = max(self.last_seq, stamped.seq)
        if self.stale:
            return  # no snapshots from a shadow that missed events: wait for the resync
        try:
            self._room.replay(stamped)
        except ValueError:  # a gap: the event is kept, the live room's snapshot will follow
            log.warning("recorder: gap before seq %s; waiting for a resync", stamped.seq)
            self.stale = True
            return
        self._since += 1
        if self._due(stamped.at):
            self._write_snapshot(self._room.snapshot(), stamped.at)

    def resync(self, snapshot: Snapshot, at: float) -> None:
        self.stale = False
        self._room = self._restore(snapshot)
        self.last_seq = max(self.last_seq, snapshot.seq)
        self._write_snapshot(snapshot, at)

    def _due(self, at: float) -> bool:
        options = self._options
        return (
            self._since >= options.snapshot_every_events
            or at - self._snapshot_at >= options.snapshot_every_s
        )

    def _write_snapshot(self, snapshot: Snapshot, at: float) -> None:
        files = self._files
        offset = files.snapshots.tell()
        files.snapshots.write(encode_snapshot(snapshot))
        files.snapshots.flush()  # the snapshot is complete before an index entry points at it
        entry = IndexEntry(snapshot.seq, at, offset, files.events.tell())
        files.index.write(entry.pack())
        self.snapshots += 1
        self._since = 0
        self._snapshot_at = at

    @staticmethod
    def _restore(snapshot: Snapshot) -> Room:
        room_id = RoomId(snapshot.state.room_id)
        return Room.restore(room_id, snapshot, (), log_size=SHADOW_LOG)
