"""Seek time in a synthetic 60-minute recording with a busy event stream.

A pure ``Room`` plays a busy consultation (the driver scrolls, windows, zooms, measures; two
pointers at 30 Hz; chat), every event goes through the real ``RecordingWriter`` into real
files; then ``RecordingReader.state_at(t)`` (open the recording, bisect the index, read one
snapshot, replay up to the snapshot interval) is timed for random ``t``.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from recorder.format import EVENTS, SNAPSHOTS, Manifest, Status
from recorder.reader import RecordingReader
from recorder.writer import RecordingWriter, WriterOptions
from session.codec import encode_stamped
from session.commands import (
    Command,
    CreateAnnotation,
    MovePointer,
    PostChat,
    SetImage,
    SetPresentation,
    SetRecording,
    SetVoi,
    TakeControl,
)
from session.events import Stamped
from session.grants import Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef, Presentation, Voi
from session.room import Room

START = 1_800_000_000.0
HOST, DOC = ParticipantId("host"), ParticipantId("doc")


@dataclass(frozen=True)
class SeekResult:
    minutes: float
    events: int
    durable: int
    events_mb: float
    snapshots_mb: float
    write_cpu_s: float  # recorder CPU (offer + writer thread) for the whole recording
    p50_ms: float
    p95_ms: float
    max_ms: float
    seeks: int


def image(i: int) -> ImageRef:
    return ImageRef(Uid("1.2.840.1"), Uid(f"1.2.840.1.{i // 200}"), Uid(f"1.2.840.1.9.{i}"))


def busy_commands(rng: random.Random, tick: int) -> list[tuple[ParticipantId, Command]]:
    """One 1/30 s tick: pointers every tick, view changes ~10/s, a measurement every ~20 s."""
    out: list[tuple[ParticipantId, Command]] = [
        (HOST, MovePointer(0, (rng.uniform(0, 512), rng.uniform(0, 512)))),
        (DOC, MovePointer(0, (rng.uniform(0, 512), rng.uniform(0, 512)))),
    ]
    if tick % 3 == 0:
        choice = rng.randrange(3)
        if choice == 0:
            out.append((HOST, SetImage(0, image(rng.randrange(600)))))
        elif choice == 1:
            out.append((HOST, SetVoi(0, Voi(rng.uniform(-600, 80), rng.uniform(80, 2000)))))
        else:
            out.append((HOST, SetPresentation(0, Presentation(zoom=rng.uniform(0.5, 4)))))
    if tick % 600 == 0:
        points = ((rng.uniform(0, 511), 10.0), (20.0, rng.uniform(0, 511)))
        annotation = CreateAnnotation(
            AnnotationId(f"m{tick}"), AnnotationKind.LENGTH, image(1), points
        )
        out.append((HOST, annotation))
    if tick % 900 == 0:
        out.append((DOC, PostChat(f"what is this at slice {tick // 30}?")))
    return out


def generate(minutes: float, seed: int = 1) -> tuple[Room, list[tuple[Stamped, bytes]]]:
    """The busy session's events, encoded once (as the room host does), before any timing."""
    rng = random.Random(seed)
    room = Room(RoomId("bench"), title="Busy", now=START)
    room.join(HOST, "Host", Role.HOST, None, START)
    room.join(DOC, "Doc", Role.HOST, None, START)
    room.handle(HOST, TakeControl(), START)
    started = room.handle(HOST, SetRecording(True), START).events[0]
    first = room.snapshot()
    stream = [(started, encode_stamped(started))]
    for tick in range(int(minutes * 60 * 30)):
        now = START + tick / 30
        for sender, command in busy_commands(rng, tick):
            stream += [(s, encode_stamped(s)) for s in room.handle(sender, command, now).events]
    return Room.restore(RoomId("bench"), first, ()), stream


def write_recording(directory: Path, minutes: float, seed: int = 1) -> tuple[int, int, float]:
    """Feed the stream through a real writer; returns events, durable events, CPU seconds."""
    start_room, stream = generate(minutes, seed)
    first = start_room.snapshot()
    manifest = Manifest("bench", "bench", "Busy", Status.RECORDING, START, first.seq)
    writer = RecordingWriter(directory, manifest, first, lambda: first, WriterOptions())
    cpu = time.process_time()
    writer.start()
    for n, (stamped, message) in enumerate(stream):
        writer.offer(stamped, message)
        while n % 1000 == 0 and writer.backlog > 5000:
            time.sleep(0.01)  # a live room is far slower: never let the queue fill up
    done = writer.finish(START + minutes * 60)
    cpu = time.process_time() - cpu
    assert done.dropped == 0, f"the writer dropped {done.dropped} events"
    durable = sum(1 for stamped, _ in stream if stamped.seq is not None)
    return len(stream), durable, cpu


def measure_seek(minutes: float = 60.0, seeks: int = 200) -> SeekResult:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "rec"
        events, durable, write_cpu = write_recording(directory, minutes)
        rng = random.Random(2)
        times = []
        for _ in range(seeks):
            t = START + rng.uniform(0, minutes * 60)
            began = time.perf_counter()
            RecordingReader(directory).state_at(t)
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        return SeekResult(
            minutes=minutes,
            events=events,
            durable=durable,
            events_mb=(directory / EVENTS).stat().st_size / 1e6,
            snapshots_mb=(directory / SNAPSHOTS).stat().st_size / 1e6,
            write_cpu_s=write_cpu,
            p50_ms=statistics.median(times),
            p95_ms=times[int(len(times) * 0.95) - 1],
            max_ms=times[-1],
            seeks=seeks,
        )


if __name__ == "__main__":
    print(measure_seek(minutes=2.0, seeks=20))
