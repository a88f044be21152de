"""A synthetic chest radiograph, DX For Presentation, MONOCHROME1 (1024 x 1024, 12 bits).

MONOCHROME1: the minimum stored value displays white. So air-filled lungs (which expose the
detector most) carry *high* values and bone low ones — the inverse of a MONOCHROME2 image,
which is exactly what a viewer must get right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import DigitalXRayImageStorageForPresentation

from samples.common import grayscale, patient_study, save, uid

SEED = 20261130
SIZE = 1024
SPACING = 0.4  # mm at the detector
LEVEL = {"outside": 4000, "lung": 3000, "soft": 1800, "bone": 700}  # stored values


def image() -> NDArray[np.uint16]:
    axis = (np.arange(SIZE) - (SIZE - 1) / 2) * SPACING
    x, y = np.meshgrid(axis, axis)
    img = np.full((SIZE, SIZE), float(LEVEL["outside"]))
    img[(x / 180) ** 2 + (y / 200) ** 2 <= 1] = LEVEL["soft"]
    for side in (-1, 1):
        img[((x - side * 75) / 60) ** 2 + ((y + 10) / 130) ** 2 <= 1] = LEVEL["lung"]
    spine = (np.abs(x) <= 12) & ((x / 180) ** 2 + (y / 200) ** 2 <= 1)
    img[spine] = LEVEL["bone"]
    for k in range(8):  # ribs: thin arcs
        arc = np.abs(y - (-120 + 30 * k) - 0.002 * x**2) <= 4
        img[arc & ((x / 170) ** 2 + (y / 190) ** 2 <= 1)] = LEVEL["bone"]
    noise = np.random.default_rng(SEED).normal(0.0, 25.0, img.shape)
    return np.clip(np.rint(img + noise), 0, 4095).astype(np.uint16)


def dataset() -> Dataset:
    ds = Dataset()
    patient_study(ds, name="Synthetic^Chest Phantom", patient_id="HZ-DX-0003", study="dx",
                  description="Chest PA (synthetic)", when="20260107")  # fmt: skip
    ds.SOPClassUID = DigitalXRayImageStorageForPresentation
    ds.SOPInstanceUID = uid("dx", "instance")
    ds.Modality = "DX"
    ds.SeriesInstanceUID = uid("dx", "series")
    ds.SeriesNumber = 1
    ds.SeriesDescription = "PA"
    ds.InstanceNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.ViewPosition = "PA"
    ds.PatientOrientation = ["L", "F"]
    ds.BodyPartExamined = "CHEST"
    ds.ImagerPixelSpacing = [SPACING, SPACING]
    ds.PixelSpacing = [SPACING, SPACING]
    ds.PhotometricInterpretation = "MONOCHROME1"
    grayscale(ds, SIZE, SIZE, bits_stored=12, signed=False)
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "US"
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1
    ds.PixelData = image().astype("<u2").tobytes()
    return ds


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save(dataset(), path)
    return path
