"""The tolerant record scanner (any cut, any garbage) and chapter detection."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rec_scripted import DOC, HOST, Scripted, image

from recorder.chapters import ChapterKind, chapters
from recorder.scan import last_complete_end, scan
from session.commands import AttachStudy, GrantControl, PostChat, SetImage
from session.ids import Uid
from session.model import ImageRef

SCRIPT = Scripted(seed=31)
STEPS = SCRIPT.opening() + list(SCRIPT.run(60))
WHOLE = b"".join(s.message for s in STEPS)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(0, len(WHOLE)))
def test_any_cut_reads_a_prefix_of_the_records(tmp_path_factory: object, cut: int) -> None:
    path = Path(tmp_path_factory.mktemp("cut")) / "events.msgpack"  # type: ignore[attr-defined]
    path.write_bytes(WHOLE[:cut])
    raws = [r.raw for r in scan(path)]
    assert raws == [s.message for s in STEPS[: len(raws)]]
    assert sum(map(len, raws)) == last_complete_end(path) <= cut
    assert cut - last_complete_end(path) < max(len(s.message) for s in STEPS)


@settings(max_examples=60, deadline=None)
@given(garbage=st.binary(max_size=300))
def test_garbage_after_good_records_never_raises(tmp_path_factory: object, garbage: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("junk")) / "events.msgpack"  # type: ignore[attr-defined]
    path.write_bytes(WHOLE + garbage)
    raws = [r.raw for r in scan(path)]
    assert raws[: len(STEPS)] == [s.message for s in STEPS]


def test_chapters_from_events() -> None:
    script = Scripted(seed=2)
    script.opening()
    study = Uid("1.2.3")
    steps = script.apply(None, AttachStudy(study, "CT chest"))
    steps += script.apply(HOST, SetImage(0, image(1)))
    steps += script.apply(HOST, SetImage(0, image(2)))  # same series: no new chapter
    other = ImageRef(study, Uid("1.2.3.9"), Uid("1.2.3.9.1"))
    steps += script.apply(HOST, SetImage(0, other))
    steps += script.apply(HOST, GrantControl(DOC))
    steps += script.apply(DOC, PostChat("Is that a nodule\uff1f"))
    steps += script.apply(DOC, PostChat("thanks"))
    found = chapters((s.stamped for s in steps), {"doc": "Dr Li"})
    assert [(c.kind, c.label) for c in found] == [
        (ChapterKind.CASE, "Case opened: CT chest"),
        (ChapterKind.SERIES, "Series 1.2.3.4"),
        (ChapterKind.SERIES, "Series 1.2.3.9"),
        (ChapterKind.CONTROL, "Control to Dr Li"),
        (ChapterKind.QUESTION, "Dr Li: Is that a nodule\uff1f"),
    ]
