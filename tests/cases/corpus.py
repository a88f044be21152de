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

import pydicom
from pydicom.data import get_testdata_files

from server.cases.importer import MEDIA_STORAGE_DIRECTORY, valid_uid

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
