"""Teaching copies: a recording re-written against de-identified studies, without names.

The copy is itself a recording (same format, so the same player plays it), packed as one
uncompressed ``.tar``. Every event and the first snapshot go through a ``Scrubber``:

- participant ids become ``p1``, ``p2``, ... (in order of appearance) and names ``Participant
  N`` — in events, in the state (participants, driver, control queue, annotation and chat
  authors) and in the media file names and manifest;
- every real name or id that appears in chat or annotation text is replaced by its alias;
- study/series/SOP UIDs are mapped with ``remap(study_uid, uid)`` — the cases store's
  de-identification mapping, so the copy points at the de-identified copy of each study;
- the room id and title become ``teaching`` / ``Teaching copy``.

The studies' de-identification report (which instances had burned-in text redacted, which
were held back) is written into the package as ``deidentification.json``.

Snapshots are not copied: the writer rebuilds them from the scrubbed stream. Media files are
copied as they are (voices and faces are not anonymized: say so to whoever shares the copy).
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Final

from recorder.format import MEDIA_DIR, Manifest, Status, Track, new_recording_id, write_manifest
from recorder.reader import RecordingReader
from recorder.writer import RecordingWriter, WriterOptions
from session.codec import encode_stamped
from session.events import ParticipantJoined, Stamped, StudyAttached
from session.ids import ParticipantId, RoomId, Uid
from session.model import ImageRef, Study
from session.room import Snapshot
from session.state import Participant, RoomState

Remap = Callable[[str, str], str]  # (original study UID, UID in it) -> de-identified UID

ROOM: Final = "teaching"
TITLE: Final = "Teaching copy"
REPORT: Final = "deidentification.json"
_ID_FIELDS: Final = frozenset({"participant", "author", "driver", "by", "to"})


class Scrubber:
    def __init__(self, remap: Remap, names: dict[str, str]) -> None:
        self._remap = remap
        self._ids: dict[str, ParticipantId] = {}
        self._names = names  # participant id -> real name
        self._texts: list[tuple[str, str]] = []  # (real, alias), longest first

    def learn(self, participant: str, name: str) -> None:
        self._names.setdefault(participant, name)

    def seal(self) -> None:
        """Fix the aliases once every participant is known (before scrubbing texts)."""
        for participant in self._names:
            self.pid(participant)
        pairs = [(name, self.alias(p)) for p, name in self._names.items()]
        pairs += [(p, self.alias(p)) for p in self._names]
        self._texts = sorted({(r, a) for r, a in pairs if len(r) >= 2}, key=lambda x: -len(x[0]))

    def pid(self, participant: str) -> ParticipantId:
        if participant not in self._ids:
            self._ids[participant] = ParticipantId(f"p{len(self._ids) + 1}")
        return self._ids[participant]

    def alias(self, participant: str) -> str:
        return f"Participant {self.pid(participant)[1:]}"

    def text(self, text: str) -> str:
        for real, alias in self._texts:
            text = text.replace(real, alias)
        return text

    # --- values ---------------------------------------------------------------------------
    def stamped(self, stamped: Stamped) -> Stamped:
        by = None if stamped.by is None else self.pid(stamped.by)
        return replace(stamped, by=by, event=self.walk(stamped.event))

    def state(self, state: RoomState) -> RoomState:
        return replace(
            state,
            room_id=RoomId(ROOM),
            title=TITLE,
            viewports=[self.walk(v) for v in state.viewports],
            participants={self.pid(k): self.walk(v) for k, v in state.participants.items()},
            driver=None if state.driver is None else self.pid(state.driver),
            control_requests=tuple(self.pid(p) for p in state.control_requests),
            annotations={k: self.walk(v) for k, v in state.annotations.items()},
            studies={self.uid(k, k): self.walk(v) for k, v in state.studies.items()},
            chat=[self.walk(m) for m in state.chat],
        )

    def uid(self, study: str, uid: str) -> Uid:
        return Uid(self._remap(study, uid))

    def walk(self, value: Any) -> Any:
        match value:
            case ImageRef(study=study, series=series, sop=sop):
                return replace(
                    value,
                    study=self.uid(study, study),
                    series=self.uid(study, series),
                    sop=self.uid(study, sop),
                )
            case Study(uid=uid, series=series):
                series_uids = tuple(self.uid(uid, s) for s in series)
                return replace(value, uid=self.uid(uid, uid), series=series_uids, description="")
            case Participant(id=pid):
                return replace(value, id=self.pid(pid), name=self.alias(pid))
            case ParticipantJoined(participant=pid):
                return replace(value, participant=self.pid(pid), name=self.alias(pid))
        if is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self._field(value, f.name) for f in fields(value)}
            return replace(value, **changes)
        return value

    def _field(self, owner: Any, name: str) -> Any:
        value = getattr(owner, name)
        if value is None:
            return None
        if name in _ID_FIELDS and isinstance(value, str):
            return self.pid(value)
        if name == "text" and isinstance(value, str):
            return self.text(value)
        if name == "uid" and isinstance(value, str):  # StudyDetached
            return self.uid(value, value)
        return self.walk(value)


def scrubber_for(reader: RecordingReader, remap: Remap) -> tuple[Scrubber, Snapshot]:
    first = reader.snapshot(reader.index[0])
    scrub = Scrubber(remap, {p.id: p.name for p in first.state.participants.values()})
    for item in reader.events():
        if isinstance(item.stamped.event, ParticipantJoined):
            scrub.learn(item.stamped.event.participant, item.stamped.event.name)
    scrub.seal()
    return scrub, replace(first, state=scrub.state(first.state))


def studies_of(reader: RecordingReader) -> list[str]:
    """Every study the recording shows: attached at the start or later."""
    found = dict.fromkeys(reader.snapshot(reader.index[0]).state.studies)
    for item in reader.events():
        if isinstance(item.stamped.event, StudyAttached):
            found[item.stamped.event.study.uid] = None
    return list(found)


def export_teaching_copy(
    source: Path, out_dir: Path, remap: Remap, report: dict[str, object] | None = None
) -> Path:
    """Write ``<out_dir>/<copy id>.tar`` and return its path (blocking: run off the loop).
    ``report`` (what the studies' de-identification redacted and held back) goes into the
    package as ``REPORT``."""
    reader = RecordingReader(source)
    scrub, first = scrubber_for(reader, remap)
    original = reader.manifest
    copy_id = new_recording_id(ROOM, original.started_at)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        directory = Path(tmp) / copy_id
        manifest = Manifest(copy_id, ROOM, TITLE, Status.RECORDING, original.started_at, first.seq)
        writer = RecordingWriter(directory, manifest, first, lambda: first, WriterOptions(0))
        writer.start()
        for item in reader.events():
            stamped = scrub.stamped(item.stamped)
            writer.offer(stamped, encode_stamped(stamped))
        done = writer.finish(original.ended_at or original.started_at, reason="teaching copy")
        tracks = _copy_media(source, directory, original.tracks, scrub)
        write_manifest(directory, replace(done, tracks=tracks))
        if report is not None:
            (directory / REPORT).write_text(json.dumps(report, indent=1), encoding="utf-8")
        package = out_dir / f"{copy_id}.tar"
        with tarfile.open(package, "w") as tar:
            tar.add(directory, arcname=copy_id)
    return package


def _copy_media(
    source: Path, target: Path, tracks: tuple[Track, ...], scrub: Scrubber
) -> tuple[Track, ...]:
    copied = []
    for n, track in enumerate(tracks):
        name = f"{MEDIA_DIR}/{scrub.pid(track.participant)}-{track.kind}-{n}.webm"
        (target / MEDIA_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / track.file, target / name)
        copied.append(replace(track, file=name, participant=scrub.pid(track.participant)))
    return tuple(copied)
