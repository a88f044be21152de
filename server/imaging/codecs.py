"""A pydicom pixel-decoder plugin over imagecodecs (BSD-3, libjpeg-turbo 3): the decoders
by default are complete only with it.

pydicom 3.0 refuses 12-bit JPEG Extended (1.2.840.10008.1.2.4.51) in both installed JPEG
plugins (GDCM and Pillow), and pylibjpeg-libjpeg, which would decode it, is GPL-3.0. libjpeg-
turbo 3 decodes 8/12-bit DCT and lossless process 14, and matches DCMTK's ``dcmdjpeg`` bit
for bit on pydicom's test files. The plugin is registered *after* pydicom's own, so it is
used only where they give up; colour is left to them (libjpeg-turbo would convert YCbCr to
RGB behind pydicom's back), this one decodes single-sample (greyscale) frames.

:func:`register` is idempotent and called by every module that decodes pixels (importer,
transcoder, renderer): pydicom's plugin registry is process-wide by design.
"""

from __future__ import annotations

import contextlib
import importlib.util

from pydicom.pixels.decoders.base import DecodeRunner, get_decoder
from pydicom.uid import JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1

LABEL = "imagecodecs"
DECODER_DEPENDENCIES = {
    uid: ("numpy", "imagecodecs")
    for uid in (JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1)
}


def is_available(uid: str) -> bool:
    """pydicom's plugin contract: can this plugin decode ``uid`` here?"""
    return uid in DECODER_DEPENDENCIES and importlib.util.find_spec("imagecodecs") is not None


def _decode_frame(src: bytes, runner: DecodeRunner) -> bytes:
    """pydicom's plugin contract: one frame's codestream → native little-endian bytes."""
    import imagecodecs  # noqa: PLC0415 - optional at import time, like pydicom's own plugins

    if runner.samples_per_pixel != 1:
        raise NotImplementedError("the imagecodecs plugin decodes greyscale frames only")
    pixels = imagecodecs.jpeg8_decode(src)
    return bytes(pixels.astype(pixels.dtype.newbyteorder("<")).tobytes())


def register() -> None:
    """Add the plugin to pydicom's JPEG decoders (last, so pydicom's own are tried first)."""
    for uid in DECODER_DEPENDENCIES:
        with contextlib.suppress(ValueError):  # "already has a plugin named ...": done before
            get_decoder(uid).add_plugin(LABEL, (__name__, "_decode_frame"))
