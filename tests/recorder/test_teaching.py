"""Teaching copies: de-identified UIDs, no names, and the same playback under the mapping."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from rec_scripted import DOC, HOST, Scripted
from test_writer_reader import record

from recorder.reader import RecordingReader
from recorder.teaching import REPORT, export_teaching_copy, scrubber_for, studies_of
from recorder.writer import WriterOptions
from server.cases.deid import uid_mapper
from session.commands import PostChat

SECRET = b"teaching-secret-0123456789abcdef"


def remap(study: str, uid: str) -> str:
    return uid_mapper(SECRET, study)(uid)


def test_teaching_copy_has_no_names_and_plays_the_same(tmp_path: Path) -> None:
    script = Scripted(seed=21)
    steps = script.opening() + list(script.run(150))
    steps += script.apply(DOC, PostChat("host, is this the nodule you meant?"))
    steps += list(script.run(50))
    source = record(tmp_path, steps, WriterOptions(snapshot_every_events=30))
    out = tmp_path / "out"
    out.mkdir()
    package = export_teaching_copy(source.directory, out, remap)

    with tarfile.open(package) as tar:
        tar.extractall(out, filter="data")
    [copy_dir] = [p for p in out.iterdir() if p.is_dir()]
    copy = RecordingReader(copy_dir)
    assert copy.manifest.title == "Teaching copy" and copy.manifest.room == "teaching"
    raw = b"".join(e.raw for e in copy.events())
    assert b"host" not in raw and b"doc" not in raw, "names and ids are gone"
    assert b"1.2.3.4." not in raw, "original UIDs are gone"
    assert b"Participant 1, is this the nodule" in raw
    assert remap("1.2.3", "1.2.3").encode() in raw, "the de-identified study's UIDs"

    scrub, _ = scrubber_for(source, remap)
    for step in steps[10::17]:
        t = step.stamped.at
        assert copy.state_at(t).state == scrub.state(source.state_at(t).state)
    names = {p.name for p in copy.state_at(steps[-1].stamped.at).state.participants.values()}
    assert names == {"Participant 1", "Participant 2"}
    assert {HOST, DOC}.isdisjoint(copy.state_at(steps[-1].stamped.at).state.participants)


def test_studies_of_lists_attached_studies(tmp_path: Path) -> None:
    script = Scripted(seed=1)
    steps = script.opening() + list(script.run(20))
    assert studies_of(record(tmp_path, steps, WriterOptions())) == []


def test_the_export_report_is_in_the_package(tmp_path: Path) -> None:
    script = Scripted(seed=3)
    source = record(tmp_path, script.opening() + list(script.run(10)), WriterOptions())
    out = tmp_path / "out"
    out.mkdir()
    report = {"studies": [{"study": "2.25.1", "redacted": [{"sop": "1.2"}], "held_back": []}]}
    package = export_teaching_copy(source.directory, out, remap, report)
    with tarfile.open(package) as tar:
        (member,) = [m for m in tar.getmembers() if m.name.endswith("/" + REPORT)]
        extracted = tar.extractfile(member)
        assert extracted is not None and json.loads(extracted.read()) == report
