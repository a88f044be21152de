"""Study ownership in the store (``server.cases.ownership``): who owns what an import made,
what a room's own upload may add to, shares, and that it all survives reopening the store."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file

from server.cases.errors import InputCode
from server.cases.store import Access, StudyStore, Uploader

CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))


def _forged(source: Path, sop_uid: str) -> bytes:
    """A new instance (new SOP Instance UID) in the same study and series as ``source``."""
    ds = pydicom.dcmread(source)
    ds.SOPInstanceUID = sop_uid
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_an_import_for_a_room_makes_it_the_owner_and_survives_reopening(
    store: StudyStore,
) -> None:
    report = store.import_paths([CT], owner=Uploader("room-a", enforce=False))
    (study,) = report.studies
    assert store.rooms_of(study) == {"room-a": Access.OWNER}
    assert StudyStore(store.root).rooms_of(study) == {"room-a": Access.OWNER}
    assert store.may_attach("room-a", study)
    assert not store.may_attach("room-b", study)


def test_an_import_naming_no_room_leaves_the_study_unowned(store: StudyStore) -> None:
    (study,) = store.import_paths([CT]).studies
    assert store.rooms_of(study) == {}
    assert not store.may_attach("room-a", study)


def test_a_rooms_upload_into_a_study_of_another_room_is_refused_new_or_duplicate(
    store: StudyStore,
) -> None:
    (study,) = store.import_paths([CT], owner=Uploader("room-a", enforce=False)).studies
    before = [r.sop_uid for r in store.instances(study)]
    forged = _forged(CT, "1.2.826.0.1.3680043.8.498.1")
    for data in (forged, CT.read_bytes()):  # a new instance, then a duplicate of one stored
        report = store.import_bytes([("part-1", data)], Uploader("room-b"))
        assert [e.code for e in report.errors] == [InputCode.STUDY_OWNED_ELSEWHERE]
        assert report.imported == report.duplicates == report.studies == ()
    assert [r.sop_uid for r in store.instances(study)] == before
    assert store.rooms_of(study) == {"room-a": Access.OWNER}


def test_a_rooms_upload_into_an_unowned_study_is_refused(store: StudyStore) -> None:
    (study,) = store.import_paths([CT]).studies
    report = store.import_bytes([("part-1", CT.read_bytes())], Uploader("room-b"))
    assert [e.code for e in report.errors] == [InputCode.STUDY_OWNED_ELSEWHERE]
    assert store.rooms_of(study) == {}


def test_the_owner_adds_and_the_api_key_may_name_another_owner(store: StudyStore) -> None:
    (study,) = store.import_bytes([("ct", CT.read_bytes())], Uploader("room-a")).studies
    forged = _forged(CT, "1.2.826.0.1.3680043.8.498.2")
    assert store.import_bytes([("more", forged)], Uploader("room-a")).imported
    report = store.import_bytes([("dup", CT.read_bytes())], Uploader("room-b", enforce=False))
    assert report.duplicates and not report.errors
    assert store.rooms_of(study) == {"room-a": Access.OWNER, "room-b": Access.OWNER}


def test_a_share_lets_a_room_attach_not_write_and_can_be_taken_back(store: StudyStore) -> None:
    (study,) = store.import_paths([MR], owner=Uploader("room-a", enforce=False)).studies
    store.grant(study, "room-b", Access.SHARED)
    store.grant(study, "room-a", Access.SHARED)  # sharing with an owner keeps it an owner
    assert store.rooms_of(study) == {"room-a": Access.OWNER, "room-b": Access.SHARED}
    assert store.may_attach("room-b", study)
    refusal = store.upload_refusal(study, Uploader("room-b"))
    assert refusal is not None and "room-b" in refusal
    assert store.unshare(study, "room-b")
    assert not store.unshare(study, "room-b")
    assert not store.unshare(study, "room-a")  # an owner row is not a share
    assert store.rooms_of(study) == {"room-a": Access.OWNER}


def test_a_new_study_uploaded_by_a_room_is_its_own(store: StudyStore) -> None:
    assert store.upload_refusal("1.2.3.4", Uploader("room-b")) is None  # not stored yet
    (study,) = store.import_bytes([("mr", MR.read_bytes())], Uploader("room-b")).studies
    assert store.rooms_of(study) == {"room-b": Access.OWNER}
