"""The recorder service: watches every room like any subscriber and records on demand.

It attaches to every room the registry hosts (``RoomRegistry.on_host``: existing rooms at
once, new ones before any client joins; attaching is synchronous on the event loop, so no
event can slip between the snapshot taken and the observer added). A recording starts on
the room's own ``RecordingChanged(True)`` (or at attach, if the room is already recording)
and stops on ``RecordingChanged(False)``; ``RoomClosed`` is always preceded by the latter.

Everything here runs on the event loop and is quick; files are the writers' business
(``recorder.writer``). Any exception in the observer is caught by the room host and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from recorder.format import MEDIA_DIR, RECORDINGS_DIR, Manifest, Status, Track, new_recording_id
from recorder.media import TrackWriter, vp8_keyframe_size
from recorder.recovery import recover_all
from recorder.retention import purge
from recorder.studies import room_recorded_studies
from recorder.writer import RecordingWriter, WriterOptions
from server.appstate import AppState
from server.roomhost import LocalRoom
from session.events import RecordingChanged, Stamped
from session.ids import ParticipantId, RoomId
from session.room import Snapshot

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0  # how often deleted recordings past their retention are purged


class RecorderService:
    def __init__(self, root: Path, options: WriterOptions | None = None) -> None:
        self.root = root
        self._options = options
        self._attached: dict[RoomId, LocalRoom] = {}
        self._observers: dict[RoomId, Callable[[Stamped, bytes], None]] = {}
        self.active: dict[RoomId, RecordingWriter] = {}
        self._finishing: set[asyncio.Task[Manifest]] = set()
        self._tracks: dict[RoomId, dict[str, TrackWriter]] = {}
        self._on_finished: list[Callable[[Manifest], None]] = []

    # --- lifecycle --------------------------------------------------------------------------
    async def recover(self) -> list[Manifest]:
        """Finalize recordings a previous process left open (before any room runs)."""
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        return await asyncio.to_thread(recover_all, self.root)

    async def close(self) -> None:
        """Server shutdown: finalize every open recording as complete."""
        for room_id in list(self.active):
            self._stop(room_id, time.time(), "server shutdown")
        for host in self._attached.values():
            host.remove_observer(self._observers.get(host.room.id, _noop))
        await asyncio.gather(*self._finishing, return_exceptions=True)

    def on_finished(self, callback: Callable[[Manifest], None]) -> None:
        """Call ``callback`` with the final manifest of every recording finished from now on
        (on the event loop; the webhooks announce ``recording_finished`` with it)."""
        self._on_finished.append(callback)

    # --- observing --------------------------------------------------------------------------
    def attach(self, host: LocalRoom) -> None:
        room_id = host.room.id
        self._attached[room_id] = host
        observer = self._observer(host)
        self._observers[room_id] = observer
        host.add_observer(observer)
        snap = host.room.snapshot()
        if snap.state.recording and not snap.state.closed:
            self._start(host, snap, snap.at)  # it started before we looked: record from now

    def _observer(self, host: LocalRoom) -> Callable[[Stamped, bytes], None]:
        room_id = host.room.id

        def observe(stamped: Stamped, message: bytes) -> None:
            event = stamped.event
            if isinstance(event, RecordingChanged) and event.recording:
                self._start(host, host.room.snapshot(), stamped.at)
            writer = self.active.get(room_id)
            if writer is not None:
                writer.offer(stamped, message)
            if isinstance(event, RecordingChanged) and not event.recording:
                self._stop(room_id, stamped.at, "stopped")

        return observe

    def _start(self, host: LocalRoom, snap: Snapshot, at: float) -> None:
        room_id = host.room.id
        if room_id in self.active:
            return
        recording_id = new_recording_id(room_id, at)
        manifest = Manifest(
            id=recording_id,
            room=room_id,
            title=snap.state.title,
            status=Status.RECORDING,
            started_at=at,
            first_seq=snap.seq,
        )
        writer = RecordingWriter(
            self.root / recording_id, manifest, snap, host.room.snapshot, self._options
        )
        self.active[room_id] = writer
        writer.start()
        log.info("room %s: recording %s started", room_id, recording_id)

    def _stop(self, room_id: RoomId, at: float, reason: str) -> None:
        writer = self.active.pop(room_id, None)
        if writer is None:
            return
        host = self._attached[room_id]
        final = host.room.snapshot() if writer.needs_resync else None
        tracks = list(self._tracks.pop(room_id, {}).values())
        task = asyncio.create_task(asyncio.to_thread(_finish, writer, tracks, at, reason, final))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)
        task.add_done_callback(self._announce)

    def _announce(self, task: asyncio.Task[Manifest]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        for callback in self._on_finished:
            try:
                callback(task.result())
            except Exception:  # a listener's bug must not reach the recorder
                log.exception("on_finished callback %r failed", callback)

    # --- media (the SFU's seam) -------------------------------------------------------------
    def on_frame(  # noqa: PLR0917 - the SFU's forwarder has exactly these values at hand
        self,
        room_id: RoomId,
        participant: ParticipantId,
        track_id: str,
        data: bytes,
        timestamp: int,
        mime_type: str,
    ) -> bool:
        """One received encoded frame of a published track (call on the event loop).

        Returns True when the recorder wants a keyframe for this track (it starts video
        files on one): the SFU should then ask the publisher, as for a new subscriber.
        """
        writer = self.active.get(room_id)
        if writer is None or not TrackWriter.supports(mime_type):
            return False
        tracks = self._tracks.setdefault(room_id, {})
        track = tracks.get(track_id)
        if track is None:
            if mime_type.lower().startswith("video/") and vp8_keyframe_size(data) is None:
                return True
            track = tracks[track_id] = self._open_track(writer, participant, len(tracks), mime_type)
        track.offer(data, timestamp)
        return False

    def _open_track(
        self, writer: RecordingWriter, participant: ParticipantId, n: int, mime_type: str
    ) -> TrackWriter:
        kind, _, codec = mime_type.lower().partition("/")
        name = f"{participant}-{kind}-{n}.webm"
        track = Track(f"{MEDIA_DIR}/{name}", kind, codec, participant, time.time())
        muxer = TrackWriter(writer.directory / MEDIA_DIR / name, track, mime_type)
        muxer.start()
        writer.add_track(track)
        return muxer

    # --- queries ----------------------------------------------------------------------------
    def is_active(self, recording_id: str) -> bool:
        return any(w.manifest.id == recording_id for w in self.active.values())

    async def finished(self) -> None:
        """Wait until every stopped recording is finalized (tests, shutdown)."""
        await asyncio.gather(*self._finishing, return_exceptions=True)


def _finish(
    writer: RecordingWriter,
    tracks: list[TrackWriter],
    at: float,
    reason: str,
    final: Snapshot | None,
) -> Manifest:
    for track in tracks:
        track.close()
    return writer.finish(at, Status.COMPLETE, reason, final)


def _noop(stamped: Stamped, message: bytes) -> None:
    return None


@contextlib.asynccontextmanager
async def recorder_lifespan(state: AppState) -> AsyncIterator[None]:
    """The lifespan hook: recover, then observe every room until shutdown."""
    service = RecorderService(state.settings.data_dir / RECORDINGS_DIR)
    await service.recover()
    state.recorder = service
    if state.webhooks is not None:  # its hook runs first, so it outlives every recording
        service.on_finished(state.webhooks.on_recording)
    root = state.settings.data_dir / RECORDINGS_DIR
    state.recorded_studies = functools.partial(room_recorded_studies, root)
    state.rooms.on_host(service.attach)
    purging = asyncio.create_task(_purge_periodically(root, state.settings.recording_retention_s))
    try:
        yield
    finally:
        purging.cancel()
        await asyncio.gather(purging, return_exceptions=True)
        await service.close()


async def _purge_periodically(root: Path, retention_s: float) -> None:
    """Purge deleted recordings past their retention: at start, then every PURGE_EVERY_S."""
    while True:
        try:
            purged = await asyncio.to_thread(purge, root, time.time(), retention_s)
            if purged:
                log.info("purged %d deleted recording(s): %s", len(purged), ", ".join(purged))
        except Exception:  # a purge failing must not take the recorder down
            log.exception("purging deleted recordings failed")
        await asyncio.sleep(PURGE_EVERY_S)
