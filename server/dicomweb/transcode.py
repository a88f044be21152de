"""Representations of stored instances: whole P10 files and single frames in a transfer syntax.

The store keeps the original bytes; everything else is derived here once and cached on disk
under ``cache/<sha256>/`` (instances are immutable, so the key never goes stale). Writes go
to a temporary file and are renamed, so concurrent requests never see half a file.
Lossless targets only: JPEG-LS (pyjpegls/CharLS), RLE (pydicom), JPEG 2000 (OpenJPEG).

One rule for colour (docs/dicomweb.md): every frame a client gets decodes to what pydicom's
``pixel_array`` gives for the original — YBR_FULL, YBR_FULL_422, YBR_ICT and YBR_RCT become
RGB, planar data becomes interleaved (PlanarConfiguration 0), big endian becomes little
endian — and ``/metadata`` says exactly that (:func:`decoded_description`). The stored bytes
are served as frames only when their codestream already decodes so (greyscale, RGB, palette,
and the JPEG / JPEG 2000 families whose decoders undo their own colour transform); otherwise
even the stored syntax is re-encoded from the decoded pixels.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Protocol

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.pixels.decoders.base import get_decoder
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)

from server.auth import ApiError
from server.dicomweb.negotiate import NATIVE, WIRE_PREFERRED
from server.imaging import codecs
from session.errors import ErrorCode

codecs.register()  # decoders by default: 12-bit JPEG Extended (see codecs.py)
log = logging.getLogger(__name__)

YBR = frozenset({"YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT", "YBR_PARTIAL_420"})
# Syntaxes whose stored colour frames do not decode to RGB interleaved by themselves.
RAW_COLOUR_SYNTAXES = frozenset(
    {*NATIVE, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, RLELossless}
    | {JPEGLSLossless, JPEGLSNearLossless}
)

# The encoder of each target, named: GDCM (installed as a decoder) is also an RLE encoder,
# and aborts the process (an uncaught C++ exception) on an odd-sized image.
ENCODER_FOR: dict[str, str] = {
    RLELossless: "pydicom",
    JPEGLSLossless: "pyjpegls",
    JPEG2000Lossless: "pylibjpeg",
}

# What pydicom's decoders/encoders raise for data they cannot handle (e.g. 12-bit JPEG
# Extended with no plugin, 32-bit pixels for JPEG-LS, 1-bit pixels).
CODEC_ERRORS = (ValueError, RuntimeError, NotImplementedError, TypeError, AttributeError)


class Instance(Protocol):
    """What this module needs of a store record."""

    @property
    def path(self) -> Path: ...
    @property
    def sha256(self) -> str: ...
    @property
    def transfer_syntax_uid(self) -> str: ...
    @property
    def number_of_frames(self) -> int: ...


class Representations:
    """Derived encodings of stored instances, cached on disk (thread-safe, sync)."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)

    # --- whole instances ---------------------------------------------------------------
    def p10(self, record: Instance, syntax: str, *, as_decoded: bool = False) -> Path:
        """A Part 10 file of the instance in ``syntax`` (the stored file if already so).

        ``as_decoded``: its frames must decode as ``/metadata`` describes them (see the
        module docstring), so a stored file whose colour does not is re-encoded too.
        """
        if syntax == record.transfer_syntax_uid and not (
            as_decoded and needs_colour_fix(self._header(record))
        ):
            return record.path
        target = self.cache_dir / record.sha256 / f"{syntax}.dcm"
        if not target.exists():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # odd values are the stored truth, kept
                    data = _dataset_bytes(transcoded(pydicom.dcmread(record.path), syntax))
            except CODEC_ERRORS as exc:
                raise ApiError(
                    ErrorCode.NOT_ACCEPTABLE, f"cannot convert to {syntax}: {exc}"
                ) from exc
            _write_atomic(target, data)
        return target

    # --- frames ------------------------------------------------------------------------
    def frames(self, record: Instance, syntax: str, numbers: list[int]) -> tuple[str, list[bytes]]:
        """The frames (1-based) in ``syntax`` or, for WIRE_PREFERRED, the compact choice.

        Returns the transfer syntax actually used and one byte string per frame.
        """
        _check_frames(record, numbers)
        if syntax == WIRE_PREFERRED:
            syntax = self._wire_syntax(record)
        path = self.p10(record, syntax, as_decoded=True)
        ds = pydicom.dcmread(path)
        if "PixelData" not in ds:
            raise ApiError(ErrorCode.BAD_REQUEST, "the instance has no pixel data")
        return syntax, [frame_bytes(ds, n, record.number_of_frames) for n in numbers]

    @staticmethod
    def _header(record: Instance) -> Dataset:
        return pydicom.dcmread(record.path, stop_before_pixels=True)

    def _wire_syntax(self, record: Instance) -> str:
        """JPEG-LS lossless for uncompressed images; compressed ones stay as stored."""
        stored = record.transfer_syntax_uid
        if stored not in NATIVE and UID(stored).is_compressed:
            return stored
        try:
            self.p10(record, JPEGLSLossless)
        except ApiError as exc:
            log.info("JPEG-LS not possible for %s (%s); sending uncompressed", record.path, exc)
            return ExplicitVRLittleEndian
        return JPEGLSLossless


def transcoded(ds: Dataset, syntax: str) -> Dataset:
    """``ds`` re-encoded in ``syntax`` (native first, then the lossless encoder).

    The SOP Instance UID is kept: this is a change of transfer syntax for the wire, not a
    new instance (lossless targets only; a lossy original is decoded as it is).
    """
    _to_native(ds)
    if "PixelData" not in ds or syntax in NATIVE:
        ds.file_meta.TransferSyntaxUID = UID(syntax if syntax in NATIVE else ExplicitVRLittleEndian)
        return ds
    plugin = ENCODER_FOR.get(syntax, "")
    ds.compress(UID(syntax), encoding_plugin=plugin, generate_instance_uid=False)
    return ds


def undecodable_reason(syntax: str) -> str | None:
    """Why pixels stored in ``syntax`` cannot be decoded here (None: they can)."""
    try:
        available = get_decoder(UID(syntax)).is_available
    except NotImplementedError:
        available = False
    return None if available else f"no decoder here for {UID(syntax).name}"


def needs_colour_fix(header: Dataset) -> bool:
    """True when the stored frames do not decode to RGB interleaved by themselves."""
    syntax = str(header.file_meta.get("TransferSyntaxUID", ""))
    photometric = str(header.get("PhotometricInterpretation", ""))
    planar = int(header.get("PlanarConfiguration", 0) or 0)
    raw = syntax in RAW_COLOUR_SYNTAXES
    return raw and (photometric in YBR or (planar == 1 and syntax != RLELossless))


def decoded_description(header: Dataset) -> dict[str, object]:
    """The pixel attributes of the frames every client gets (module docstring): keywords
    whose value differs from the stored header."""
    changes: dict[str, object] = {}
    if str(header.get("PhotometricInterpretation", "")) in YBR:
        changes["PhotometricInterpretation"] = "RGB"
    if int(header.get("SamplesPerPixel", 1) or 1) > 1 and "PlanarConfiguration" in header:
        changes["PlanarConfiguration"] = 0
    return changes


def _to_native(ds: Dataset) -> None:
    """Decode to Explicit VR Little Endian as :func:`decoded_description` says: one decode
    (pydicom's ``pixel_array``, the reference) for every stored form that is not already
    little-endian greyscale or interleaved RGB."""
    syntax = ds.file_meta.TransferSyntaxUID
    for _ in ds.iterall():  # convert every element while the data set knows its encoding
        pass
    if "PixelData" in ds and (
        syntax.is_compressed or not syntax.is_little_endian or needs_colour_fix(ds)
    ):
        _decode_pixels(ds)
    ds.set_original_encoding(False, True, ds.original_character_set)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian


def _decode_pixels(ds: Dataset) -> None:
    pixels = ds.pixel_array  # YBR → RGB and planar → interleaved, as the reference does
    for keyword, value in decoded_description(ds).items():
        setattr(ds, keyword, value)
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    ds["PixelData"].is_undefined_length = False


def frame_bytes(ds: Dataset, number: int, count: int) -> bytes:
    """Frame ``number`` (1-based) of a dataset: a slice of native pixel data, or the frame's
    encapsulated bytes."""
    if ds.file_meta.TransferSyntaxUID.is_encapsulated:
        return bytes(get_frame(ds.PixelData, number - 1, number_of_frames=count))
    size = _native_frame_size(ds)
    data: bytes = ds.PixelData
    return bytes(data[(number - 1) * size : number * size])


def _native_frame_size(ds: Dataset) -> int:
    samples = int(ds.get("SamplesPerPixel", 1))
    bits = int(ds.BitsAllocated)
    pixels = int(ds.Rows) * int(ds.Columns) * samples
    if bits == 1:
        raise ApiError(ErrorCode.BAD_REQUEST, "1-bit frames are not served individually")
    return pixels * bits // 8


def _check_frames(record: Instance, numbers: list[int]) -> None:
    bad = [n for n in numbers if not 1 <= n <= max(record.number_of_frames, 1)]
    if bad:
        raise ApiError(
            ErrorCode.NOT_FOUND, f"no frame {bad[0]} (the instance has {record.number_of_frames})"
        )


def _dataset_bytes(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        Path(tmp).replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def native_frame_array(data: bytes, ds: Dataset) -> np.ndarray:
    """Helper for tests and benchmarks: native little-endian frame bytes as an array."""
    dtype = np.dtype(f"<{'i' if ds.PixelRepresentation else 'u'}{int(ds.BitsAllocated) // 8}")
    return np.frombuffer(data, dtype=dtype).reshape(int(ds.Rows), int(ds.Columns), -1).squeeze()
