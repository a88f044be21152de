"""Instances with burned-in text, written with pydicom: a name drawn into the pixels (PIL)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, UltrasoundImageStorage

NAME = "DOE^JANE 1970-01-01 ID 12345"
STUDY = "1.2.826.0.1.3680043.10.1234.1"
ROWS, COLUMNS = 240, 320


def drawn(text: str, at: tuple[int, int], rgb: bool) -> NDArray[np.uint8]:
    """A dark gradient image with ``text`` written in white at ``at`` (x, y)."""
    image = Image.new("RGB" if rgb else "L", (COLUMNS, ROWS))
    gradient = np.tile(np.linspace(10, 120, COLUMNS, dtype=np.uint8), (ROWS, 1))
    image.paste(Image.fromarray(gradient).convert(image.mode))
    ImageDraw.Draw(image).text(at, text, fill=(255, 255, 255) if rgb else 255)
    return np.asarray(image, dtype=np.uint8)


def _base(sop_class: str, modality: str, series: str, sop: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop
    ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, series
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = (
        "Doe^Jane",
        "12345",
        "19700101",
        "F",
    )
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID = "20240301", "101112", "A1", "S1"
    ds.ReferringPhysicianName, ds.Modality = "Smith^John", modality
    ds.SeriesNumber, ds.InstanceNumber, ds.Manufacturer = 1, 1, "ACME"
    ds.ContentDate, ds.ContentTime = "20240301", "101500"
    return ds


def ultrasound(name_at_top: bool = True) -> Dataset:
    """An RGB ultrasound frame, the patient's name in the top band (Burned In Annotation absent)."""
    ds = _base(UltrasoundImageStorage, "US", STUDY + ".2", STUDY + ".2.1")
    pixels = drawn(NAME, (4, 6) if name_at_top else (4, 120), rgb=True)
    ds.set_pixel_data(pixels, "RGB", 8, generate_instance_uid=False)
    ds.PatientOrientation, ds.ImageType = "", ["ORIGINAL", "PRIMARY"]
    return ds


def screenshot() -> Dataset:
    """A secondary capture with the name in the middle, flagged Burned In Annotation YES."""
    ds = _base(SecondaryCaptureImageStorage, "OT", STUDY + ".3", STUDY + ".3.1")
    ds.set_pixel_data(
        drawn(NAME, (60, 110), rgb=False), "MONOCHROME2", 8, generate_instance_uid=False
    )
    ds.ConversionType, ds.PatientOrientation = "WSD", ""
    ds.BurnedInAnnotation = "YES"
    return ds
