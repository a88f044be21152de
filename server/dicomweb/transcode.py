"""Representations of stored instances: whole P10 files and single frames in a transfer syntax.

The store keeps the original bytes; everything else is derived here once and cached on disk
under ``cache/<sha256>/`` (instances are immutable, so the key never goes stale). Writes go
to a temporary file and are renamed, so concurrent requests never see half a file.
Lossless targets only: JPEG-LS (pyjpegls/CharLS), RLE (pydicom), JPEG 2000 (OpenJPEG).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.uid import UID, ExplicitVRLittleEndian, JPEGLSLossless

from server.auth import ApiError
from server.dicomweb.negotiate import NATIVE, WIRE_PREFERRED
from session.errors import ErrorCode

log = logging.getLogger(__name__)

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
    def p10(self, record: Instance, syntax: str) -> Path:
        """A Part 10 file of the instance in ``syntax`` (the stored file if already so)."""
        if syntax == record.transfer_syntax_uid:
            return record.path
        target = self.cache_dir / record.sha256 / f"{syntax}.dcm"
        if not target.exists():
            ds = pydicom.dcmread(record.path)
            try:
                data = _dataset_bytes(transcoded(ds, syntax))
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
        path = self.p10(record, syntax)
        ds = pydicom.dcmread(path)
        if "PixelData" not in ds:
            raise ApiError(ErrorCode.BAD_REQUEST, "the instance has no pixel data")
        return syntax, [frame_bytes(ds, n, record.number_of_frames) for n in numbers]

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
    ds.compress(UID(syntax), generate_instance_uid=False)
    return ds


def _to_native(ds: Dataset) -> None:
    syntax = ds.file_meta.TransferSyntaxUID
    if "PixelData" in ds and syntax.is_compressed:
        ds.decompress(generate_instance_uid=False)
    elif not syntax.is_little_endian:
        _big_to_little(ds)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian


def _big_to_little(ds: Dataset) -> None:
    """Explicit VR Big Endian (retired) → little endian: decode every element while the
    dataset still knows it is big endian, then swap the pixel bytes and re-label it."""
    for _ in ds.iterall():
        pass
    if "PixelData" in ds:
        pixels = ds.pixel_array
        ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
        ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    ds.set_original_encoding(False, True, ds.original_character_set)


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
