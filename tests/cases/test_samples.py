"""The synthetic samples are deterministic and realistic (HU per tissue, consistent geometry)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels.processing import apply_modality_lut

from samples import SamplePaths, ct, ensure_samples, mr, radiograph
from samples.common import uid


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_regenerating_gives_the_same_bytes(samples: SamplePaths, tmp_path: Path) -> None:
    again = ensure_samples(tmp_path)
    assert [digest(p) for p in again.ct_files] == [digest(p) for p in samples.ct_files]
    assert digest(again.mr) == digest(samples.mr)
    assert digest(again.radiograph) == digest(samples.radiograph)


def test_ensure_samples_reuses_the_cache(samples: SamplePaths) -> None:
    before = samples.ct_files[0].stat().st_mtime_ns
    assert ensure_samples() == samples
    assert samples.ct_files[0].stat().st_mtime_ns == before


def test_uids_are_derived_not_random() -> None:
    assert uid("ct", "study") == uid("ct", "study")
    assert uid("ct", "study") != uid("mr", "study")
    assert uid("ct", "study").startswith("2.25.") and len(uid("ct", "study")) <= 64


def test_ct_series_shape_and_identity(samples: SamplePaths) -> None:
    datasets = [pydicom.dcmread(p, stop_before_pixels=True) for p in samples.ct_files]
    assert len(datasets) >= 100
    assert {(d.Rows, d.Columns) for d in datasets} == {(512, 512)}
    assert len({d.StudyInstanceUID for d in datasets}) == 1
    assert len({d.SeriesInstanceUID for d in datasets}) == 1
    assert len({d.SOPInstanceUID for d in datasets}) == len(datasets)
    first = datasets[0]
    assert first.Modality == "CT" and first.RescaleType == "HU"
    assert first.PatientName and first.StudyDescription and first.SeriesDescription
    assert [float(c) for c in first.WindowCenter] == [40, -600]


def test_ct_positions_step_by_slice_thickness_along_the_normal(samples: SamplePaths) -> None:
    datasets = [pydicom.dcmread(p, stop_before_pixels=True) for p in samples.ct_files]
    orientation = np.array([float(v) for v in datasets[0].ImageOrientationPatient])
    normal = np.cross(orientation[:3], orientation[3:])
    positions = np.array([[float(v) for v in d.ImagePositionPatient] for d in datasets])
    steps = np.diff(positions @ normal)
    thickness = float(datasets[0].SliceThickness)
    assert np.allclose(steps, thickness)
    assert np.allclose(np.diff(positions, axis=0)[:, :2], 0)  # no drift within the plane
    assert [float(d.SliceLocation) for d in datasets] == pytest.approx(list(positions @ normal))
    assert [int(d.InstanceNumber) for d in datasets] == list(range(1, len(datasets) + 1))


def hu_patch(path: Path, x_mm: float, y_mm: float, half: int = 3) -> np.ndarray:
    """HU values (modality LUT applied) in a small patch around a point in mm."""
    ds = pydicom.dcmread(path)
    hu = apply_modality_lut(ds.pixel_array, ds)
    spacing = float(ds.PixelSpacing[0])
    origin = [float(v) for v in ds.ImagePositionPatient]
    col = round((x_mm - origin[0]) / spacing)
    row = round((y_mm - origin[1]) / spacing)
    return np.asarray(hu[row - half : row + half + 1, col - half : col + half + 1])


def slice_at(samples: SamplePaths, z: float) -> Path:
    index = round((z - ct.Geometry().z0) / ct.THICKNESS)
    return samples.ct_files[index]


@pytest.mark.parametrize(
    ("tissue", "z", "x", "y"),
    [
        ("air", 0.0, -170.0, -170.0),
        ("fat", -40.0, 0.0, -115.0),
        ("soft", -40.0, 60.0, 0.0),
        ("liver", -40.0, -110.0, 30.0),
        ("lesion", -40.0, -60.0, -30.0),
        ("blood", -40.0, 15.0, 40.0),
        ("bone", -40.0, 0.0, 75.0),
        ("lung", 100.0, 70.0, -5.0),
    ],
)
def test_ct_hounsfield_units_per_tissue(
    samples: SamplePaths, tissue: str, z: float, x: float, y: float
) -> None:
    patch = hu_patch(slice_at(samples, z), x, y)
    assert abs(float(patch.mean()) - ct.HU[tissue]) < 10, (tissue, patch.mean())
    assert float(patch.std()) < 15  # noise, not a boundary


def test_ct_is_fast_enough_to_regenerate_one_slice_identically() -> None:
    x, y = ct._grid()
    assert np.array_equal(ct.slice_hu(7, x, y), ct.slice_hu(7, x, y))


def test_mr_is_multiframe_with_per_frame_geometry(samples: SamplePaths) -> None:
    ds = pydicom.dcmread(samples.mr)
    assert ds.Modality == "MR" and int(ds.NumberOfFrames) == mr.FRAMES
    assert ds.pixel_array.shape == (mr.FRAMES, mr.SIZE, mr.SIZE)
    shared = ds.SharedFunctionalGroupsSequence[0]
    thickness = float(shared.PixelMeasuresSequence[0].SliceThickness)
    z = [
        float(f.PlanePositionSequence[0].ImagePositionPatient[2])
        for f in ds.PerFrameFunctionalGroupsSequence
    ]
    assert np.allclose(np.diff(z), thickness)
    white = ds.pixel_array[mr.FRAMES // 2, mr.SIZE // 2 - 40, mr.SIZE // 2 - 40 : -80].mean()
    assert white > ds.pixel_array[mr.FRAMES // 2, 0:10, 0:10].mean()


def test_radiograph_is_monochrome1_with_lungs_brighter_in_stored_values(
    samples: SamplePaths,
) -> None:
    ds = pydicom.dcmread(samples.radiograph)
    assert ds.PhotometricInterpretation == "MONOCHROME1"
    pixels = ds.pixel_array
    centre = radiograph.SIZE // 2
    lung = pixels[centre - 10 : centre + 10, centre + 170 : centre + 200].mean()  # x ~ +75 mm
    spine = pixels[centre + 200 : centre + 240, centre - 10 : centre + 10].mean()
    assert lung > spine  # MONOCHROME1: low values (bone) display white
    assert ds.BurnedInAnnotation == "NO"
