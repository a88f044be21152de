"""A small deterministic CT series for browser tests (fast to load in several pages at once).

16 axial slices of 128x128, pixel spacing 0.661468 mm (so lengths in mm are easy to check),
stored as signed 16-bit with RescaleIntercept -1024: air, a soft-tissue body, a bone ring and a
bright lesion, plus seeded noise so ROI statistics are not trivial.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, CTImageStorage, ExplicitVRLittleEndian, generate_uid

ROWS = COLS = 128
SLICES = 16
SPACING = 0.661468
THICKNESS = 2.5
_ROOT = "1.2.826.0.1.3680043.10.1447."


def _uid(*parts: str) -> str:
    return str(generate_uid(prefix=_ROOT, entropy_srcs=["huizhen-web-test", *parts]))


@dataclass(frozen=True)
class CtCase:
    study: str
    series: str
    sops: tuple[str, ...]
    files: tuple[Path, ...]


def _pixels(k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    yy, xx = np.mgrid[0:ROWS, 0:COLS]
    r = np.hypot(xx - COLS / 2, yy - ROWS / 2)
    hu = np.full((ROWS, COLS), -1000.0)
    hu[r < 55] = 40.0
    hu[(r > 45) & (r < 52)] = 700.0
    lesion = np.hypot(xx - 50, yy - 60 - k) < 8
    hu[lesion] = 150.0 + 10 * k
    hu += rng.normal(0, 12, hu.shape)
    return np.clip(np.round(hu + 1024), -2000, 4000).astype(np.int16)


def _slice(study: str, series: str, k: int) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = UID(_uid("sop", str(k)))
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.FrameOfReferenceUID = _uid("for")
    ds.PatientName, ds.PatientID = "Test^Web", "WEB001"
    ds.StudyDescription, ds.SeriesDescription = "Web test CT", "Axial"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 1, k + 1
    ds.ImagePositionPatient = [-COLS * SPACING / 2, -ROWS * SPACING / 2, k * THICKNESS]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [SPACING, SPACING]
    ds.SliceThickness = THICKNESS
    ds.Rows, ds.Columns = ROWS, COLS
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PixelData = _pixels(k).tobytes()
    return ds


def make_case(dest: Path) -> CtCase:
    dest.mkdir(parents=True, exist_ok=True)
    study, series = _uid("study"), _uid("series")
    files, sops = [], []
    for k in range(SLICES):
        ds = _slice(study, series, k)
        path = dest / f"ct{k:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        files.append(path)
        sops.append(str(ds.SOPInstanceUID))
    return CtCase(study, series, tuple(sops), tuple(files))


def hu_of(path: Path) -> np.ndarray:
    """Modality LUT applied: the HU values the browser's ROI statistics must reproduce."""
    from pydicom import dcmread

    ds = dcmread(path)
    return ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
