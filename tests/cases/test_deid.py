"""De-identification of one dataset: Table E.1-1 as generated, the options, the UID map."""

from __future__ import annotations

import copy

import pydicom
import pytest
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from server.cases import deid
from server.cases.deid_rules import Action, Dates, Options, action_for, basic_removes, resolve
from server.cases.deid_table import EDITION, REPEATING, TABLE

BASIC = Options(dates=Dates.REMOVED, clean_descriptors=False)
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
    "SS": 7,
    "FD": 7.0,
    "FL": 7.0,
    "UC": "secret",
    "UR": "http://secret",
    "SV": 7,
    "UV": 7,
    "OW": b"secret",
}
# The leaks issue 11 found in the previous hand-made table (Table E.1-1 removes them all).
KNOWN_LEAKS = (
    "PerformedProcedureStepEndDate",
    "PerformedProcedureStepEndTime",
    "DateOfSecondaryCapture",
    "TimeOfSecondaryCapture",
    "SecondaryCaptureDeviceID",
    "UniqueDeviceIdentifier",
    "PresentationCreationDate",
    "PresentationCreationTime",
    "ScheduledProcedureStepID",
    "ClinicalTrialSeriesID",
    "RadiopharmaceuticalStartTime",
)


def item_with_name() -> Dataset:
    item = Dataset()
    item.PersonName = "Doe^Jane"
    item.ReferencedSOPInstanceUID = "1.2.3.4.6"
    return item


def full_dataset() -> Dataset:
    """A dataset holding every attribute of the table (plus private, curve, overlay)."""
    ds = Dataset()
    for tag in TABLE:
        if tag >> 16 in (0x0002, 0x0000, 0xFFFA, 0xFFFC, 0x0004):
            continue  # file meta, command, digital signatures, padding, DICOMDIR groups
        try:
            vr = dictionary_VR(tag).split(" or ")[0]
        except KeyError:
            continue  # too new for pydicom's dictionary
        value = Sequence([item_with_name()]) if vr == "SQ" else VALUES[vr]
        ds.add_new(tag, vr, value)
    ds.SOPInstanceUID = "1.2.3.4.6"
    ds.StudyInstanceUID = "1.2.3.4.7"
    ds.add_new(0x00091001, "LO", "private secret")
    ds.add_new(0x50000010, "US", 3)  # curve
    ds.add_new(0x60000010, "US", 2)  # overlay rows: goes with its overlay data
    ds.add_new(0x60003000, "OW", b"\1\0" * 8)  # overlay data
    ds.add_new(0x60004000, "LT", "overlay comment")
    ds.Rows = 2
    return ds


def test_the_table_is_the_standards_every_row() -> None:
    assert EDITION == "2026c"
    assert len(TABLE) + len(REPEATING) + 1 == 655  # every row of Table E.1-1 (2026c)
    for keyword in KNOWN_LEAKS:
        tag = pydicom.datadict.tag_for_keyword(keyword)
        assert tag is not None and basic_removes(tag), keyword
    assert resolve("X/Z") is Action.EMPTY
    assert resolve("X/Z/U*") is Action.UID
    assert resolve("X/D") is Action.DUMMY and resolve("Z/D") is Action.DUMMY
    assert resolve("X/Z/D") is Action.DUMMY
    assert resolve("X") is Action.REMOVE and resolve("U") is Action.UID


def test_every_table_tag_is_handled_by_the_basic_profile() -> None:
    original = full_dataset()
    remap = deid.uid_mapper(b"k" * 32, "1.2.3.4.7")
    cleaned = deid.deidentify_dataset(full_dataset(), remap, BASIC)
    for elem in original:
        action = action_for(int(elem.tag), BASIC)
        if action is None:
            continue
        name = keyword_for_tag(elem.tag) or str(elem.tag)
        if action is Action.REMOVE:
            assert elem.tag not in cleaned, name
        elif action is Action.EMPTY and elem.VR != "SQ":
            assert elem.tag in cleaned and not cleaned[elem.tag].value, name
        elif action is Action.UID and elem.VR == "UI":
            assert cleaned[elem.tag].value == remap(str(elem.value)), name
        elif elem.VR == "SQ":  # kept sequences keep their items, cleaned inside
            for item in cleaned[elem.tag].value:
                assert "PersonName" not in item or item.PersonName != "Doe^Jane", name
        else:
            assert cleaned[elem.tag].value != elem.value, name
    for private_curve_overlay in (0x00091001, 0x50000010, 0x60000010, 0x60003000, 0x60004000):
        assert private_curve_overlay not in cleaned
    assert cleaned.Rows == 2  # attributes outside the profile are kept


def test_known_leaks_are_gone_or_shifted() -> None:
    ds = Dataset()
    ds.StudyInstanceUID, ds.SOPInstanceUID = "1.2.3.4.7", "1.2.3.4.8"
    ds.StudyDate = "20240301"
    for keyword in KNOWN_LEAKS:
        vr = dictionary_VR(keyword)
        setattr(ds, keyword, {"DA": "20240302", "TM": "101112"}.get(vr, "ID-42"))
    radiopharmaceutical = Dataset()
    radiopharmaceutical.RadiopharmaceuticalStartTime = "090000"
    ds.RadiopharmaceuticalInformationSequence = [radiopharmaceutical]
    remap = deid.uid_mapper(b"k", "1.2.3.4.7")
    basic = deid.deidentify_dataset(copy.deepcopy(ds), remap, BASIC)
    for keyword in KNOWN_LEAKS:
        assert keyword not in basic, keyword
    assert "RadiopharmaceuticalStartTime" not in basic.RadiopharmaceuticalInformationSequence[0]
    shifted = deid.deidentify_dataset(copy.deepcopy(ds), remap, Options(), shift_days=10)
    assert shifted.StudyDate == "20240220"  # moved back ten days
    assert shifted.get("PerformedProcedureStepEndDate") in (None, "20240221")  # interval kept
    for keyword in (
        "ScheduledProcedureStepID",
        "ClinicalTrialSeriesID",
        "SecondaryCaptureDeviceID",
    ):
        assert keyword not in shifted, keyword


def test_identity_attributes_name_the_edition_and_options() -> None:
    ds = full_dataset()
    cleaned = deid.deidentify_dataset(ds, deid.uid_mapper(b"k", "1.2.3.4.7"))
    assert cleaned.PatientIdentityRemoved == "YES"
    assert cleaned.DeidentificationMethod[0] == f"PS3.15 {EDITION} Table E.1-1 Basic Profile"
    assert all(len(v) <= 64 for v in cleaned.DeidentificationMethod)
    codes = [
        (c.CodeValue, c.CodingSchemeDesignator) for c in cleaned.DeidentificationMethodCodeSequence
    ]
    assert codes == [("113100", "DCM"), ("113107", "DCM"), ("113105", "DCM")]
    assert cleaned.LongitudinalTemporalInformationModified == "MODIFIED"
    full = Options(dates=Dates.FULL, clean_descriptors=False, patient_characteristics=True)
    kept = deid.deidentify_dataset(full_dataset(), deid.uid_mapper(b"k", "1.2.3.4.7"), full)
    codes = [c.CodeValue for c in kept.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113106", "113108"]
    assert kept.LongitudinalTemporalInformationModified == "UNMODIFIED"
    assert kept.StudyDate == "20240102" and kept.PatientAge == "042Y"
    assert kept.PatientSex == "SECRET"  # Retain Patient Characteristics keeps Patient's Sex


def test_patient_characteristics_are_a_choice() -> None:
    ds = Dataset()
    ds.PatientAge, ds.PatientSex, ds.PatientWeight, ds.PatientSize = "042Y", "F", "61", "1.6"
    remap = deid.uid_mapper(b"k", "1")
    without = deid.deidentify_dataset(copy.deepcopy(ds), remap, Options())
    assert "PatientAge" not in without and "PatientWeight" not in without
    assert "PatientSex" in without and not without.PatientSex
    kept = deid.deidentify_dataset(copy.deepcopy(ds), remap, Options(patient_characteristics=True))
    assert (kept.PatientAge, kept.PatientSex, kept.PatientWeight) == ("042Y", "F", 61)


def test_date_shift_keeps_intervals_and_is_fixed_per_study() -> None:
    assert deid.shift_date("20240301", 1) == "20240229"
    assert deid.shift_date("20240301101112.5+0800", 366) == "20230301101112.5+0800"
    assert deid.shift_date("20240301-20240310", 1) == "20240229-20240309"
    assert deid.shift_date("garbage", 5) == "19000101"
    shift = deid.date_shift(b"secret", "1.2.3")
    assert shift == deid.date_shift(b"secret", "1.2.3") and 1 <= shift <= deid.MAX_SHIFT_DAYS
    assert deid.date_shift(b"secret", "1.2.4") != shift
    ds = Dataset()
    ds.StudyDate, ds.ContentDate, ds.PatientBirthDate = "20240301", "20240305", "19700101"
    ds.AcquisitionDateTime = "20240302120000"
    out = deid.deidentify_dataset(ds, deid.uid_mapper(b"k", "1"), Options(), shift_days=30)
    assert (out.StudyDate, out.ContentDate) == ("20240131", "20240204")
    assert out.AcquisitionDateTime == "20240201120000"
    assert "PatientBirthDate" in out and not out.PatientBirthDate  # Z, not a date to shift


def test_clean_descriptors_keeps_the_text_without_identifiers() -> None:
    ds = Dataset()
    ds.PatientName, ds.PatientID, ds.AccessionNumber = "Doe^Jane", "PID12345", "ACC777"
    ds.InstitutionName = "County Hospital"
    ds.StudyDescription = "CT chest for JANE DOE (PID12345), acc ACC777, County Hospital"
    ds.SeriesDescription = "axial 5mm"
    out = deid.deidentify_dataset(ds, deid.uid_mapper(b"k", "1"), Options())
    assert out.StudyDescription == "CT chest for *** *** (***), acc ***, ***"
    assert out.SeriesDescription == "axial 5mm"
    basic = deid.deidentify_dataset(copy.deepcopy(ds), deid.uid_mapper(b"k", "1"), BASIC)
    assert "StudyDescription" not in basic and "SeriesDescription" not in basic


def test_uid_mapping_is_consistent_within_a_study_and_differs_across() -> None:
    a = deid.uid_mapper(b"secret", "1.2.3")
    b = deid.uid_mapper(b"secret", "1.2.4")
    assert a("1.2.3.9") == a("1.2.3.9") != b("1.2.3.9")
    assert a("1.2.3.9").startswith("2.25.") and len(a("1.2.3.9")) <= 64
    assert deid.uid_mapper(b"other", "1.2.3")("1.2.3.9") != a("1.2.3.9")


@pytest.mark.parametrize("dates", list(Dates))
def test_dummies_replace_type_1_values(dates: Dates) -> None:
    """ContentDate/Time and DeviceSerialNumber are Type 1 in a SEG: never emptied."""
    ds = Dataset()
    ds.ContentDate, ds.ContentTime, ds.DeviceSerialNumber = "20240301", "101112", "SN-9"
    out = deid.deidentify_dataset(ds, deid.uid_mapper(b"k", "1"), Options(dates=dates), 3)
    assert out.ContentDate and out.ContentTime and out.DeviceSerialNumber
    assert out.DeviceSerialNumber != "SN-9"
