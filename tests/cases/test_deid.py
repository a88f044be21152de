"""De-identified teaching copies: the Basic Profile, consistent UIDs, untouched pixels."""

from __future__ import annotations

import pydicom
import pytest
from cases_support import encode, real_file, snapshot
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from samples import SamplePaths
from server.cases import deid
from server.cases.deid_table import PROFILE, RAW_PROFILE, Action, resolve
from server.cases.errors import DeidentificationRefused, StudyNotFound
from server.cases.store import StudyStore

VALUES: dict[str, object] = {
    "PN": "Doe^Jane",
    "DA": "20240102",
    "TM": "101112",
    "DT": "20240102101112",
    "AS": "042Y",
    "IS": "7",
    "DS": "1.5",
    "UI": "1.2.3.4.5",
    "CS": "SECRET",
    "SH": "secret",
    "LO": "secret",
    "LT": "secret",
    "ST": "secret",
    "UT": "secret",
    "AE": "SECRETAE",
    "UN": b"secret",
    "OB": b"secret",
    "UL": 7,
    "US": 7,
    "UC": "secret",
    "UR": "http://secret",
}


def item_with_name() -> Dataset:
    item = Dataset()
    item.PersonName = "Doe^Jane"
    item.ReferencedSOPInstanceUID = "1.2.3.4.6"
    return item


def full_dataset() -> Dataset:
    """A dataset holding every attribute of the profile (plus private, curve, overlay data)."""
    ds = Dataset()
    for tag in PROFILE:
        if tag >> 16 in (0x0002, 0x0000, 0xFFFA, 0xFFFC, 0x0004):
            continue  # file meta, command, digital signatures, padding, DICOMDIR groups
        vr = dictionary_VR(tag).split(" or ")[0]
        if vr == "SQ":
            ds.add_new(tag, vr, Sequence([item_with_name()]))
        else:
            ds.add_new(tag, vr, VALUES[vr])
    ds.SOPInstanceUID = "1.2.3.4.6"
    ds.StudyInstanceUID = "1.2.3.4.7"
    ds.add_new(0x00091001, "LO", "private secret")
    ds.add_new(0x50000010, "US", 3)  # curve
    ds.add_new(0x60003000, "OW", b"\1\0" * 8)  # overlay data
    ds.add_new(0x60004000, "LT", "overlay comment")
    ds.Rows = 2
    return ds


def test_every_profile_tag_is_handled() -> None:
    original = full_dataset()
    remap = deid.uid_mapper(b"k" * 32, "1.2.3.4.7")
    cleaned = deid.deidentify_dataset(full_dataset(), remap)
    for tag in (elem.tag for elem in original):
        action = PROFILE.get(int(tag))
        if action is None:
            continue
        name = keyword_for_tag(tag)
        before = original[tag]
        if action is Action.REMOVE:
            assert tag not in cleaned, name
        elif action is Action.EMPTY:
            assert tag in cleaned and not cleaned[tag].value, name
        elif action is Action.UID and before.VR == "UI":
            assert cleaned[tag].value == remap(str(before.value)), name
        elif before.VR == "SQ":  # dummy/UID sequences keep their items, cleaned inside
            for item in cleaned[tag].value:
                assert "PersonName" not in item or item.PersonName != "Doe^Jane", name
        else:
            assert cleaned[tag].value != before.value, name
    for private_or_overlay in (0x00091001, 0x50000010, 0x60003000, 0x60004000):
        assert private_or_overlay not in cleaned
    assert cleaned.Rows == 2  # attributes outside the profile are kept


def test_profile_table_size_and_compound_resolution() -> None:
    assert len(PROFILE) >= 80
    assert resolve("X/Z") is Action.EMPTY
    assert resolve("X/Z/U*") is Action.UID
    assert resolve("X/D") is Action.DUMMY
    assert resolve("X") is Action.REMOVE and resolve("U") is Action.UID
    assert RAW_PROFILE[0x00100010] == "Z" and PROFILE[0x00100010] is Action.EMPTY


def test_deidentification_attributes_are_set() -> None:
    cleaned = deid.deidentify_dataset(full_dataset(), deid.uid_mapper(b"k", "1.2.3.4.7"))
    assert cleaned.PatientIdentityRemoved == "YES"
    assert "Basic Application" in cleaned.DeidentificationMethod
    (code,) = cleaned.DeidentificationMethodCodeSequence
    assert (code.CodeValue, code.CodingSchemeDesignator) == ("113100", "DCM")
    assert code.CodeMeaning == "Basic Application Confidentiality Profile"


def test_uid_mapping_is_consistent_within_a_study_and_differs_across() -> None:
    a = deid.uid_mapper(b"secret", "1.2.3")
    b = deid.uid_mapper(b"secret", "1.2.4")
    assert a("1.2.3.9") == a("1.2.3.9") != b("1.2.3.9")
    assert a("1.2.3.9").startswith("2.25.") and len(a("1.2.3.9")) <= 64
    assert deid.uid_mapper(b"other", "1.2.3")("1.2.3.9") != a("1.2.3.9")


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
    source_study = store.study(ct_study)
    assert source_study is not None and source_study.patient_name == "Synthetic^CT Phantom"
    copies = [pydicom.dcmread(r.path) for r in store.instances(copy.study_uid)]
    assert {d.StudyInstanceUID for d in copies} == {copy.study_uid}
    assert len({d.SeriesInstanceUID for d in copies}) == 1
    assert len({d.FrameOfReferenceUID for d in copies}) == 1
    assert all(d.file_meta.MediaStorageSOPInstanceUID == d.SOPInstanceUID for d in copies)
    remap = deid.uid_mapper(deid.store_secret(store.root), ct_study)
    by_uid = {d.SOPInstanceUID: d for d in copies}
    for record in store.instances(ct_study):
        source = pydicom.dcmread(record.path)
        copied = by_uid[remap(record.sop_uid)]
        assert copied.PixelData == source.PixelData  # pixels untouched
        assert copied.file_meta.TransferSyntaxUID == source.file_meta.TransferSyntaxUID
        assert copied.PatientIdentityRemoved == "YES"
        assert "PatientBirthDate" in copied and not copied.PatientBirthDate
        assert "InstitutionName" in copied and not copied.InstitutionName
        assert not any(elem.tag.is_private for elem in copied)
        if "SourceImageSequence" in copied:  # the reference follows the remapped instance
            ref = copied.SourceImageSequence[0].ReferencedSOPInstanceUID
            assert ref in by_uid
    assert store.study(ct_study) == source_before  # the source study is untouched
    assert {r.sop_uid: r.path.read_bytes() for r in store.instances(ct_study)} == bytes_before


def test_deidentified_copy_is_idempotent(store: StudyStore, ct_study: str) -> None:
    first = store.deidentified_copy(ct_study)
    before = snapshot(store)
    assert store.deidentified_copy(ct_study) == first
    assert snapshot(store) == before


def test_compressed_study_keeps_its_encapsulated_pixels(store: StudyStore) -> None:
    path = real_file("JPEG2000.dcm")
    assert store.import_paths([path]).errors == ()
    source = pydicom.dcmread(path)
    copy = store.deidentified_copy(str(source.StudyInstanceUID))
    (record,) = store.instances(copy.study_uid)
    copied = pydicom.dcmread(record.path)
    assert copied.PixelData == source.PixelData
    assert copied.file_meta.TransferSyntaxUID == source.file_meta.TransferSyntaxUID


def test_burned_in_annotation_is_refused_unless_allowed(
    store: StudyStore, samples: SamplePaths
) -> None:
    ds = pydicom.dcmread(samples.radiograph)
    ds.BurnedInAnnotation = "YES"
    assert store.import_bytes([("burned.dcm", encode(ds))]).errors == ()
    before = snapshot(store)
    with pytest.raises(DeidentificationRefused) as refused:
        store.deidentified_copy(str(ds.StudyInstanceUID))
    assert refused.value.code == "burned_in_annotation"
    assert refused.value.sop_uids == (str(ds.SOPInstanceUID),)
    assert snapshot(store) == before
    outcome = store.deidentify(str(ds.StudyInstanceUID), allow_burned_in=True)
    assert outcome.warnings and "BurnedInAnnotation" in outcome.warnings[0]
    assert outcome.study.deidentified_from == ds.StudyInstanceUID


def test_unknown_study(store: StudyStore) -> None:
    with pytest.raises(StudyNotFound):
        store.deidentified_copy("1.2.3.4")
