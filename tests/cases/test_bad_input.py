"""Every kind of bad input gets a clear, coded error and leaves the store unchanged."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pydicom
import pytest
from cases_support import encode, real_file, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.uid import UID

from samples import SamplePaths
from server.cases import importer
from server.cases.errors import InputCode, NoticeCode
from server.cases.sources import Limits, check_member_name
from server.cases.store import StudyStore


@pytest.fixture
def seeded(store: StudyStore, samples: SamplePaths) -> StudyStore:
    """A store that already holds something, so 'unchanged' means something."""
    assert store.import_paths([samples.radiograph]).errors == ()
    return store


def only_error(store: StudyStore, paths: list[Path]) -> InputCode:
    before = snapshot(store)
    report = store.import_paths(paths)
    assert report.imported == () and len(report.errors) >= 1
    assert snapshot(store) == before
    assert list(store.root.glob("staging/*")) == []
    codes = {e.code for e in report.errors}
    assert len(codes) == 1, report.errors
    (error, *_) = report.errors
    assert error.reason and error.name
    return codes.pop()


def test_not_dicom(seeded: StudyStore, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not an image\n" * 20)
    assert only_error(seeded, [junk]) == InputCode.NOT_DICOM
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    assert only_error(seeded, [empty]) == InputCode.NOT_DICOM


@pytest.mark.parametrize("fraction", [0.99, 0.5, 0.05])
def test_truncated(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path, fraction: float
) -> None:
    data = samples.ct_files[0].read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[: int(len(data) * fraction)])
    assert only_error(seeded, [cut]) in {InputCode.TRUNCATED, InputCode.NOT_DICOM}
    if fraction > 0.1:
        assert only_error(seeded, [cut]) == InputCode.TRUNCATED


def test_truncated_big_pixel_data_is_caught_without_loading_it(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    data = samples.radiograph.read_bytes()  # 2 MiB of Pixel Data: deferred, checked by offset
    assert len(data) > importer.DEFER_SIZE
    cut = tmp_path / "dx_cut.dcm"
    cut.write_bytes(data[:-1000])
    store = StudyStore(tmp_path / "fresh")
    assert only_error(store, [cut]) == InputCode.TRUNCATED
    assert store.import_paths([samples.radiograph]).errors == ()


def test_truncated_encapsulated_pixel_data(seeded: StudyStore, tmp_path: Path) -> None:
    data = real_file("JPEG2000.dcm").read_bytes()
    cut = tmp_path / "j2k_cut.dcm"
    cut.write_bytes(data[: len(data) - 200])
    assert only_error(seeded, [cut]) == InputCode.TRUNCATED


def test_unknown_transfer_syntax_is_refused(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    ds = pydicom.dcmread(real_file("JPEG2000.dcm"))
    ds.file_meta.TransferSyntaxUID = UID("1.2.3.4.5.6")  # not a transfer syntax at all
    path = tmp_path / "odd.dcm"
    path.write_bytes(encode_keeping_encoding(ds))
    assert only_error(seeded, [path]) == InputCode.UNSUPPORTED_TRANSFER_SYNTAX


@pytest.mark.parametrize(
    "tsuid",
    [
        "1.2.840.10008.1.2.4.100",  # MPEG2 Main Profile: video, no decoder here
        "1.2.840.10008.1.2.4.102",  # MPEG-4 AVC/H.264
        "1.2.840.10008.1.2.4.107",  # HEVC/H.265
    ],
)
def test_video_syntaxes_are_stored_not_renderable(
    seeded: StudyStore, tmp_path: Path, tsuid: str
) -> None:
    ds = pydicom.dcmread(real_file("JPEG2000.dcm"))
    ds.file_meta.TransferSyntaxUID = UID(tsuid)
    path = tmp_path / "video.dcm"
    path.write_bytes(encode_keeping_encoding(ds))
    report = seeded.import_paths([path])
    assert report.errors == () and report.imported == (str(ds.SOPInstanceUID),)
    assert [n.code for n in report.notices] == [NoticeCode.NOT_RENDERABLE]
    assert "stored, not renderable here" in report.notices[0].reason
    record = seeded.instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert record is not None and record.path.read_bytes() == path.read_bytes()


def encode_keeping_encoding(ds: pydicom.Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, implicit_vr=False, little_endian=True)
    return buffer.getvalue()


def test_too_large(
    make_store: Callable[..., StudyStore], samples: SamplePaths, tmp_path: Path
) -> None:
    store = make_store(max_file_size=10_000)
    assert only_error(store, [samples.ct_files[0]]) == InputCode.TOO_LARGE
    assert store.import_bytes([("big", samples.ct_files[0].read_bytes())]).errors[0].code == (
        InputCode.TOO_LARGE
    )
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.write(samples.ct_files[0], "a.dcm")
    assert only_error(store, [archive]) == InputCode.TOO_LARGE


def bomb(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_bomb_by_ratio(
    make_store: Callable[..., StudyStore], samples: SamplePaths, tmp_path: Path
) -> None:
    store = make_store(max_archive_ratio=50.0, ratio_floor=0)
    archive = bomb(tmp_path / "bomb.zip", {"zeros.dcm": b"\0" * 5_000_000})
    assert only_error(store, [archive]) == InputCode.ZIP_BOMB


def test_zip_bomb_by_total(
    make_store: Callable[..., StudyStore], samples: SamplePaths, tmp_path: Path
) -> None:
    store = make_store(max_archive_total=1_000_000)
    members = {f"{i}.dcm": samples.ct_files[i].read_bytes() for i in range(3)}
    assert only_error(store, [bomb(tmp_path / "big.zip", members)]) == InputCode.ZIP_BOMB


def test_zip_bomb_by_entry_count(
    make_store: Callable[..., StudyStore], samples: SamplePaths, tmp_path: Path
) -> None:
    store = make_store(max_archive_entries=5)
    members = {f"{i}.txt": b"x" for i in range(6)}
    assert only_error(store, [bomb(tmp_path / "many.zip", members)]) == InputCode.ZIP_BOMB


def test_zip_member_lying_about_its_size(
    store: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    """A member whose header declares fewer bytes than it inflates to is a bomb."""
    archive = tmp_path / "liar.zip"
    data = samples.ct_files[0].read_bytes()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("ct.dcm", data)
    raw = bytearray(archive.read_bytes())
    true_size = len(data).to_bytes(4, "little")
    lie = (1000).to_bytes(4, "little")
    assert raw.count(true_size) >= 2  # compressed and uncompressed size, local + central
    archive.write_bytes(bytes(raw).replace(true_size, lie))
    code = only_error(store, [archive])
    assert code in {InputCode.ZIP_BOMB, InputCode.UNREADABLE}  # zipfile may notice first


@pytest.mark.parametrize(
    "name", ["../evil.dcm", "a/../../evil.dcm", "/abs/evil.dcm", "C:/evil.dcm", "..\\evil.dcm"]
)
def test_path_traversal_in_archive_names(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path, name: str
) -> None:
    archive = tmp_path / "sly.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.dcm", samples.ct_files[0].read_bytes())
        zf.writestr(zipfile.ZipInfo(name), samples.ct_files[1].read_bytes())
    assert only_error(seeded, [archive]) == InputCode.PATH_TRAVERSAL
    assert not (tmp_path.parent / "evil.dcm").exists()


@pytest.mark.parametrize("name", ["ok/file.dcm", "a..b/c.dcm", "dir/x..dcm"])
def test_safe_member_names_pass(name: str) -> None:
    check_member_name(name)


def test_path_traversal_in_dicomdir(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    ds = pydicom.dcmread(real_file("DICOMDIR"))
    record = next(r for r in ds.DirectoryRecordSequence if r.get("ReferencedFileID"))
    media = tmp_path / "media"
    media.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ".." is not a valid CS value: that is the point
        record.ReferencedFileID = ["..", "..", "etc", "passwd"]
        (media / "DICOMDIR").write_bytes(encode(ds))
    report = seeded.import_paths([media / "DICOMDIR"])
    assert InputCode.PATH_TRAVERSAL in {e.code for e in report.errors}


def test_uid_conflict_with_the_store(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    assert seeded.import_paths([samples.ct_files[0]]).errors == ()
    ds = pydicom.dcmread(samples.ct_files[0])
    ds.PatientName = "Someone^Else"  # same SOP Instance UID, different content
    path = tmp_path / "impostor.dcm"
    path.write_bytes(encode(ds))
    assert only_error(seeded, [path]) == InputCode.UID_CONFLICT


def test_uid_conflict_within_one_import(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    ds = pydicom.dcmread(samples.ct_files[0])
    ds.PatientName = "Someone^Else"
    path = tmp_path / "impostor.dcm"
    path.write_bytes(encode(ds))
    report = seeded.import_paths([samples.ct_files[0], samples.ct_files[1], path])
    assert [(e.name, e.code) for e in report.errors] == [(str(path), InputCode.UID_CONFLICT)]
    assert len(report.imported) == 2  # the valid files are kept beside the conflicting one


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("SOPInstanceUID", None),
        ("StudyInstanceUID", None),
        ("SeriesInstanceUID", ""),
        ("SOPInstanceUID", "../../etc/passwd"),
        ("StudyInstanceUID", "1.2." + "3" * 70),
    ],
)
def test_missing_or_invalid_uid(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path, keyword: str, value: str | None
) -> None:
    ds = pydicom.dcmread(samples.ct_files[0])
    path = tmp_path / "nouid.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the invalid UID we want
        if value is None:
            delattr(ds, keyword)
        else:
            ds[keyword].value = value
        path.write_bytes(encode_keeping_encoding(ds))
    assert only_error(seeded, [path]) == InputCode.MISSING_UID


def test_missing_path(seeded: StudyStore, tmp_path: Path) -> None:
    assert only_error(seeded, [tmp_path / "nope.dcm"]) == InputCode.UNREADABLE


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), prefix=st.booleans())
def test_garbage_never_crashes_and_never_lands(
    seeded: StudyStore, data: bytes, prefix: bool
) -> None:
    payload = (b"\0" * 128 + b"DICM" + data) if prefix else data
    before = snapshot(seeded)
    report = seeded.import_bytes([("garbage", payload)])
    assert report.imported == () and len(report.errors) == 1
    assert report.errors[0].code in set(InputCode)
    assert snapshot(seeded) == before


CT_SMALL = real_file("CT_small.dcm").read_bytes()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(st.tuples(st.integers(132, 1400), st.integers(0, 255)), min_size=1, max_size=8),
    keep=st.integers(200, len(CT_SMALL)),
)
def test_mutated_real_file_is_imported_or_rejected_cleanly(
    store: StudyStore, edits: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(CT_SMALL[:keep])
    for offset, value in edits:
        if offset < len(data):
            data[offset] = value
    report = store.import_bytes([("mutant", bytes(data))])
    assert len(report.imported) + len(report.duplicates) + len(report.errors) == 1
    if report.errors:
        assert report.errors[0].code in set(InputCode)


def test_corrupt_deflate_stream_in_a_zip(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    archive = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ct.dcm", samples.ct_files[0].read_bytes())
    raw = bytearray(archive.read_bytes())
    start = 30 + len("ct.dcm")  # local header, name, then the deflate stream
    raw[start + 100 : start + 400] = bytes(300)
    archive.write_bytes(bytes(raw))
    assert only_error(seeded, [archive]) in {InputCode.UNREADABLE, InputCode.ZIP_BOMB}


def test_series_uid_reused_by_another_study(
    seeded: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    assert seeded.import_paths([samples.ct_files[0]]).errors == ()
    ds = pydicom.dcmread(samples.ct_files[1])
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.9.9.1"  # same series UID, another study
    path = tmp_path / "mixed.dcm"
    path.write_bytes(encode(ds))
    assert only_error(seeded, [path]) == InputCode.UID_CONFLICT


def test_corrupt_codestream_is_caught_when_decoding_is_verified(
    make_store: Callable[..., StudyStore], tmp_path: Path
) -> None:
    data = real_file("JPEG2000.dcm").read_bytes()
    start = data.find(b"\xff\x4f\xff\x51")  # the JPEG 2000 codestream's SOC + SIZ markers
    broken = tmp_path / "broken_j2k.dcm"
    broken.write_bytes(data[:start] + bytes(8) + data[start + 8 :])
    strict = make_store(decode_first_frame=True)
    report = strict.import_paths([broken])  # stored as received, flagged, never refused
    assert report.errors == () and len(report.imported) == 1
    assert [n.code for n in report.notices] == [NoticeCode.NOT_RENDERABLE]
    assert "does not decode" in report.notices[0].reason
    good = StudyStore(tmp_path / "good", Limits(decode_first_frame=True))
    assert good.import_paths([real_file("JPEG2000.dcm")]).notices == ()
    lenient = StudyStore(tmp_path / "lenient")  # metadata-only checks cannot see it
    assert lenient.import_paths([broken]).errors == ()
