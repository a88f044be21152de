"""The colour bugs the issue names, each on a file made by DCMTK from pydicom's test data:
big-endian planar RGB, planar RGB converted to RLE, YBR served natively — decoded as
``/metadata`` says, every one equals pydicom's decode of the original, bit for bit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from cases_support import real_file
from corpus import decode_as_metadata_says, imported, read
from pydicom.uid import ExplicitVRLittleEndian, JPEGLSLossless, RLELossless

from server.dicomweb.wado import _instance_json


def _converted(source: str, argv: list[str], tmp_path: Path) -> Path:
    target = tmp_path / f"{Path(source).stem}-{argv[-1].strip('+')}.dcm"
    subprocess.run([*argv, str(real_file(source)), str(target)], check=True)
    return target


@pytest.mark.parametrize(
    ("source", "argv", "planar_stored"),
    [
        ("color-pl.dcm", ["dcmconv", "+tb"], 1),  # big endian, PlanarConfiguration 1
        ("color-pl.dcm", ["dcmconv", "+te"], 1),  # little endian planar
        ("SC_ybr_full_uncompressed.dcm", ["dcmconv", "+te"], 0),
        ("SC_ybr_full_422_uncompressed.dcm", ["dcmconv", "+te"], 0),  # 2 values a pixel
    ],
)
@pytest.mark.parametrize("target", [ExplicitVRLittleEndian, RLELossless, JPEGLSLossless])
def test_colour_frames_decode_as_metadata_says(
    source: str, argv: list[str], planar_stored: int, target: str, tmp_path: Path
) -> None:
    path = _converted(source, argv, tmp_path)
    original = read(path)
    assert int(original.get("PlanarConfiguration", 0)) == planar_stored
    dw, record = imported(path, tmp_path)
    meta = _instance_json(dw, record, "http://h/dicom-web")
    assert meta["00280004"]["Value"] == ["RGB"] and meta["00280006"]["Value"] == [0]
    syntax, frames = dw.representations.frames(record, target, [1])
    assert syntax == target
    decoded = decode_as_metadata_says(frames, syntax, meta, original)
    assert np.array_equal(decoded, original.pixel_array)
