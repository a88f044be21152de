"""The de-identified corpus: nothing the profile removes is left, and no new dciodvfy error.

Corpus: every pydicom test file and pydicom-data file with a study and an instance UID, plus
files written here (a highdicom SEG, whose ContentDate/ContentTime and DeviceSerialNumber are
Type 1; ultrasound and secondary capture with burned-in text, redacted). Each file is
validated with dicom3tools' ``dciodvfy`` as pydicom rewrites it unchanged (the fair baseline:
errors of pydicom's writer are not the profile's) and after de-identification; the
de-identified file may have fewer errors, never a new one. A file dciodvfy cannot read at all,
or pydicom cannot rewrite, has no baseline and is skipped (the count is asserted).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import burned_support
import highdicom as hd
import numpy as np
import pydicom
import pytest
from dciodvfy_support import errors, needs_dciodvfy
from pydicom.data import get_testdata_file
from pydicom.data.data_manager import DATA_ROOT, external_data_sources
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from server.cases import deid
from server.cases.deid_rules import Action, Dates, Options, action_for
from server.cases.redact import RedactionError, default_rectangles, needs_redaction, redact

pytestmark = needs_dciodvfy

PROFILES = {
    "teaching": Options(),
    "basic": Options(dates=Dates.REMOVED, clean_descriptors=False),
    "full-dates+characteristics": Options(dates=Dates.FULL, patient_characteristics=True),
}


def segmentation() -> Dataset:
    ct = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    mask = np.zeros((1, ct.Rows, ct.Columns), dtype=bool)
    mask[0, 10:30, 10:30] = True
    segment = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="lesion",
        segmented_property_category=codes.SCT.Tissue,
        segmented_property_type=codes.SCT.Tissue,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )
    return hd.seg.Segmentation(
        source_images=[ct],
        pixel_array=mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[segment],
        series_instance_uid=hd.UID(),
        series_number=2,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="huizhen",
        manufacturer_model_name="test",
        software_versions="1",
        device_serial_number="SN-42",
    )


def corpus(tmp: Path) -> Iterator[Path]:
    for name, ds in (
        ("seg.dcm", segmentation()),
        ("us.dcm", burned_support.ultrasound()),
        ("sc.dcm", burned_support.screenshot()),
    ):
        ds.save_as(tmp / name, enforce_file_format=True)
        yield tmp / name
    folders = [Path(DATA_ROOT) / "test_files"]
    folders += [Path(source.data_path) for source in external_data_sources().values()]
    for folder in folders:  # pydicom's own test files and pydicom-data's, all offline
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".py")


def remaining(ds: Dataset) -> Iterator[DataElement]:
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from remaining(item)


def deidentified(path: Path, options: Options) -> Dataset | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the corpus holds deliberately broken files
        try:
            ds = pydicom.dcmread(path)
            if "SOPInstanceUID" not in ds or "StudyInstanceUID" not in ds:
                return None
        except Exception:
            return None
        if needs_redaction(ds):
            with contextlib.suppress(RedactionError):  # held back in a copy; headers here
                redact(ds, default_rectangles(ds) or ((0, 0, 8, 8),))
        remap = deid.uid_mapper(b"corpus", str(ds.StudyInstanceUID))
        return deid.deidentify_dataset(ds, remap, options, shift_days=100)


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, set[str]]:
    """Each corpus file's dciodvfy errors as pydicom rewrites it unchanged."""
    tmp = tmp_path_factory.mktemp("corpus")
    found = {}
    for path in corpus(tmp):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                rewritten = tmp / f"baseline-{path.name}"
                pydicom.dcmread(path).save_as(rewritten, enforce_file_format=True)
            except Exception:
                continue
        baseline = errors(rewritten)
        if baseline is not None:
            found[path] = baseline
    return found


@pytest.mark.slow
@pytest.mark.parametrize("profile", list(PROFILES))
def test_no_new_dciodvfy_error_and_nothing_removed_is_left(
    profile: str, baselines: dict[Path, set[str]], tmp_path: Path
) -> None:
    options = PROFILES[profile]
    checked, new_errors, leaks = 0, {}, {}
    for path, baseline in baselines.items():
        ds = deidentified(path, options)
        if ds is None:
            continue
        out = tmp_path / path.name
        ds.save_as(out, enforce_file_format=True)
        left = [
            e.keyword or str(e.tag)
            for e in remaining(ds)
            if action_for(int(e.tag), options) is Action.REMOVE
        ]
        if left:
            leaks[path.name] = left
        after = errors(out)
        added = {"unreadable after de-identification"} if after is None else after - baseline
        if added:
            new_errors[path.name] = sorted(added)
        checked += 1
    assert checked >= 120, f"only {checked} files checked"
    assert leaks == {}
    assert new_errors == {}
