"""Shared pieces of the sample generators: deterministic UIDs and PS3.10 file writing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

ROOT = "huizhen-samples-v1"  # change it and every generated UID changes


def uid(*parts: str | int) -> UID:
    """A 2.25 UID derived only from ``parts`` (same parts, same UID, on every machine).

    Not ``generate_uid(prefix=None, entropy_srcs=...)``: with ``prefix=None`` pydicom 3.0
    ignores the entropy sources and returns a random UUID-based UID.
    """
    text = "|".join([ROOT, *(str(p) for p in parts)])
    return UID("2.25." + str(int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")))


def patient_study(
    ds: Dataset, *, name: str, patient_id: str, study: str, description: str, when: str
) -> None:
    """Patient and General Study modules with fixed, obviously synthetic values."""
    ds.PatientName = name
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19600101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = uid(study, "study")
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = when
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "090000"
    ds.StudyID = "1"
    ds.AccessionNumber = f"HZ{patient_id[-4:]}"
    ds.ReferringPhysicianName = "Synthetic^Referrer"
    ds.InstitutionName = "huizhen synthetic samples"
    ds.StudyDescription = description
    ds.Manufacturer = "huizhen"
    ds.BurnedInAnnotation = "NO"


def save(ds: Dataset, path: Path) -> None:
    """Write explicit VR little endian PS3.10 (no timestamps: the bytes are reproducible)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid("implementation")
    meta.ImplementationVersionName = "HUIZHEN_1"
    ds.file_meta = meta
    ds.save_as(path, enforce_file_format=True)


def grayscale(ds: Dataset, rows: int, columns: int, *, bits_stored: int, signed: bool) -> None:
    ds.SamplesPerPixel = 1
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
