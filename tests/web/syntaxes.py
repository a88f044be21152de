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
from pydicom.pixels.processing import convert_color_space
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
    return study, cases + _colour_cases(study, folder)


# name, expected syntax, photometric, planar, how, lossless
COLOUR_RECIPES: list[tuple[str, str, str, int, list[str] | str, bool]] = [
    ("rgb-planar", "1.2.840.10008.1.2.1", "RGB", 1, [], True),
    ("rgb-planar-big-endian", "1.2.840.10008.1.2.2", "RGB", 1, ["dcmconv", "+tb"], True),
    ("rgb-rle", "1.2.840.10008.1.2.5", "RGB", 0, ["dcmcrle"], True),
    ("ybr-full-rle", "1.2.840.10008.1.2.5", "YBR_FULL", 0, ["dcmcrle"], True),
    ("ybr-full-native", "1.2.840.10008.1.2.1", "YBR_FULL", 0, [], True),
    ("rgb-jpeg-baseline", "1.2.840.10008.1.2.4.50", "RGB", 0, ["dcmcjpeg", "+eb"], False),
    ("rgb-jpeg-ls", "1.2.840.10008.1.2.4.80", "RGB", 0, ["dcmcjpls", "+el"], True),
    ("rgb-j2k-lossless", JPEG2000Lossless, "RGB", 0, JPEG2000Lossless, True),
]


def _rgb() -> np.ndarray:
    yy, xx = np.mgrid[0:ROWS, 0:COLS]
    rgb = np.stack([xx * 255 // (COLS - 1), yy * 255 // (ROWS - 1), (xx + yy) % 256], axis=-1)
    rgb[30:66, 30:66] = (200, 40, 90)  # a flat red square
    return rgb.astype(np.uint8)


def _colour_base(study: str, name: str, photometric: str, planar: int) -> Dataset:
    ds = _base(study, name, 8)
    ds.SamplesPerPixel, ds.PlanarConfiguration = 3, planar
    pixels = _rgb()
    if photometric == "YBR_FULL":
        pixels = convert_color_space(pixels, "RGB", "YBR_FULL")
    ds.PhotometricInterpretation = photometric
    ds.PixelData = (pixels.transpose(2, 0, 1) if planar else pixels).tobytes()
    return ds


def _colour_cases(study: str, folder: Path) -> list[SyntaxCase]:
    """Expected: pydicom's decode of the written file (YBR becomes RGB, as the server does)."""
    cases: list[SyntaxCase] = []
    for name, syntax, photometric, planar, how, lossless in COLOUR_RECIPES:
        ds = _colour_base(study, name, photometric, planar)
        target = folder / f"{name}.dcm"
        if isinstance(how, str):
            ds.compress(UID(how), encoding_plugin="pylibjpeg", generate_instance_uid=False)
            ds.save_as(target, enforce_file_format=True)
        elif how:
            plain = folder / f"{name}-plain.dcm"
            ds.save_as(plain, enforce_file_format=True)
            _dcmtk(how, plain, target)
        else:
            ds.save_as(target, enforce_file_format=True)
        written = pydicom.dcmread(target)
        assert written.file_meta.TransferSyntaxUID == syntax, (name, written.file_meta)
        cases.append(
            SyntaxCase(syntax, name, str(written.SeriesInstanceUID),
                       str(written.SOPInstanceUID), target, written.pixel_array, lossless)
        )  # fmt: skip
    return cases
