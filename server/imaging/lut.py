"""Grey-scale pipeline math of PS3.3 C.11 as pure functions over numpy arrays.

stored values --modality LUT / rescale--> modality values (HU for CT)
             --VOI (window or VOI LUT)-->  display values, normalized here to [0, 1]
             --MONOCHROME1 / invert-->     flipped
             --presentation-->             8-bit grey

Working in [0, 1] rather than in the LUT's own output range keeps every step exact: the
standard's formulas are affine in (ymax - ymin), so normalizing first and scaling to 255 last
gives the same picture as pydicom's ``apply_windowing`` rescaled to 8 bits.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from session.model import Voi, VoiFunction

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Lut:
    """A LUT as described by a LUT Descriptor: entries map inputs ``first_mapped`` onward."""

    first_mapped: int
    bits: int  # bits per entry (3rd LUT Descriptor value)
    data: npt.NDArray[np.int64]

    @property
    def max_output(self) -> int:
        return int(2**self.bits - 1)


def apply_lut(values: npt.NDArray[np.generic], lut: Lut) -> npt.NDArray[np.int64]:
    """PS3.3 C.11.1.1.1 / C.11.2.1.1: inputs below the first mapped value take the first
    entry, inputs beyond the table take the last."""
    index = np.asarray(values, dtype=np.int64) - lut.first_mapped
    np.clip(index, 0, len(lut.data) - 1, out=index)
    return lut.data[index]


def rescale(stored: npt.NDArray[np.generic], slope: float, intercept: float) -> Floats:
    """Modality LUT as a linear rescale (C.11.1): output = slope * stored + intercept."""
    return np.asarray(stored, dtype=np.float64) * slope + intercept


def window_linear(x: Floats, center: float, width: float) -> Floats:
    """VOI LUT Function LINEAR (C.11.2.1.2.1); width must be >= 1."""
    if width < 1:
        raise ValueError(f"LINEAR window width must be >= 1, got {width}")
    low = center - 0.5 - (width - 1) / 2
    high = center - 0.5 + (width - 1) / 2
    y = ((x - (center - 0.5)) / (width - 1) + 0.5) if width > 1 else np.zeros_like(x)
    return np.where(x <= low, 0.0, np.where(x > high, 1.0, y))


def window_linear_exact(x: Floats, center: float, width: float) -> Floats:
    """VOI LUT Function LINEAR_EXACT (C.11.2.1.3.2); width must be > 0."""
    if width <= 0:
        raise ValueError(f"LINEAR_EXACT window width must be > 0, got {width}")
    y = (x - center) / width + 0.5
    return np.where(x <= center - width / 2, 0.0, np.where(x > center + width / 2, 1.0, y))


def window_sigmoid(x: Floats, center: float, width: float) -> Floats:
    """VOI LUT Function SIGMOID (C.11.2.1.3.1); width must be > 0."""
    if width <= 0:
        raise ValueError(f"SIGMOID window width must be > 0, got {width}")
    return np.asarray(1.0 / (1.0 + np.exp(-4.0 * (x - center) / width)), dtype=np.float64)


_WINDOWS = {
    VoiFunction.LINEAR: window_linear,
    VoiFunction.LINEAR_EXACT: window_linear_exact,
    VoiFunction.SIGMOID: window_sigmoid,
}


def apply_window(x: Floats, voi: Voi) -> Floats:
    """Window modality values to [0, 1] with the VOI LUT Function named by ``voi``."""
    return _WINDOWS[voi.function](np.asarray(x, dtype=np.float64), voi.center, voi.width)


def apply_voi_lut(x: npt.NDArray[np.generic], lut: Lut) -> Floats:
    """VOI LUT Sequence (C.11.2.1.1) normalized to [0, 1] by the entry bit depth."""
    return apply_lut(np.rint(x), lut).astype(np.float64) / lut.max_output


def minmax_voi(x: npt.NDArray[np.generic]) -> Voi:
    """A LINEAR_EXACT window spanning the data, for images that carry no window of their own."""
    low, high = float(np.min(x)), float(np.max(x))
    width = max(high - low, 1.0)
    return Voi(center=low + width / 2, width=width, function=VoiFunction.LINEAR_EXACT)


def invert(y: Floats) -> Floats:
    """MONOCHROME1 (and a user's invert): the minimum is displayed white."""
    return 1.0 - y


def to_uint8(y: Floats) -> npt.NDArray[np.uint8]:
    """Presentation to 8-bit grey: [0, 1] -> 0..255, rounded to nearest."""
    return np.rint(np.clip(y, 0.0, 1.0) * 255.0).astype(np.uint8)
