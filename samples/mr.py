"""A synthetic multi-frame Enhanced MR (brain-like, T1-weighted look, 24 frames of 256 x 256).

One file, Number of Frames 24: geometry in the functional groups — Pixel Measures and Plane
Orientation shared, Plane Position and Frame Content per frame, stepping by Slice Thickness
(5 mm) along the normal. Intensities are arbitrary MR units (no modality LUT).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import EnhancedMRImageStorage

from samples.common import grayscale, patient_study, save, uid

SEED = 20261129
SIZE = 256
FRAMES = 24
SPACING = 0.9  # mm
THICKNESS = 5.0  # mm
TISSUE = {"background": 0, "csf": 300, "grey": 700, "white": 900, "fat": 1400}


def frame(index: int) -> NDArray[np.uint16]:
    axis = (np.arange(SIZE) - (SIZE - 1) / 2) * SPACING
    x, y = np.meshgrid(axis, axis)
    scale = max(0.2, 1 - abs(index - (FRAMES - 1) / 2) / FRAMES)  # smaller towards the ends
    image = np.zeros((SIZE, SIZE))
    image[(x / (95 * scale)) ** 2 + (y / (115 * scale)) ** 2 <= 1] = TISSUE["fat"]  # scalp
    image[(x / (88 * scale)) ** 2 + (y / (108 * scale)) ** 2 <= 1] = TISSUE["csf"]
    image[(x / (84 * scale)) ** 2 + (y / (104 * scale)) ** 2 <= 1] = TISSUE["grey"]
    image[(x / (70 * scale)) ** 2 + (y / (90 * scale)) ** 2 <= 1] = TISSUE["white"]
    for side in (-1, 1):  # lateral ventricles
        image[((x - side * 12 * scale) / 6) ** 2 + (y / (30 * scale)) ** 2 <= 1] = TISSUE["csf"]
    noise = np.random.default_rng([SEED, index]).normal(0.0, 20.0, image.shape)
    return np.clip(np.rint(image + noise), 0, 4095).astype(np.uint16)


def _item(**values: object) -> Dataset:
    item = Dataset()
    for key, value in values.items():
        setattr(item, key, value)
    return item


def _per_frame(index: int) -> Dataset:
    z = (index - (FRAMES - 1) / 2) * THICKNESS
    half = (SIZE - 1) * SPACING / 2
    position = _item(ImagePositionPatient=[-half, -half, z])
    content = _item(DimensionIndexValues=[index + 1], StackID="1", InStackPositionNumber=index + 1)
    return _item(PlanePositionSequence=[position], FrameContentSequence=[content])


def dataset() -> Dataset:
    ds = Dataset()
    description = "MR brain (synthetic, enhanced multi-frame)"
    patient_study(ds, name="Synthetic^MR Phantom", patient_id="HZ-MR-0002", study="mr",
                  description=description, when="20260106")  # fmt: skip
    ds.SOPClassUID = EnhancedMRImageStorage
    ds.SOPInstanceUID = uid("mr", "instance")
    ds.Modality = "MR"
    ds.SeriesInstanceUID = uid("mr", "series")
    ds.SeriesNumber = 3
    ds.SeriesDescription = "T1 axial multi-frame"
    ds.FrameOfReferenceUID = uid("mr", "frame-of-reference")
    ds.InstanceNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.PixelPresentation = "MONOCHROME"  # MR Image Description module
    ds.VolumetricProperties = "VOLUME"
    ds.VolumeBasedCalculationTechnique = "NONE"
    ds.ComplexImageComponent = "MAGNITUDE"
    ds.AcquisitionContrast = "T1"
    ds.ContentQualification = "PRODUCT"
    ds.AcquisitionDateTime = "20260106090000"
    ds.NumberOfFrames = FRAMES
    ds.PhotometricInterpretation = "MONOCHROME2"
    grayscale(ds, SIZE, SIZE, bits_stored=12, signed=False)
    ds.SharedFunctionalGroupsSequence = Sequence([_shared()])
    ds.PerFrameFunctionalGroupsSequence = Sequence([_per_frame(i) for i in range(FRAMES)])
    ds.DimensionOrganizationSequence = [_item(DimensionOrganizationUID=uid("mr", "dimension"))]
    ds.PixelData = np.stack([frame(i) for i in range(FRAMES)]).astype("<u2").tobytes()
    return ds


def _shared() -> Dataset:
    measures = _item(PixelSpacing=[SPACING, SPACING], SliceThickness=THICKNESS)
    orientation = _item(ImageOrientationPatient=[1, 0, 0, 0, 1, 0])
    voi = _item(WindowCenter=700, WindowWidth=1400)
    frame_type = _item(
        FrameType=["ORIGINAL", "PRIMARY", "M", "NONE"],
        PixelPresentation="MONOCHROME",
        VolumetricProperties="VOLUME",
        VolumeBasedCalculationTechnique="NONE",
        ComplexImageComponent="MAGNITUDE",
        AcquisitionContrast="T1",
    )
    return _item(
        PixelMeasuresSequence=[measures],
        PlaneOrientationSequence=[orientation],
        FrameVOILUTSequence=[voi],
        MRImageFrameTypeSequence=[frame_type],
    )


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save(dataset(), path)
    return path
