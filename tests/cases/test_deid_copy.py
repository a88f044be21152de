"""De-identified copies in the store: a new study; burned-in text redacted or held back."""

from __future__ import annotations

import shutil
from pathlib import Path

import burned_support
import numpy as np
import pydicom
import pytest
from cases_support import encode, real_file, snapshot
from dciodvfy_support import errors
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

from samples import SamplePaths
from server.cases import deid
from server.cases.deid_copy import teaching_studies
from server.cases.deid_rules import Dates, Options
from server.cases.errors import DeidentificationRefused, StudyNotFound
from server.cases.redact import RedactionPlan, needs_redaction, redact
from server.cases.store import StudyStore


@pytest.fixture
def ct_study(store: StudyStore, samples: SamplePaths) -> str:
    """Five CT slices; slice 2 references slice 1 (Source Image Sequence) and has a private tag."""
    items = []
    first = pydicom.dcmread(samples.ct_files[0])
    for index, path in enumerate(samples.ct_files[:5]):
        ds = pydicom.dcmread(path)
        if index == 1:
            ref = Dataset()
            ref.ReferencedSOPClassUID = first.SOPClassUID
            ref.ReferencedSOPInstanceUID = first.SOPInstanceUID
            ds.SourceImageSequence = [ref]
            ds.add_new(0x00111010, "LO", "private note")
        items.append((path.name, encode(ds)))
    assert store.import_bytes(items).errors == ()
    return str(first.StudyInstanceUID)


def test_deidentified_copy_is_a_new_consistent_study(store: StudyStore, ct_study: str) -> None:
    source_before = store.study(ct_study)
    bytes_before = {r.sop_uid: r.path.read_bytes() for r in store.instances(ct_study)}
    copy = store.deidentified_copy(ct_study)
    assert copy.study_uid != ct_study and copy.deidentified_from == ct_study
    assert copy.instance_count == 5 and copy.patient_name == ""
    copies = [pydicom.dcmread(r.path) for r in store.instances(copy.study_uid)]
    assert {d.StudyInstanceUID for d in copies} == {copy.study_uid}
    assert len({d.SeriesInstanceUID for d in copies}) == 1
    assert len({d.FrameOfReferenceUID for d in copies}) == 1
    assert all(d.file_meta.MediaStorageSOPInstanceUID == d.SOPInstanceUID for d in copies)
    secret = deid.store_secret(store.root)
    remap, shift = deid.uid_mapper(secret, ct_study), deid.date_shift(secret, ct_study)
    by_uid = {d.SOPInstanceUID: d for d in copies}
    for record in store.instances(ct_study):
        source = pydicom.dcmread(record.path)
        copied = by_uid[remap(record.sop_uid)]
        assert copied.PixelData == source.PixelData  # a CT burns no text: pixels untouched
        assert copied.file_meta.TransferSyntaxUID == source.file_meta.TransferSyntaxUID
        assert copied.PatientIdentityRemoved == "YES"
        assert copied.StudyDate == deid.shift_date(source.StudyDate, shift)
        assert "PatientBirthDate" in copied and not copied.PatientBirthDate
        assert copied.get("InstitutionName") != source.get("InstitutionName", "?")
        assert not any(elem.tag.is_private for elem in copied)
        if "SourceImageSequence" in copied:  # the reference follows the remapped instance
            assert copied.SourceImageSequence[0].ReferencedSOPInstanceUID in by_uid
    assert store.study(ct_study) == source_before  # the source study is untouched
    assert {r.sop_uid: r.path.read_bytes() for r in store.instances(ct_study)} == bytes_before


def test_deidentified_copy_is_idempotent(store: StudyStore, ct_study: str) -> None:
    first = store.deidentified_copy(ct_study)
    before = snapshot(store)
    assert store.deidentified_copy(ct_study) == first
    assert snapshot(store) == before


def test_compressed_study_keeps_its_encapsulated_pixels(store: StudyStore) -> None:
    path = real_file("MR_small_jp2klossless.dcm")
    assert store.import_paths([path]).errors == ()
    source = pydicom.dcmread(path)
    copy = store.deidentified_copy(str(source.StudyInstanceUID))
    (record,) = store.instances(copy.study_uid)
    copied = pydicom.dcmread(record.path)
    assert copied.PixelData == source.PixelData
    assert copied.file_meta.TransferSyntaxUID == source.file_meta.TransferSyntaxUID


def test_unknown_study(store: StudyStore) -> None:
    with pytest.raises(StudyNotFound):
        store.deidentified_copy("1.2.3.4")


def test_which_instances_need_redaction(samples: SamplePaths) -> None:
    assert needs_redaction(burned_support.ultrasound())  # US, flag absent
    assert needs_redaction(burned_support.screenshot())  # flagged YES
    flagged_no = burned_support.ultrasound()
    flagged_no.BurnedInAnnotation = "NO"
    assert not needs_redaction(flagged_no)
    assert not needs_redaction(pydicom.dcmread(samples.ct_files[0]))  # CT, flag absent
    dx = pydicom.dcmread(samples.radiograph)
    dx.BurnedInAnnotation = "YES"
    assert needs_redaction(dx)


def test_ultrasound_band_is_blanked_and_unredacted_capture_held_back(
    store: StudyStore, tmp_path: Path
) -> None:
    us, sc = burned_support.ultrasound(), burned_support.screenshot()
    assert store.import_bytes([("us.dcm", encode(us)), ("sc.dcm", encode(sc))]).errors == ()
    outcome = store.deidentify(burned_support.STUDY)
    assert [h.sop_uid for h in outcome.held_back] == [sc.SOPInstanceUID]
    (redacted,) = outcome.redacted
    band = int(np.ceil(burned_support.ROWS * 0.10))
    assert redacted.sop_uid == us.SOPInstanceUID
    assert redacted.rectangles == ((0, 0, burned_support.COLUMNS, band),)
    (record,) = store.instances(outcome.study.study_uid)  # the capture is not in the copy
    copied = pydicom.dcmread(record.path)
    original = us.pixel_array
    assert (original[:band] > 200).any(), "the name is drawn in the band"
    pixels = copied.pixel_array
    assert (pixels[:band] == original[:band].min()).all()  # blanked
    assert (pixels[band:] == original[band:]).all()  # the rest is bit-exact
    assert copied.BurnedInAnnotation == "NO"
    assert copied.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    remap = deid.uid_mapper(deid.store_secret(store.root), burned_support.STUDY)
    assert copied.SOPInstanceUID == redacted.copy_uid != remap(us.SOPInstanceUID)
    assert outcome.renamed == {remap(us.SOPInstanceUID): redacted.copy_uid}
    codes = [c.CodeValue for c in copied.DeidentificationMethodCodeSequence]
    assert "113101" in codes and "Clean Pixel Data Option" in copied.DeidentificationMethod
    written = tmp_path / "us.dcm"
    us.save_as(written, enforce_file_format=True)
    if shutil.which("dciodvfy"):  # the redacted, de-identified copy is no less valid
        after, before = errors(record.path), errors(written)
        assert after is not None and before is not None and after <= before
    report = outcome.report()
    assert report["held_back"] == [
        {
            "sop": sc.SOPInstanceUID,
            "series": sc.SeriesInstanceUID,
            "reason": "burned-in text: no redaction set",
        }
    ]


def test_rectangles_set_for_a_series_release_it(store: StudyStore) -> None:
    sc = burned_support.screenshot()
    assert store.import_bytes([("sc.dcm", encode(sc))]).errors == ()
    with pytest.raises(DeidentificationRefused):  # nothing to copy: the one instance is held
        store.deidentify(burned_support.STUDY)
    RedactionPlan(store.root).set(sc.SeriesInstanceUID, [(50, 100, 220, 30)])
    outcome = store.deidentify(burned_support.STUDY)
    assert outcome.held_back == () and len(outcome.redacted) == 1
    (record,) = store.instances(outcome.study.study_uid)
    pixels = pydicom.dcmread(record.path).pixel_array
    assert (pixels[100:130, 50:270] == sc.pixel_array.min()).all()
    assert not (pixels > 200).any(), "no stroke of the name is left"


@pytest.mark.parametrize("name", ["JPGLosslessP14SV1_1s_1f_8b.dcm", "US1_J2KR.dcm"])
def test_redacting_a_compressed_instance_is_lossless(store: StudyStore, name: str) -> None:
    """Lossless JPEG / JPEG 2000 ultrasound: decoded, band blanked, stored uncompressed, the
    rest bit-exact against pydicom's decode of the original."""
    source = pydicom.dcmread(real_file(name))
    try:
        source.pixel_array  # noqa: B018 - decodable here?
    except Exception:
        pytest.skip(f"no decoder for {source.file_meta.TransferSyntaxUID.name}")
    source.BurnedInAnnotation = "YES"  # flagged or not: redact it
    assert store.import_bytes([("us.dcm", encode(source))]).errors == ()
    outcome = store.deidentify(str(source.StudyInstanceUID))
    (redacted,) = outcome.redacted
    ((_, _, width, band),) = redacted.rectangles
    assert width == source.Columns and band == int(np.ceil(source.Rows * 0.10))
    (record,) = store.instances(outcome.study.study_uid)
    copied = pydicom.dcmread(record.path)
    assert copied.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert (copied.pixel_array[band:] == source.pixel_array[band:]).all()
    assert (copied.pixel_array[:band] == source.pixel_array.min()).all()


def test_teaching_package_follows_redacted_instances_and_reports(store: StudyStore) -> None:
    us, sc = burned_support.ultrasound(), burned_support.screenshot()
    assert store.import_bytes([("us.dcm", encode(us)), ("sc.dcm", encode(sc))]).errors == ()
    remap, report = teaching_studies(store, [burned_support.STUDY])
    (copy,) = [s for s in store.studies() if s.deidentified_from]
    copied = {pydicom.dcmread(r.path).SOPInstanceUID for r in store.instances(copy.study_uid)}
    assert copied == {remap(burned_support.STUDY, us.SOPInstanceUID)}  # the redacted one
    (studies,) = [report["studies"]]
    assert isinstance(studies, list)
    (entry,) = studies
    assert [r["sop"] for r in entry["redacted"]] == [us.SOPInstanceUID]
    assert [h["sop"] for h in entry["held_back"]] == [sc.SOPInstanceUID]


def test_copies_with_other_options_are_other_studies(store: StudyStore, ct_study: str) -> None:
    teaching = store.deidentified_copy(ct_study)
    full = store.deidentified_copy(ct_study, Options(dates=Dates.FULL))
    assert full.study_uid != teaching.study_uid and full.deidentified_from == ct_study
    source = store.study(ct_study)
    assert source is not None and full.study_date == source.study_date
    assert teaching.study_date != full.study_date  # shifted
    assert store.deidentified_copy(ct_study, Options(dates=Dates.FULL)) == full


def test_teaching_package_may_retain_patient_characteristics(
    store: StudyStore, ct_study: str
) -> None:
    remap, _ = teaching_studies(store, [ct_study], Options(patient_characteristics=True))
    copy = store.study(remap(ct_study, ct_study))
    assert copy is not None and copy.deidentified_from == ct_study
    (first, *_) = store.instances(copy.study_uid)
    source = pydicom.dcmread(store.instances(ct_study)[0].path)
    assert pydicom.dcmread(first.path).PatientSex == source.PatientSex != ""


@pytest.mark.parametrize("frames", [1, 2])
def test_multi_frame_keeps_its_frame_count_and_every_frame_is_blanked(frames: int) -> None:
    ds = burned_support.ultrasound()
    one = ds.pixel_array
    ds.set_pixel_data(np.stack([one] * frames), "RGB", 8, generate_instance_uid=False)
    ds.NumberOfFrames = frames  # US Multi-frame: Type 1 even for a single frame
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"
    redact(ds, [(0, 0, 10, 5)])
    assert ds.NumberOfFrames == frames and ds.BurnedInAnnotation == "NO"
    pixels = ds.pixel_array if frames > 1 else ds.pixel_array[np.newaxis]
    for frame in pixels:
        assert (frame[:5, :10] == one.min()).all() and (frame[5:] == one[5:]).all()
