"""Server-side rendering matches pydicom's modality + VOI LUT (and DCMTK) within one grey level."""

import copy
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_modality_lut, apply_voi_lut

from server.imaging import lut
from server.imaging.render import MediaType, RenderOptions, encode_image, render, render_frame
from session.model import Voi, VoiFunction

# Real files: CT with rescale, MR with a window, a 16-bit J2K, a lossy J2K CT with a window,
# a MONOCHROME1 J2K lossless radiograph, a VOI LUT Sequence and a Modality LUT Sequence file.
REAL_FILES = [
    "CT_small.dcm",
    "MR_small.dcm",
    "JPEG2000.dcm",
    "693_J2KI.dcm",
    "RG1_J2KR.dcm",
    "vlut_04.dcm",
    "mlut_18.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_RLE.dcm",
    "emri_small.dcm",
]


def load(name: str) -> Dataset:
    path = get_testdata_file(name)
    assert path is not None, f"{name} is not available offline"
    return pydicom.dcmread(path)


def pydicom_reference(ds: Dataset, frame: int = 0) -> np.ndarray:
    """pydicom's pipeline, normalized to 0..255 the way its output range is defined."""
    ds = copy.deepcopy(ds)
    stored = ds.pixel_array
    if stored.ndim == 3:
        stored = stored[frame]
    values = apply_modality_lut(stored, ds)
    has_lut = bool(ds.get("VOILUTSequence"))
    if not has_lut and "WindowCenter" not in ds:
        voi = lut.minmax_voi(values)
        ds.WindowCenter, ds.WindowWidth = voi.center, voi.width
        ds.VOILUTFunction = "LINEAR_EXACT"
    shown = apply_voi_lut(values, ds)
    if has_lut:
        y01 = shown / (2 ** int(ds.VOILUTSequence[0].LUTDescriptor[2]) - 1)
    else:
        low, high = _pydicom_output_range(ds)
        y01 = (shown - low) / (high - low)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        y01 = 1.0 - y01
    return np.asarray(np.rint(np.clip(y01, 0, 1) * 255), dtype=np.int64)


def _pydicom_output_range(ds: Dataset) -> tuple[float, float]:
    """The y_min / y_max pydicom's apply_windowing maps a window onto."""
    if ds.get("ModalityLUTSequence"):
        return 0.0, float(2 ** int(ds.ModalityLUTSequence[0].LUTDescriptor[2]) - 1)
    bits = int(ds.BitsStored)
    low, high = (
        (0, 2**bits - 1)
        if ds.PixelRepresentation == 0
        else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    )
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        return low * slope + intercept, high * slope + intercept
    return float(low), float(high)


def assert_close(ours: np.ndarray, reference: np.ndarray) -> None:
    diff = np.abs(ours.astype(np.int64) - reference)
    assert ours.shape == reference.shape
    assert int(diff.max()) <= 1, f"max difference {int(diff.max())} grey levels"


@pytest.mark.parametrize("name", REAL_FILES)
def test_default_rendering_matches_pydicom(name: str) -> None:
    ds = load(name)
    assert_close(render_frame(ds), pydicom_reference(ds))


@pytest.mark.parametrize("function", list(VoiFunction))
@pytest.mark.parametrize(
    ("name", "center", "width"),
    [
        ("CT_small.dcm", 40, 400),
        ("MR_small.dcm", 600, 800),
        ("RG1_J2KR.dcm", 9000, 12000),
        ("CT_small.dcm", -600, 1500),
    ],
)
def test_window_override_matches_pydicom(
    name: str, center: float, width: float, function: VoiFunction
) -> None:
    ds = load(name)
    reference = copy.deepcopy(ds)
    reference.WindowCenter, reference.WindowWidth = center, width
    reference.VOILUTFunction = function.value
    if "VOILUTSequence" in reference:
        del reference.VOILUTSequence
    voi = Voi(center=center, width=width, function=function)
    assert_close(render_frame(ds, 1, RenderOptions(voi=voi)), pydicom_reference(reference))


def test_invert_flips_monochrome1_back() -> None:
    ds = load("RG1_J2KR.dcm")
    plain = render_frame(ds).astype(np.int64)
    inverted = render_frame(ds, 1, RenderOptions(invert=True)).astype(np.int64)
    assert np.array_equal(plain + inverted, np.full_like(plain, 255))


def test_voi_lut_sequence_is_applied() -> None:
    # vlut_04's own table is close to the identity, so swap in a reversing 16-bit table
    # and check both ours and pydicom's reference follow it.
    ds = load("vlut_04.dcm")
    item = ds.VOILUTSequence[0]
    item.LUTData = [int((255 - v) * 257) for v in range(256)]
    rendered = render_frame(ds)
    assert_close(rendered, pydicom_reference(ds))
    assert np.array_equal(rendered, 255 - ds.pixel_array)


def test_enhanced_per_frame_window_wins_over_shared() -> None:
    ds = load("CT_small.dcm")
    enhanced = copy.deepcopy(ds)
    shared, own = Dataset(), Dataset()
    shared.FrameVOILUTSequence = [Dataset()]
    shared.FrameVOILUTSequence[0].WindowCenter, shared.FrameVOILUTSequence[0].WindowWidth = 0, 4000
    own.FrameVOILUTSequence = [Dataset()]
    own.FrameVOILUTSequence[0].WindowCenter, own.FrameVOILUTSequence[0].WindowWidth = 40, 400
    enhanced.SharedFunctionalGroupsSequence = [shared]
    enhanced.PerFrameFunctionalGroupsSequence = [own]
    expected = render_frame(ds, 1, RenderOptions(voi=Voi(40, 400)))
    assert np.array_equal(render_frame(enhanced), expected)


def test_colour_and_palette_images_render_as_rgb() -> None:
    for name in ("SC_rgb_rle_16bit.dcm", "examples_palette.dcm", "SC_rgb_small_odd.dcm"):
        pixels = render_frame(load(name))
        assert pixels.dtype == np.uint8
        assert pixels.ndim == 3
        assert pixels.shape[2] == 3


def test_linear_window_formula_edges() -> None:
    x = np.array([-1000.0, 39.5 - 199.5, 39.5 - 199.4, 40.0, 39.5 + 199.5, 39.5 + 199.6, 3000.0])
    y = lut.window_linear(x, 40, 400)
    assert y[0] == 0.0
    assert y[1] == 0.0
    assert 0.0 < y[2] < 0.01
    assert y[4] == pytest.approx(1.0)
    assert y[5] == 1.0
    assert y[6] == 1.0
    with pytest.raises(ValueError, match=">= 1"):
        lut.window_linear(x, 0, 0.5)
    with pytest.raises(ValueError, match="> 0"):
        lut.window_sigmoid(x, 0, 0)
    with pytest.raises(ValueError, match="> 0"):
        lut.window_linear_exact(x, 0, 0)


def test_encoders_produce_decodable_images(tmp_path: Path) -> None:
    ds = load("CT_small.dcm")
    png = render(ds, 1, MediaType.PNG, RenderOptions())
    (tmp_path / "a.png").write_bytes(png)
    with Image.open(tmp_path / "a.png") as image:
        assert np.array_equal(np.asarray(image), render_frame(ds))
    jpeg = encode_image(render_frame(ds), MediaType.JPEG, size=32)
    (tmp_path / "a.jpg").write_bytes(jpeg)
    with Image.open(tmp_path / "a.jpg") as image:
        assert max(image.size) == 32


DCMJ2PNM = shutil.which("dcmj2pnm")


@pytest.mark.skipif(DCMJ2PNM is None, reason="DCMTK dcmj2pnm not installed")
@pytest.mark.parametrize(
    ("name", "args", "voi"),
    [
        ("CT_small.dcm", ["+Ww", "40", "400"], Voi(40, 400)),
        ("CT_small.dcm", ["+Ww", "-600", "1500"], Voi(-600, 1500)),
        ("MR_small.dcm", ["+Wi", "1"], None),
        ("vlut_04.dcm", ["+Wl", "1"], None),
    ],
)
def test_matches_dcmtk(tmp_path: Path, name: str, args: list[str], voi: Voi | None) -> None:
    source = get_testdata_file(name)
    out = tmp_path / "dcmtk.png"
    subprocess.run(
        [str(DCMJ2PNM), "+on", *args, str(source), str(out)], check=True, capture_output=True
    )
    with Image.open(out) as image:
        dcmtk = np.asarray(image).astype(np.int64)
    assert_close(render_frame(load(name), 1, RenderOptions(voi=voi)), dcmtk)


def test_generated_samples_match_pydicom() -> None:
    """The synthetic CT (two windows: the first is used), the MONOCHROME1 radiograph and a
    frame of the enhanced multi-frame MR (window only in its shared functional group)."""
    from samples import ensure_samples

    samples = ensure_samples()
    for path in (samples.ct_files[60], samples.radiograph):
        ds = pydicom.dcmread(path)
        assert_close(render_frame(ds), pydicom_reference(ds))
    mr = pydicom.dcmread(samples.mr)
    flat = copy.deepcopy(mr)
    window = mr.SharedFunctionalGroupsSequence[0].FrameVOILUTSequence[0]
    flat.WindowCenter, flat.WindowWidth = window.WindowCenter, window.WindowWidth
    for frame in (1, 12, 24):
        assert_close(render_frame(mr, frame), pydicom_reference(flat, frame - 1))


def test_presentation_lut_shape_inverse_inverts_once() -> None:
    ds = load("CT_small.dcm")
    plain = render_frame(ds).astype(np.int64)
    ds.PresentationLUTShape = "INVERSE"
    assert np.array_equal(render_frame(ds).astype(np.int64), 255 - plain)
    mono1 = load("RG1_J2KR.dcm")
    before = render_frame(mono1)
    mono1.PresentationLUTShape = "INVERSE"
    assert np.array_equal(render_frame(mono1), before)
