"""The issue's corpus test, per file of pydicom's test data and pydicom-data (``corpus.py``):
every valid instance imports; ``/metadata`` carries every attribute of the file (as pydicom
and as DCMTK's ``dcmdump`` read it); every frame
of every lossless syntax served — native, RLE, JPEG-LS, JPEG 2000 — decodes, as
``/metadata`` describes it, bit for bit to pydicom's decode of the original."""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpus import LOSSLESS, REFUSED, corpus, decode_as_metadata_says, ids, imported, read
from pydicom.dataset import Dataset
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

from server.auth import ApiError
from server.cases.store import StudyStore
from server.dicomweb.wado import _instance_json

FILES = corpus()
TARGETS = (ExplicitVRLittleEndian, RLELossless, JPEGLSLossless, JPEG2000Lossless)


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_valid_instance_imports(path: Path, tmp_path: Path) -> None:
    store = StudyStore(tmp_path / "store")
    report = store.import_paths([path])
    if path.name in REFUSED:
        assert {e.code.value for e in report.errors} == {REFUSED[path.name]}
        return
    assert report.errors == () and len(report.imported) == 1, report.errors
    (stored,) = (store.root / "dicom").rglob("*.dcm")
    assert stored.read_bytes() == path.read_bytes()  # kept exactly as received


VALID = tuple(p for p in FILES if p.name not in REFUSED)


@pytest.mark.parametrize("path", VALID, ids=ids(VALID))
def test_metadata_has_every_attribute_of_the_file(path: Path, tmp_path: Path) -> None:
    dw, record = imported(path, tmp_path)
    meta = _instance_json(dw, record, "http://h/dicom-web")
    original = read(path)
    assert _missing(original, meta, "") == []
    dcmtk_view = {tag for tag in _dcmdump_tags(path) if not tag.endswith("0000")}
    assert dcmtk_view - set(meta) == set()  # group lengths aside (jsonmeta's docstring)
    if "PixelData" in original:
        encapsulated = original.file_meta.TransferSyntaxUID.is_encapsulated
        expected_vrs = ("OB",) if encapsulated else ("OB", "OW")
        assert meta["7FE00010"]["vr"] in expected_vrs


def _dcmdump_tags(path: Path) -> set[str]:
    """The top-level data set tags as DCMTK's ``dcmdump`` reads the file (a second,
    independent parser); empty if DCMTK cannot read it."""
    done = subprocess.run(["dcmdump", "-q", str(path)], capture_output=True, check=False)
    text = done.stdout.decode("latin-1")
    if done.returncode != 0 or "# Dicom-Data-Set" not in text:
        return set()
    body = text.split("# Dicom-Data-Set", 1)[1]
    found = re.findall(r"^\(([0-9a-f]{4}),([0-9a-f]{4})\)", body, re.MULTILINE)
    return {f"{g}{e}".upper() for g, e in found if g != "fffe"}  # fffe: item delimiters


def _missing(ds: Dataset, meta: dict[str, Any], where: str) -> list[str]:
    """Paths of the elements of ``ds`` (recursively) that ``meta`` does not carry."""
    missing: list[str] = []
    for tag in ds.keys():  # noqa: SIM118 - the tags, not the elements
        if tag.element == 0:
            continue  # group lengths describe an encoding (jsonmeta's docstring)
        key = f"{int(tag):08X}"
        entry = meta.get(key)
        if entry is None:
            missing.append(where + key)
            continue
        if ds.get_item(tag).VR == "SQ" and not isinstance(ds.get_item(tag), bytes):
            items = ds[tag].value or []
            values = entry.get("Value", [])
            assert len(values) == len(items), where + key
            for number, (item, item_meta) in enumerate(zip(items, values, strict=True), 1):
                missing += _missing(item, item_meta, f"{where}{key}/{number}/")
        elif ds[tag].value not in (None, "", b"") and not (
            "Value" in entry or "BulkDataURI" in entry or "InlineBinary" in entry
        ):
            missing.append(f"{where}{key} (value dropped)")
    return missing


def _is_lossless_image(path: Path) -> bool:
    ds = read(path, stop_before_pixels=True)
    syntax = str(ds.file_meta.TransferSyntaxUID)
    return syntax in LOSSLESS and "Rows" in ds and int(ds.get("BitsAllocated", 8)) > 1


IMAGES = tuple(p for p in VALID if _is_lossless_image(p))


@pytest.mark.parametrize("path", IMAGES, ids=ids(IMAGES))
def test_lossless_frames_decode_bit_exact_as_metadata_says(path: Path, tmp_path: Path) -> None:
    dw, record = imported(path, tmp_path)
    original = read(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = original.pixel_array
    except Exception as exc:  # pydicom itself cannot decode it: nothing to compare against
        pytest.skip(f"pydicom cannot decode the original: {exc}")
    meta = _instance_json(dw, record, "http://h/dicom-web")
    numbers = list(range(1, record.number_of_frames + 1))
    served = 0
    for target in TARGETS:
        try:
            syntax, frames = dw.representations.frames(record, target, numbers)
        except ApiError:
            assert target != ExplicitVRLittleEndian  # native is always possible
            continue  # this encoder cannot take these pixels (e.g. 32-bit JPEG-LS)
        decoded = decode_as_metadata_says(frames, syntax, meta, original)
        assert np.array_equal(decoded, expected), f"{path.name} as {UID(syntax).name}"
        served += 1
    assert served >= 1
