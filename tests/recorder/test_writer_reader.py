"""The writer and reader over real files, fed by the pure room core (no server)."""

from __future__ import annotations

import time
from pathlib import Path

from rec_scripted import START, Scripted, Step

from recorder.format import (
    EVENTS,
    INDEX,
    SNAPSHOTS,
    Manifest,
    Status,
    read_manifest,
    write_manifest,
)
from recorder.reader import RecordingReader
from recorder.recovery import recover_all
from recorder.writer import RecordingWriter, WriterOptions
from session.codec import encode_stamped


def record(tmp_path: Path, steps: list[Step], options: WriterOptions) -> RecordingReader:
    """Start at the opening's last event (SetRecording), feed everything after it."""
    opening, rest = steps[:4], steps[4:]
    first = opening[-1].state
    directory = tmp_path / "rec"
    manifest = Manifest("rec-x", "rec", "t", Status.RECORDING, opening[-1].stamped.at, first.seq)
    writer = RecordingWriter(directory, manifest, first, lambda: first, options)
    writer.start()
    writer.offer(opening[-1].stamped, opening[-1].message)
    for step in rest:
        writer.offer(step.stamped, step.message)
    done = writer.finish(rest[-1].stamped.at)
    assert done.status is Status.COMPLETE
    return RecordingReader(directory)


def settled(steps: list[Step]) -> list[Step]:
    """Steps after which the live state is exactly 'everything stamped <= at'."""
    out = []
    for step, following in zip(steps, [*steps[1:], None], strict=True):
        later = following is None or following.stamped.at > step.stamped.at
        if step.stamped.seq == step.state.seq and later:
            out.append(step)
    return out


def test_state_at_matches_live_state_for_every_event(tmp_path: Path) -> None:
    script = Scripted(seed=7)
    steps = script.opening() + list(script.run(1000))
    reader = record(tmp_path, steps, WriterOptions(snapshot_every_events=50))
    assert len(reader.index) > 10, "snapshots were taken along the way"
    checked = 0
    for step in settled(steps[3:])[::3]:
        assert reader.state_at(step.stamped.at).state == step.state.state, step.stamped
        assert reader.state_at(step.stamped.at).seq == step.state.seq
        checked += 1
    assert checked > 100


def test_events_are_the_exact_bytes_in_order(tmp_path: Path) -> None:
    script = Scripted(seed=3)
    steps = script.opening() + list(script.run(300))
    reader = record(tmp_path, steps, WriterOptions(snapshot_every_events=40))
    raw = [e.raw for e in reader.events()]
    assert raw == [s.message for s in steps[3:]]
    assert (tmp_path / "rec" / EVENTS).read_bytes() == b"".join(raw)
    manifest = read_manifest(tmp_path / "rec")
    assert manifest.events == len(raw)
    assert manifest.last_seq == max(s.stamped.seq or 0 for s in steps)


def test_events_between_uses_the_index_and_filters(tmp_path: Path) -> None:
    script = Scripted(seed=5)
    steps = script.opening() + list(script.run(600))
    reader = record(tmp_path, steps, WriterOptions(snapshot_every_events=25))
    lo, hi = START + 60, START + 200
    got = [e.raw for e in reader.events_between(lo, hi)]
    assert got == [s.message for s in steps[3:] if lo <= s.stamped.at <= hi]
    assert got


def test_before_start_is_the_first_snapshot(tmp_path: Path) -> None:
    script = Scripted(seed=2)
    steps = script.opening() + list(script.run(50))
    reader = record(tmp_path, steps, WriterOptions())
    assert reader.state_at(START - 100).state == steps[3].state.state


def test_torn_tails_are_ignored(tmp_path: Path) -> None:
    script = Scripted(seed=9)
    steps = script.opening() + list(script.run(200))
    reader = record(tmp_path, steps, WriterOptions(snapshot_every_events=30))
    events = tmp_path / "rec" / EVENTS
    whole = events.read_bytes()
    last = encode_stamped(steps[-1].stamped)
    events.write_bytes(whole[: len(whole) - len(last) // 2])  # half of the last record
    entries = len(reader.index)
    with (tmp_path / "rec" / INDEX).open("ab") as index:
        index.write(b"\x01\x02\x03")  # a torn index entry
    reader = RecordingReader(tmp_path / "rec")
    assert [e.raw for e in reader.events()] == [s.message for s in steps[3:-1]]
    assert len(reader.index) == entries


def test_full_queue_drops_then_resyncs_from_the_live_room(tmp_path: Path) -> None:
    script = Scripted(seed=11)
    opening = script.opening()
    first = opening[-1].state
    manifest = Manifest("rec-y", "rec", "t", Status.RECORDING, START, first.seq)
    steps = list(script.run(400))
    options = WriterOptions(queue_size=20, snapshot_every_events=1000)
    writer = RecordingWriter(tmp_path / "r", manifest, first, script.room.snapshot, options)
    for step in steps:  # the thread is not started yet: the queue fills up
        writer.offer(step.stamped, step.message)
    writer.start()
    more = list(script.run(50))
    for step in more[:25]:
        writer.offer(step.stamped, step.message)
    done = writer.finish(more[-1].stamped.at, final=script.room.snapshot())
    assert done.dropped >= len(steps) - 20
    reader = RecordingReader(tmp_path / "r")
    assert reader.state_at(more[-1].stamped.at).state == script.room.snapshot().state


def test_recovery_cuts_torn_tails_and_finalizes(tmp_path: Path) -> None:
    script = Scripted(seed=13)
    steps = script.opening() + list(script.run(200))
    opening, rest = steps[:4], steps[4:]
    first = opening[-1].state
    directory = tmp_path / "rec"
    manifest = Manifest("rec-z", "rec", "t", Status.RECORDING, opening[-1].stamped.at, first.seq)
    writer = RecordingWriter(
        directory, manifest, first, lambda: first, WriterOptions(snapshot_every_events=20)
    )
    writer.start()
    for step in rest:
        writer.offer(step.stamped, step.message)
    writer.finish(rest[-1].stamped.at)
    write_manifest(directory, manifest)  # as if the process died before finalizing
    with (directory / EVENTS).open("ab") as events:
        events.write(rest[-1].message[:7])  # a torn record
    with (directory / SNAPSHOTS).open("ab") as snapshots:
        snapshots.write(b"\x84\xa4ty")
    [recovered] = recover_all(tmp_path)
    assert recovered.status is Status.RECOVERED
    assert recovered.ended_at == rest[-1].stamped.at
    assert recovered.events == len(rest)
    assert (directory / EVENTS).read_bytes() == b"".join(s.message for s in rest)
    reader = RecordingReader(directory)
    assert reader.state_at(rest[-1].stamped.at).state == script.room.snapshot().state
    assert recover_all(tmp_path) == [], "a finalized recording is left alone"


def test_recovery_of_a_recording_that_wrote_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    directory.mkdir()
    write_manifest(directory, Manifest("rec-e", "rec", "t", Status.RECORDING, START, 1))
    [recovered] = recover_all(tmp_path)
    assert recovered.status is Status.FAILED
    assert read_manifest(directory).status is Status.FAILED


def test_a_gap_in_the_stream_is_survived_and_resynced(tmp_path: Path) -> None:
    script = Scripted(seed=17)
    opening = script.opening()
    first = opening[-1].state
    manifest = Manifest("rec-g", "rec", "t", Status.RECORDING, START, first.seq)
    writer = RecordingWriter(tmp_path / "g", manifest, first, script.room.snapshot)
    writer.start()
    steps = [s for s in script.run(120) if s.stamped.seq is not None]
    for step in steps[:40] + steps[41:80]:  # event 40 never arrives
        writer.offer(step.stamped, step.message)
    while writer.backlog or not writer.needs_resync:  # the thread notices the gap
        time.sleep(0.01)
    for step in steps[80:]:
        writer.offer(step.stamped, step.message)
    done = writer.finish(steps[-1].stamped.at)
    assert done.status is Status.COMPLETE and not writer.failed
    reader = RecordingReader(tmp_path / "g")
    assert reader.state_at(steps[-1].stamped.at).state == script.room.snapshot().state
    for step in settled(steps[:40]):  # before the gap: exact, as everywhere
        assert reader.state_at(step.stamped.at).state == step.state.state
