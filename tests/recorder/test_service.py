"""The service on a real room host (no HTTP): start/stop cycles, failures stay isolated."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from recorder.format import RECORDINGS_DIR, Status, read_manifest
from recorder.reader import RecordingReader
from server.metrics import Metrics
from server.recording.service import RecorderService
from server.roomhost import LocalRoom
from session.commands import AttachStudy, CloseRoom, SetRecording
from session.ids import RoomId, Uid
from session.room import Room


async def started_host(name: str) -> LocalRoom:
    host = LocalRoom(Room(RoomId(name), title="T", now=1.0), Metrics(), coalesce_s=0)
    host.start()
    return host


async def test_each_start_stop_is_one_complete_recording(tmp_path: Path) -> None:
    host = await started_host("cycles")
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    for n in range(2):
        await host.system(SetRecording(True))
        await host.system(AttachStudy(Uid(f"1.2.{n}")))
        await host.system(SetRecording(False))
        await host.system(AttachStudy(Uid(f"1.3.{n}")))  # not recorded
    await service.finished()
    directories = sorted((tmp_path / RECORDINGS_DIR).iterdir())
    assert len(directories) == 2
    for n, directory in enumerate(sorted(directories, key=lambda d: read_manifest(d).first_seq)):
        manifest = read_manifest(directory)
        assert manifest.status is Status.COMPLETE and manifest.reason == "stopped"
        kinds = [type(e.stamped.event).__name__ for e in RecordingReader(directory).events()]
        assert kinds == ["RecordingChanged", "StudyAttached", "RecordingChanged"]
        final = RecordingReader(directory).state_at(manifest.ended_at or 0).state
        assert Uid(f"1.2.{n}") in final.studies and Uid(f"1.3.{n}") not in final.studies
    await host.stop()


async def test_attaching_to_a_recording_room_records_from_then(tmp_path: Path) -> None:
    host = await started_host("late")
    await host.system(SetRecording(True))
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    await host.system(CloseRoom("done"))  # recording_changed false, then room_closed
    await service.finished()
    [directory] = (tmp_path / RECORDINGS_DIR).iterdir()
    manifest = read_manifest(directory)
    assert manifest.status is Status.COMPLETE and manifest.first_seq == 1
    await host.stop()


async def test_a_failing_recorder_never_harms_the_room(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the recordings directory should be")
    host = await started_host("robust")
    service = RecorderService(blocked)
    service.attach(host)
    with caplog.at_level(logging.ERROR):
        outcome = await host.system(SetRecording(True))
        assert outcome.accepted
        for n in range(5):
            assert (await host.system(AttachStudy(Uid(f"1.9.{n}")))).accepted
        assert (await host.system(SetRecording(False))).accepted
        await service.finished()
    assert host.room.snapshot().state.studies.keys() == {Uid(f"1.9.{n}") for n in range(5)}
    assert any("cannot create its files" in r.message for r in caplog.records)
    await host.stop()


async def test_shutdown_finalizes_open_recordings(tmp_path: Path) -> None:
    host = await started_host("shutdown")
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    await host.system(SetRecording(True))
    await service.close()
    [directory] = (tmp_path / RECORDINGS_DIR).iterdir()
    manifest = read_manifest(directory)
    assert manifest.status is Status.COMPLETE and manifest.reason == "server shutdown"
    await host.stop()
