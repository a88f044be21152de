"""A synthetic contrast-enhanced abdominal/chest CT series (axial, 512 x 512, 120 slices).

Tissues in Hounsfield units (the modality LUT is HU = stored * 1 - 1024): air -1000, lung
-850, fat -100, soft tissue 40, liver 60 (portal venous phase), contrast-enhanced lesions
~170, blood pool (aorta) 180, bone 700 (cortex 1200). Gaussian noise (sigma 8 HU) from a
fixed seed per slice, so every run writes the same bytes.

Geometry: Image Orientation (Patient) 1\\0\\0\\0\\1\\0, slices stepping by Slice Thickness
(2.5 mm) along the normal (0, 0, 1), Pixel Spacing 0.7 mm, a field of view centred on 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage

from samples.common import grayscale, patient_study, save, uid

SEED = 20261128
SIZE = 512
SLICES = 120
SPACING = 0.7  # mm
THICKNESS = 2.5  # mm
INTERCEPT = -1024
HU = {"air": -1000, "lung": -850, "fat": -100, "soft": 40, "liver": 60, "lesion": 170,
      "blood": 180, "bone": 700, "cortex": 1200}  # fmt: skip
LESIONS = (  # centre x, y, z (mm), radius (mm)
    (-60.0, -30.0, -40.0, 12.0),
    (-85.0, 10.0, -20.0, 8.0),
    (-45.0, 25.0, -60.0, 15.0),
)


@dataclass(frozen=True)
class Geometry:
    z0: float = -(SLICES - 1) * THICKNESS / 2

    def z(self, index: int) -> float:
        return self.z0 + index * THICKNESS

    def position(self, index: int) -> tuple[float, float, float]:
        half = (SIZE - 1) * SPACING / 2
        return (-half, -half, self.z(index))


def _grid() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    axis = (np.arange(SIZE) - (SIZE - 1) / 2) * SPACING
    x, y = np.meshgrid(axis, axis)  # x across columns (patient left), y down rows (posterior)
    return x, y


def slice_hu(index: int, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int16]:
    """One slice in HU (noise included)."""
    z = Geometry().z(index)
    hu = np.full(x.shape, HU["air"], dtype=np.float64)
    body = (x / 165) ** 2 + (y / 120) ** 2 <= 1
    inner = (x / 155) ** 2 + (y / 110) ** 2 <= 1
    hu[body] = HU["fat"]
    hu[inner] = HU["soft"]
    chest = z > 40  # upper slices: lungs; lower: liver
    if chest:
        for side in (-1, 1):
            hu[((x - side * 70) / 55) ** 2 + ((y + 5) / 75) ** 2 <= 1] = HU["lung"]
    else:
        hu[((x + 65) / 70) ** 2 + ((y - 0) / 65) ** 2 <= 1] = HU["liver"]
        for cx, cy, cz, r in LESIONS:
            rz2 = r**2 - (z - cz) ** 2
            if rz2 > 0:
                hu[(x - cx) ** 2 + (y - cy) ** 2 <= rz2] = HU["lesion"]
    hu[(x - 15) ** 2 + (y - 40) ** 2 <= 12**2] = HU["blood"]  # aorta
    vertebra = (x / 22) ** 2 + ((y - 75) / 18) ** 2
    hu[vertebra <= 1] = HU["cortex"]
    hu[vertebra <= 0.6] = HU["bone"]
    rng = np.random.default_rng([SEED, index])
    noise = rng.normal(0.0, 8.0, size=x.shape)
    return np.clip(np.rint(hu + np.where(hu > HU["air"], noise, noise / 4)), -1024, 3071).astype(
        np.int16
    )


def dataset(index: int, x: NDArray[np.float64], y: NDArray[np.float64]) -> Dataset:
    ds = Dataset()
    description = "CT chest/abdomen with contrast (synthetic)"
    patient_study(ds, name="Synthetic^CT Phantom", patient_id="HZ-CT-0001", study="ct",
                  description=description, when="20260105")  # fmt: skip
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = uid("ct", "instance", index)
    ds.Modality = "CT"
    ds.SeriesInstanceUID = uid("ct", "series")
    ds.SeriesNumber = 2
    ds.SeriesDescription = "Portal venous 2.5 mm"
    ds.FrameOfReferenceUID = uid("ct", "frame-of-reference")
    ds.PositionReferenceIndicator = ""
    ds.InstanceNumber = index + 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [round(v, 4) for v in Geometry().position(index)]
    ds.SliceLocation = round(Geometry().z(index), 4)
    ds.SliceThickness = THICKNESS
    ds.SpacingBetweenSlices = THICKNESS
    ds.PixelSpacing = [SPACING, SPACING]
    ds.KVP = 120
    ds.PhotometricInterpretation = "MONOCHROME2"
    grayscale(ds, SIZE, SIZE, bits_stored=12, signed=False)
    ds.RescaleIntercept = INTERCEPT
    ds.RescaleSlope = 1
    ds.RescaleType = "HU"
    ds.WindowCenter, ds.WindowWidth = [40, -600], [400, 1500]
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "LUNG"]
    ds.ContrastBolusAgent = "Iohexol"
    ds.PixelData = (slice_hu(index, x, y).astype(np.int32) - INTERCEPT).astype("<u2").tobytes()
    return ds


def write_series(folder: Path) -> tuple[Path, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    x, y = _grid()
    paths = []
    for index in range(SLICES):
        path = folder / f"CT{index + 1:04d}.dcm"
        save(dataset(index, x, y), path)
        paths.append(path)
    return tuple(paths)
