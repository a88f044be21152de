"""Render one frame of a DICOM instance to 8-bit pixels and PNG/JPEG bytes.

Used for thumbnails and weak devices (``/rendered``); full-fidelity viewing happens in the
browser from the original pixels. Grey-scale images go through the PS3.3 C.11 pipeline in
``server.imaging.lut``; colour images are shown as RGB (palette colour through its LUT).
The per-frame functional groups of enhanced multi-frame objects take precedence over the
top-level attributes, as PS3.3 C.7.6.16 requires.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_color_lut
from pydicom.pixels.utils import pixel_array
from pydicom.valuerep import VR

from server.imaging import codecs, lut
from session.model import Voi, VoiFunction


class MediaType(StrEnum):
    PNG = "image/png"
    JPEG = "image/jpeg"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """What a viewer may override: the window (None: the image's own) and inversion."""

    voi: Voi | None = None
    invert: bool = False
    size: int | None = None  # longest side in pixels for thumbnails; None keeps the size


def render_frame(ds: Dataset, frame: int = 1, options: RenderOptions | None = None) -> np.ndarray:
    """One frame (1-based) as uint8, shape (rows, cols) for grey or (rows, cols, 3) for colour."""
    opts = options or RenderOptions()
    stored = pixel_array(ds, index=frame - 1)
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        return _to_8bit_rgb(apply_color_lut(stored, ds), 16)
    if stored.ndim == 3:
        return _to_8bit_rgb(stored, int(ds.BitsStored))
    return _render_grey(ds, frame, stored, opts)


def encode_image(pixels: np.ndarray, media_type: MediaType, size: int | None = None) -> bytes:
    """PNG (lossless) or JPEG (quality 90) bytes, optionally scaled so its longest side is
    ``size``."""
    image = Image.fromarray(pixels)
    if size is not None and max(image.size) > size:
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if media_type is MediaType.PNG:
        image.save(out, format="PNG")
    else:
        image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def render(ds: Dataset, frame: int, media_type: MediaType, options: RenderOptions) -> bytes:
    return encode_image(render_frame(ds, frame, options), media_type, options.size)


# --- grey-scale pipeline ---------------------------------------------------------------------
def _render_grey(
    ds: Dataset, frame: int, stored: np.ndarray, opts: RenderOptions
) -> npt.NDArray[np.uint8]:
    attrs = frame_attributes(ds, frame)
    values = modality_values(stored, attrs, ds)
    display = voi_values(values, attrs, ds, opts.voi)
    if shows_inverted(ds) != opts.invert:
        display = lut.invert(display)
    return lut.to_uint8(display)


def shows_inverted(ds: Dataset) -> bool:
    """MONOCHROME1, or a Presentation LUT Shape of INVERSE (C.11.6): both mean "minimum is
    white" and say it once, so they are not applied twice (C.8.11.6.1.2 pairs them)."""
    shape = str(ds.get("PresentationLUTShape", "")).strip().upper()
    return ds.PhotometricInterpretation == "MONOCHROME1" or shape == "INVERSE"


def modality_values(stored: np.ndarray, attrs: Dataset, ds: Dataset) -> np.ndarray:
    """Modality LUT Sequence, else rescale, else the stored values unchanged (C.11.1)."""
    if attrs.get("ModalityLUTSequence"):
        return lut.apply_lut(stored, read_lut(attrs.ModalityLUTSequence[0], ds))
    if "RescaleSlope" in attrs and "RescaleIntercept" in attrs:
        return lut.rescale(stored, float(attrs.RescaleSlope), float(attrs.RescaleIntercept))
    return stored


def voi_values(values: np.ndarray, attrs: Dataset, ds: Dataset, override: Voi | None) -> Any:
    """[0, 1] display values: the override window, else the VOI LUT Sequence, else the first
    window of the image, else a min-max window."""
    if override is not None:
        return lut.apply_window(values, override)
    if attrs.get("VOILUTSequence"):
        return lut.apply_voi_lut(values, read_lut(attrs.VOILUTSequence[0], ds))
    voi = image_voi(attrs)
    return lut.apply_window(values, voi if voi is not None else lut.minmax_voi(values))


def image_voi(attrs: Dataset) -> Voi | None:
    """The first window the image (or its frame) carries, with its VOI LUT Function."""
    center, width = attrs.get("WindowCenter"), attrs.get("WindowWidth")
    if center is None or width is None:
        return None
    function = VoiFunction(str(attrs.get("VOILUTFunction", "LINEAR")).strip().upper())
    return Voi(center=float(_first(center)), width=float(_first(width)), function=function)


def read_lut(item: Dataset, ds: Dataset) -> lut.Lut:
    """A Modality or VOI LUT item; LUT Data may be US (a list) or OW (raw bytes)."""
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 2**16
    element = item["LUTData"]
    if element.VR == VR.OW or isinstance(element.value, bytes):
        order = "<" if ds.original_encoding[1] in (True, None) else ">"
        data = np.frombuffer(element.value, dtype=f"{order}u2", count=entries)
    else:
        data = np.asarray(element.value, dtype=np.int64)
    return lut.Lut(first_mapped=first, bits=bits, data=data.astype(np.int64))


def frame_attributes(ds: Dataset, frame: int) -> Dataset:
    """A flat dataset of the pixel-value and VOI attributes that apply to ``frame``."""
    attrs = Dataset()
    for keyword in _PIPELINE_KEYWORDS:
        if keyword in ds:
            setattr(attrs, keyword, ds[keyword].value)
    for group in _functional_groups(ds, frame):
        for macro in ("PixelValueTransformationSequence", "FrameVOILUTSequence"):
            for item in group.get(macro) or ():
                for keyword in _PIPELINE_KEYWORDS:
                    if keyword in item:
                        setattr(attrs, keyword, item[keyword].value)
    return attrs


codecs.register()  # decoders by default: 12-bit JPEG Extended (see codecs.py)
_PIPELINE_KEYWORDS = (
    "ModalityLUTSequence",
    "RescaleSlope",
    "RescaleIntercept",
    "VOILUTSequence",
    "WindowCenter",
    "WindowWidth",
    "VOILUTFunction",
)


def _functional_groups(ds: Dataset, frame: int) -> list[Dataset]:
    """Shared first, then the frame's own group, so per-frame values win."""
    groups = [item for item in ds.get("SharedFunctionalGroupsSequence") or ()]
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or ()
    if 0 < frame <= len(per_frame):
        groups.append(per_frame[frame - 1])
    return groups


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, Sequence) and not isinstance(value, str) else value


def _to_8bit_rgb(rgb: np.ndarray, bits: int) -> npt.NDArray[np.uint8]:
    if rgb.dtype == np.uint8:
        return rgb
    scale = 255.0 / float(2**bits - 1)
    return np.rint(rgb.astype(np.float64) * scale).clip(0, 255).astype(np.uint8)
