"""One study, one series per transfer syntax, for the Chromium rendering test.

A 12-bit greyscale MR-like slice (no rescale, so the viewer's scalars are the stored values)
and an 8-bit one for the 8-bit-only JPEG processes, encoded by the tools a PACS would use:
DCMTK (``dcmcjpeg``, ``dcmcjpls``, ``dcmcrle``, ``dcmconv``) and pydicom (JPEG 2000 via
OpenJPEG; HTJ2K via OpenJPH in imagecodecs). Each file is checked to carry its syntax.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import imagecodecs
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEG2000, UID, ExplicitVRLittleEndian, JPEG2000Lossless, generate_uid

ROWS = COLS = 96
_ROOT = "1.2.826.0.1.3680043.10.1447.7."
MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4"


@dataclass(frozen=True)
class SyntaxCase:
    syntax: str
    name: str
    series: str
    sop: str
    path: Path
    pixels: np.ndarray  # what the viewer must show (the stored values)
    lossless: bool


def _uid(*parts: str) -> str:
    return str(generate_uid(prefix=_ROOT, entropy_srcs=["huizhen-syntaxes", *parts]))


def _pixels(bits: int) -> np.ndarray:
    xx = np.mgrid[0:ROWS, 0:COLS][1]
    top = (1 << bits) - 1
    ramp = (xx * top // (COLS - 1)).astype(np.int64)
    ramp[30:66, 30:66] = top // 4  # a flat square to measure
    return ramp.astype(np.uint16 if bits > 8 else np.uint8)


def _base(study: str, name: str, bits: int) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = UID(MR_STORAGE)
    ds.SOPClassUID = UID(MR_STORAGE)
    ds.SOPInstanceUID = _uid("sop", name)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, _uid("series", name)
    ds.PatientName, ds.PatientID, ds.Modality = "Syntax^Test", "SYNTAX-1", "MR"
    ds.StudyDate, ds.SeriesNumber, ds.InstanceNumber = "20260101", 1, 1
    ds.SeriesDescription = name
    ds.Rows, ds.Columns, ds.SamplesPerPixel = ROWS, COLS, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16 if bits > 8 else 8
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits - 1, 0
    ds.PixelSpacing = [1, 1]
    ds.PixelData = _pixels(bits).tobytes()
    return ds


def _dcmtk(tool: list[str], source: Path, target: Path) -> None:
    subprocess.run([*tool, str(source), str(target)], check=True, capture_output=True)


# name, expected syntax, bits, how (DCMTK argv or a pydicom target), lossless
RECIPES: list[tuple[str, str, int, list[str] | str, bool]] = [
    ("explicit-le", "1.2.840.10008.1.2.1", 12, [], True),
    ("implicit-le", "1.2.840.10008.1.2", 12, ["dcmconv", "+ti"], True),
    ("big-endian", "1.2.840.10008.1.2.2", 12, ["dcmconv", "+tb"], True),
    ("deflate", "1.2.840.10008.1.2.1.99", 12, ["dcmconv", "+td"], True),
    ("rle", "1.2.840.10008.1.2.5", 12, ["dcmcrle"], True),
    ("jpeg-baseline", "1.2.840.10008.1.2.4.50", 8, ["dcmcjpeg", "+eb"], False),
    ("jpeg-extended-12", "1.2.840.10008.1.2.4.51", 12, ["dcmcjpeg", "+ee"], False),
    ("jpeg-lossless-57", "1.2.840.10008.1.2.4.57", 12, ["dcmcjpeg", "+el"], True),
    ("jpeg-lossless-70", "1.2.840.10008.1.2.4.70", 12, ["dcmcjpeg", "+e1"], True),
    ("jpeg-ls", "1.2.840.10008.1.2.4.80", 12, ["dcmcjpls", "+el"], True),
    ("jpeg-ls-near", "1.2.840.10008.1.2.4.81", 12, ["dcmcjpls", "+en"], False),
    ("jpeg2000-lossless", JPEG2000Lossless, 12, JPEG2000Lossless, True),
    ("jpeg2000", JPEG2000, 12, JPEG2000, False),
    ("htj2k-lossless", "1.2.840.10008.1.2.4.201", 12, "htj2k", True),
]


def make_syntax_study(folder: Path) -> tuple[str, list[SyntaxCase]]:
    study = _uid("study")
    cases: list[SyntaxCase] = []
    for name, syntax, bits, how, lossless in RECIPES:
        ds = _base(study, name, bits)
        plain = folder / f"{name}-plain.dcm"
        ds.save_as(plain, enforce_file_format=True)
        target = folder / f"{name}.dcm"
        if how == "htj2k":  # pydicom 3.0 has no HTJ2K encoder: OpenJPH through imagecodecs
            ds.PixelData = encapsulate([imagecodecs.htj2k_encode(_pixels(bits))])
            ds.file_meta.TransferSyntaxUID = UID(syntax)
            ds.save_as(target, enforce_file_format=True)
        elif isinstance(how, str):
            lossy = {} if lossless else {"j2k_cr": [20]}  # compression ratio 20:1
            ds.compress(UID(how), encoding_plugin="pylibjpeg", generate_instance_uid=False, **lossy)
            if not lossless:
                ds.LossyImageCompression = "01"
            ds.save_as(target, enforce_file_format=True)
        elif how:
            _dcmtk(how, plain, target)
        else:
            plain.replace(target)
        written = pydicom.dcmread(target, stop_before_pixels=True)
        assert written.file_meta.TransferSyntaxUID == syntax, (name, written.file_meta)
        expected = _pixels(bits)
        cases.append(
            # DCMTK gives a lossy result a new SOP Instance UID: take the file's own.
            SyntaxCase(syntax, name, str(written.SeriesInstanceUID),
                       str(written.SOPInstanceUID), target, expected, lossless)
        )  # fmt: skip
    return study, cases
