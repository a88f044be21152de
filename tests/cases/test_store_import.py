"""Importing files, folders, zips and DICOMDIRs into the store; dedup; queries; real files."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pydicom
import pytest
from cases_support import encode, real_file, snapshot
from pydicom.fileset import FileSet

from samples import SamplePaths
from server.cases import importer
from server.cases.errors import BadInput, InputCode, NoticeCode
from server.cases.store import Access, StudyStore, Uploader


def ct_subset(samples: SamplePaths, n: int = 6) -> list[Path]:
    return list(samples.ct_files[:n])


def test_folder_import_lays_files_out_by_uid_and_keeps_bytes(
    store: StudyStore, samples: SamplePaths
) -> None:
    progress: list[tuple[int, int]] = []
    report = store.import_paths([samples.root], progress=lambda d, t: progress.append((d, t)))
    assert report.errors == ()
    assert len(report.imported) == len(samples.ct_files) + 2
    assert progress[-1] == (len(report.imported), len(report.imported))
    ct = pydicom.dcmread(samples.ct_files[0], stop_before_pixels=True)
    record = store.instance(ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID)
    assert record is not None
    expected = store.root / "dicom" / ct.StudyInstanceUID / ct.SeriesInstanceUID
    assert record.path == expected / f"{ct.SOPInstanceUID}.dcm"
    assert record.path.read_bytes() == samples.ct_files[0].read_bytes()
    assert record.sha256 == hashlib.sha256(record.path.read_bytes()).hexdigest()
    assert (record.rows, record.columns, record.number_of_frames) == (512, 512, 1)
    assert record.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    assert list(store.root.glob("staging/*")) == []  # staging cleaned up


def test_study_series_and_instance_records(store: StudyStore, samples: SamplePaths) -> None:
    store.import_paths([samples.ct_dir, samples.mr])
    ct = pydicom.dcmread(samples.ct_files[0], stop_before_pixels=True)
    study = store.study(ct.StudyInstanceUID)
    assert study is not None
    assert study.patient_name == "Synthetic^CT Phantom" and study.modalities == ("CT",)
    assert (study.series_count, study.instance_count) == (1, len(samples.ct_files))
    assert study.deidentified_from is None
    (series,) = store.series(ct.StudyInstanceUID)
    assert series.instance_count == len(samples.ct_files) and series.series_number == 2
    numbers = [i.instance_number or 0 for i in store.instances(ct.StudyInstanceUID)]
    assert numbers == sorted(numbers)
    assert store.instances(ct.StudyInstanceUID, "1.2.3") == []
    assert store.study("1.2.3.4") is None and store.study("not a uid") is None


def test_study_filters_with_wildcards(store: StudyStore, samples: SamplePaths) -> None:
    store.import_paths([samples.root])
    assert len(store.studies()) == 3
    assert [s.patient_id for s in store.studies(patient_name="Synthetic^CT*")] == ["HZ-CT-0001"]
    assert [s.modalities for s in store.studies(modality="M?")] == [("MR",)]
    assert [s.study_date for s in store.studies(study_date="20260107")] == ["20260107"]
    assert store.studies(patient_id="HZ%") == []  # SQL wildcards are literal
    with pytest.raises(ValueError, match="unknown study filter"):
        store.studies(colour="red")


def test_reimport_is_all_duplicates(store: StudyStore, samples: SamplePaths) -> None:
    store.import_paths(ct_subset(samples))
    before = snapshot(store)
    report = store.import_paths(ct_subset(samples))
    assert report.imported == () and len(report.duplicates) == 6 and report.errors == ()
    assert snapshot(store) == before


def test_same_file_twice_in_one_import_is_stored_once(
    store: StudyStore, samples: SamplePaths
) -> None:
    report = store.import_paths([samples.ct_files[0], samples.ct_files[0]])
    assert len(report.imported) == 1 and len(report.duplicates) == 1


def test_zip_import(store: StudyStore, samples: SamplePaths, tmp_path: Path) -> None:
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in ct_subset(samples):
            zf.write(path, f"case/ct/{path.name}")
        zf.write(samples.mr, "case/mr.dcm")
        zf.writestr("case/", "")
    report = store.import_paths([archive])
    assert report.errors == () and len(report.imported) == 7
    assert len(report.studies) == 2


def test_dicomdir_made_with_pydicom_fileset(
    store: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    fileset = FileSet()
    for path in [*ct_subset(samples, 3), samples.radiograph]:
        fileset.add(pydicom.dcmread(path))
    media = tmp_path / "media"
    fileset.write(media)
    fileset._stage["t"].cleanup()  # FileSet keeps a TemporaryDirectory until GC
    report = store.import_paths([media / "DICOMDIR"])
    assert report.errors == ()
    assert len(report.imported) == 4
    ct = pydicom.dcmread(samples.ct_files[0], stop_before_pixels=True)
    assert store.instance(ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID)


def test_pydicom_dicomdir_test_set(store: StudyStore) -> None:
    dicomdir = real_file("DICOMDIR")
    records = pydicom.dcmread(dicomdir).DirectoryRecordSequence
    expected = sum(1 for r in records if r.get("ReferencedFileID"))
    report = store.import_paths([dicomdir])
    assert report.errors == () and len(report.imported) == expected
    again = store.import_paths([dicomdir.parent])  # the folder walk skips the DICOMDIR object
    assert set(again.duplicates) == set(report.imported)  # the folder also holds other files
    assert again.errors == ()  # README and other non-PS3.10 files are skipped, not refused
    assert {n.code for n in again.notices} == {NoticeCode.SKIPPED}


REAL_FILES = [
    "CT_small.dcm",  # explicit little endian CT
    "MR_small_bigendian.dcm",  # big endian
    "JPEG2000.dcm",  # JPEG 2000 lossy
    "MR_small_jp2klossless.dcm",  # JPEG 2000 lossless
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS (pyjpegls)
    "MR_small_RLE.dcm",  # RLE
    "emri_small.dcm",  # multi-frame MR
    "RG1_J2KR.dcm",  # MONOCHROME1 radiograph, J2K lossless
    "SC_rgb_jpeg_dcmtk.dcm",  # JPEG baseline colour (Pillow)
    "image_dfl.dcm",  # deflated explicit little endian
]


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_files_import_in_their_original_transfer_syntax(store: StudyStore, name: str) -> None:
    path = real_file(name)
    report = store.import_paths([path])
    assert report.errors == (), report.errors
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    record = store.instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert record is not None
    assert record.transfer_syntax_uid == ds.file_meta.TransferSyntaxUID
    assert record.path.read_bytes() == path.read_bytes()
    assert record.number_of_frames == int(ds.get("NumberOfFrames", 1) or 1)


def test_jpeg_lossless_imports_and_decodes_by_default(store: StudyStore) -> None:
    report = store.import_paths([real_file("JPEG-LL.dcm")])
    assert report.errors == () and report.notices == () and len(report.imported) == 1


def test_real_files_sharing_a_sop_uid_with_different_bytes_conflict(store: StudyStore) -> None:
    # MR_small.dcm and MR_small_RLE.dcm are the same instance in two encodings.
    assert store.import_paths([real_file("MR_small.dcm")]).errors == ()
    before = snapshot(store)
    report = store.import_paths([real_file("MR_small_RLE.dcm")])
    assert [e.code for e in report.errors] == [InputCode.UID_CONFLICT]
    assert snapshot(store) == before


def test_bad_files_are_reported_beside_the_kept_ones(
    store: StudyStore, samples: SamplePaths, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for path in ct_subset(samples):
        shutil.copy(path, folder / path.name)
    data = samples.ct_files[10].read_bytes()
    (folder / "broken.dcm").write_bytes(data[: len(data) // 2])
    shutil.copy(samples.mr, folder / "mr.dcm")
    report = store.import_paths([folder])
    assert [(e.name, e.code) for e in report.errors] == [
        (str(folder / "broken.dcm"), InputCode.TRUNCATED)
    ]
    assert len(report.imported) == 7  # six CT slices and the MR
    ct = pydicom.dcmread(samples.ct_files[0], stop_before_pixels=True)
    study = store.study(ct.StudyInstanceUID)
    assert study is not None and study.instance_count == 6


def test_import_bytes(store: StudyStore, samples: SamplePaths) -> None:
    items = [(p.name, p.read_bytes()) for p in ct_subset(samples, 3)]
    report = store.import_bytes(items)
    assert report.errors == () and len(report.imported) == 3
    ds = pydicom.dcmread(samples.ct_files[0], stop_before_pixels=True)
    ds.SOPInstanceUID = "1.2.3"  # a header-only dataset without pixel data is still DICOM
    del ds.Rows
    assert store.import_bytes([("hdr", encode(ds))]).errors == ()


def test_concurrent_imports_of_the_same_files(store: StudyStore, samples: SamplePaths) -> None:
    reports = []
    threads = [
        threading.Thread(target=lambda: reports.append(store.import_paths(ct_subset(samples))))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(r.imported) for r in reports) == 6
    assert sum(len(r.duplicates) for r in reports) == 12
    assert all(r.errors == () for r in reports)


class RacedStore(StudyStore):
    """Lets another writer (a second store on the same root, as another process would be)
    store ``rival`` between this import's plan and its commit."""

    rival: list[tuple[str, bytes]]
    rival_owner: Uploader | None = None

    def _commit(
        self, plan: importer.StudyPlan, owner: Uploader | None
    ) -> tuple[list[str], list[str], BadInput | None]:
        other = StudyStore(self.root)
        assert other.import_bytes(self.rival, self.rival_owner).errors == ()
        return super()._commit(plan, owner)


def test_another_writer_between_plan_and_commit(samples: SamplePaths, tmp_path: Path) -> None:
    same = samples.ct_files[0].read_bytes()
    raced = RacedStore(tmp_path / "raced")
    raced.rival = [("rival", same)]
    report = raced.import_paths([samples.ct_files[0], samples.ct_files[1]])
    assert report.errors == () and len(report.imported) == 1 and len(report.duplicates) == 1

    ds = pydicom.dcmread(samples.ct_files[0])
    ds.PatientName = "Other^Bytes"
    conflicting = RacedStore(tmp_path / "conflict")
    conflicting.rival = [("rival", encode(ds))]
    report = conflicting.import_paths([samples.ct_files[0], samples.ct_files[1]])
    assert [e.code for e in report.errors] == [InputCode.UID_CONFLICT]
    assert report.imported == ()
    (only,) = conflicting.instances(str(ds.StudyInstanceUID))  # the rival's instance alone
    assert only.path.read_bytes() == encode(ds)


def test_a_room_that_uploads_second_in_a_race_does_not_own_the_study(
    samples: SamplePaths, tmp_path: Path
) -> None:
    """Room A's upload of the study lands between room B's plan and its commit: B's check
    inside the transaction refuses the study (the STOW pre-check could not have seen it)."""
    raced = RacedStore(tmp_path / "owned")
    raced.rival = [("rival", samples.ct_files[0].read_bytes())]
    raced.rival_owner = Uploader("room-a")
    report = raced.import_paths([samples.ct_files[1]], owner=Uploader("room-b"))
    assert [e.code for e in report.errors] == [InputCode.STUDY_OWNED_ELSEWHERE]
    assert report.imported == report.studies == ()
    study = report.errors[0].name  # a refused study is named by its UID
    assert raced.rooms_of(study) == {"room-a": Access.OWNER}
    assert len(raced.instances(study)) == 1


def test_stale_staging_left_by_a_crash_is_removed(tmp_path: Path) -> None:
    StudyStore(tmp_path / "s")
    stale = tmp_path / "s" / "staging" / "crashed"
    live = tmp_path / "s" / "staging" / "running"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "partial").write_bytes(b"x")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    StudyStore(tmp_path / "s")
    assert not stale.exists() and live.exists()


def test_a_failed_commit_undoes_the_whole_study(store: StudyStore, samples: SamplePaths) -> None:
    files = ct_subset(samples, 4)
    third = pydicom.dcmread(files[2], stop_before_pixels=True)
    obstacle = (
        store.root
        / "dicom"
        / third.StudyInstanceUID
        / third.SeriesInstanceUID
        / f"{third.SOPInstanceUID}.dcm"
    )
    obstacle.mkdir(parents=True)  # the rename of the third file will fail
    before = snapshot(store)
    report = store.import_paths(files)
    assert [e.code for e in report.errors] == [InputCode.STORE_FAILED]
    assert report.imported == () and report.studies == ()
    assert snapshot(store) == before  # rows rolled back, the two renamed files removed
    obstacle.rmdir()
    assert len(store.import_paths(files).imported) == 4
