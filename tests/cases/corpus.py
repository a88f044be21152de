"""The public test corpus: every file of pydicom's test data and pydicom-data that is valid
DICOM (a PS3.10 header, the four identifying UIDs valid, not a DICOMDIR object).

Files pydicom ships broken on purpose (a cut Pixel Data, a bad sequence, a value that is not
a number where the VR needs one) are refused by the importer with a code; they are listed
in :data:`REFUSED` with the code, so the corpus test proves the refusal too.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pydicom
from pydicom.data import get_testdata_files
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import UID

from server.cases.importer import MEDIA_STORAGE_DIRECTORY, valid_uid
from server.cases.store import InstanceRecord, StudyStore
from server.dicomweb.qido import Headers
from server.dicomweb.service import DicomWeb
from server.dicomweb.transcode import Representations

UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")
REFUSED = {
    "MR_truncated.dcm": "truncated",  # Pixel Data cut 62 bytes short
    "badVR.dcm": "not_dicom",  # an IS value "1A": not a number, the data set is corrupt
    "rtplan_truncated.dcm": "truncated",  # a sequence cut short
    "emri_small_jpeg_2k_lossless_too_short.dcm": "truncated",  # encapsulated data cut
}
LOSSLESS = frozenset(
    {
        "1.2.840.10008.1.2",
        "1.2.840.10008.1.2.1",
        "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.2",
        "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.201",
        "1.2.840.10008.1.2.4.202",
        "1.2.840.10008.1.2.5",
    }
)


@cache
def corpus() -> tuple[Path, ...]:
    """Sorted by name; duplicates (the same file in both packages) once."""
    found: dict[str, Path] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "download failures": offline, the packages suffice
        names = get_testdata_files("*")
    for name in sorted(names):
        path = Path(name)
        if path.is_file() and path.name not in found and _valid(path):
            found[path.name] = path
    return tuple(found[name] for name in sorted(found))


def _valid(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:  # not PS3.10 (raw data sets, fragments of the test suite)
            return False
        if str(ds.file_meta.get("MediaStorageSOPClassUID", "")) == MEDIA_STORAGE_DIRECTORY:
            return False
        return all(valid_uid(str(ds.get(key, ""))) for key in UIDS)


def ids(paths: tuple[Path, ...]) -> list[str]:
    return [p.name for p in paths]


def read(path: Path, **kwargs: bool) -> pydicom.Dataset:
    """pydicom's reading of a corpus file; its warnings (odd on purpose) are not errors here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, **kwargs)  # type: ignore[arg-type]
        for _ in ds.iterall():  # convert every value now, while warnings are ignored
            pass
        return ds


def imported(path: Path, tmp_path: Path) -> tuple[DicomWeb, InstanceRecord]:
    """``path`` imported into a fresh store, with the DICOMweb service over it."""
    store = StudyStore(tmp_path / "store")
    report = store.import_paths([path])
    assert report.errors == (), report.errors
    ds = read(path, stop_before_pixels=True)
    record = store.instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert record is not None
    return DicomWeb(store, Representations(tmp_path / "cache"), Headers()), record


def decode_as_metadata_says(
    frames: list[bytes], syntax: str, meta: dict[str, Any], original: Dataset
) -> Any:
    """What a client does: the frames plus the pixel attributes ``/metadata`` gives."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(syntax)
    for keyword in ("Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit"):
        setattr(ds, keyword, original[keyword].value)
    ds.PixelRepresentation = original.PixelRepresentation
    ds.SamplesPerPixel = int(meta["00280002"]["Value"][0])
    ds.PhotometricInterpretation = meta["00280004"]["Value"][0]
    if "00280006" in meta:
        ds.PlanarConfiguration = int(meta["00280006"]["Value"][0])
    ds.NumberOfFrames = len(frames)
    if UID(syntax).is_encapsulated:
        ds.PixelData = encapsulate(frames)
    else:
        ds.PixelData = b"".join(frames)
    return ds.pixel_array
