"""Every JPEG and JPEG-LS file of the corpus, served as native frames, against DCMTK's own
decoders (``dcmdjpeg``, ``dcmdjpls``): bit for bit for lossless syntaxes; for lossy ones
within one grey level (two IDCT implementations, libjpeg-turbo and DCMTK's IJG)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from corpus import REFUSED, corpus, ids, imported, read
from pydicom.uid import ExplicitVRLittleEndian

from server.dicomweb.transcode import native_frame_array

DCMTK = {
    "1.2.840.10008.1.2.4.50": ("dcmdjpeg", False),
    "1.2.840.10008.1.2.4.51": ("dcmdjpeg", False),
    "1.2.840.10008.1.2.4.57": ("dcmdjpeg", True),
    "1.2.840.10008.1.2.4.70": ("dcmdjpeg", True),
    "1.2.840.10008.1.2.4.80": ("dcmdjpls", True),
    "1.2.840.10008.1.2.4.81": ("dcmdjpls", False),
}


def _syntax(path: Path) -> str:
    return str(read(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


JPEGS = tuple(p for p in corpus() if p.name not in REFUSED and _syntax(p) in DCMTK)


@pytest.mark.parametrize("path", JPEGS, ids=ids(JPEGS))
def test_native_frames_match_dcmtk(path: Path, tmp_path: Path) -> None:
    tool, lossless = DCMTK[_syntax(path)]
    reference = tmp_path / "dcmtk.dcm"
    done = subprocess.run([tool, str(path), str(reference)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"DCMTK cannot decode it: {done.stderr.decode(errors='replace')[:200]}")
    expected = read(reference)
    dw, record = imported(path, tmp_path)
    _, frames = dw.representations.frames(record, ExplicitVRLittleEndian, [1])
    native = read(dw.representations.p10(record, ExplicitVRLittleEndian, as_decoded=True))
    got = native_frame_array(frames[0], native).astype(np.int64)
    want = expected.pixel_array
    want = (want[0] if int(expected.get("NumberOfFrames", 1) or 1) > 1 else want).astype(np.int64)
    if str(expected.PhotometricInterpretation) != str(native.PhotometricInterpretation):
        pytest.skip(f"DCMTK keeps {expected.PhotometricInterpretation}; compared in RGB elsewhere")
    difference = np.abs(got.reshape(want.shape) - want)
    assert difference.max() <= (0 if lossless else 1), int(difference.max())
