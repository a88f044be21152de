"""Burned-in text: which instances need redacting, where, and the lossless redaction itself.

Header cleaning cannot remove a name written into the pixels. An instance *needs redaction*
when its Burned In Annotation is ``YES``, or when the attribute is absent and the instance
has pixels of a modality or SOP class that commonly burns text (ultrasound, secondary and
screen capture, angiography/fluoroscopy, endoscopy, "other"). ``NO`` is trusted.

Rectangles are per series (``x, y, width, height`` in pixels of a frame), kept in
``root/redactions.json`` and set through the API or the CLI. An ultrasound series without
rectangles gets :data:`US_BAND` — the top band where vendors print the patient's name and
the date. A series that needs redaction and has no rectangle is held back from teaching
copies.

:func:`redact` decodes every frame, fills each rectangle with the darkest value of the frame
(the brightest for MONOCHROME1) and stores the result uncompressed (Explicit VR Little
Endian: lossless whatever the source syntax; YBR sources become RGB as decoded). Only then is
Burned In Annotation set to ``NO``; the caller gives the instance a new SOP Instance UID.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

Rect = tuple[int, int, int, int]  # x, y, width, height

US_BAND = 0.10  # fraction of the rows: the band vendors write the name, ID and date in
BURNING_MODALITIES = frozenset({"US", "SC", "XA", "RF", "ES", "OT"})
BURNING_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.6.1",  # US Image
        "1.2.840.10008.5.1.4.1.1.3.1",  # US Multi-frame Image
        "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture Image
        "1.2.840.10008.5.1.4.1.1.7.1",  # Multi-frame Single Bit SC
        "1.2.840.10008.5.1.4.1.1.7.2",  # Multi-frame Grayscale Byte SC
        "1.2.840.10008.5.1.4.1.1.7.3",  # Multi-frame Grayscale Word SC
        "1.2.840.10008.5.1.4.1.1.7.4",  # Multi-frame True Color SC
        "1.2.840.10008.5.1.4.1.1.77.1.1",  # VL Endoscopic Image
        "1.2.840.10008.5.1.4.1.1.77.1.1.1",  # Video Endoscopic Image
        "1.2.840.10008.5.1.4.1.1.12.1",  # X-Ray Angiographic Image
        "1.2.840.10008.5.1.4.1.1.12.2",  # X-Ray Radiofluoroscopic Image
    }
)


_STORABLE = frozenset(np.dtype(t) for t in ("uint8", "uint16", "int8", "int16"))


class RedactionError(ValueError):
    """Rectangles that cannot apply (outside the image, empty) or pixels that cannot decode."""


def needs_redaction(ds: Dataset) -> bool:
    flag = str(ds.get("BurnedInAnnotation", "")).strip().upper()
    if flag in ("YES", "NO"):
        return flag == "YES"
    burning = str(ds.get("Modality", "")) in BURNING_MODALITIES
    image = "PixelData" in ds or "Rows" in ds  # a header read stops before the pixels
    return image and (burning or str(ds.get("SOPClassUID", "")) in BURNING_CLASSES)


def default_rectangles(ds: Dataset) -> tuple[Rect, ...]:
    """The ultrasound band; nothing for other modalities (they are held back instead)."""
    if str(ds.get("Modality", "")) != "US":
        return ()
    return ((0, 0, int(ds.Columns), math.ceil(int(ds.Rows) * US_BAND)),)


def check_rectangles(rects: Sequence[Sequence[int]]) -> tuple[Rect, ...]:
    """Validate rectangles from the outside world (API body, CLI option)."""
    checked = []
    for rect in rects:
        if len(rect) != 4 or not all(isinstance(n, int) and n >= 0 for n in rect):
            raise RedactionError(f"a rectangle is 4 non-negative integers x,y,w,h: {rect!r}")
        x, y, w, h = rect
        if w == 0 or h == 0 or max(rect) > 65535:
            raise RedactionError(f"empty or oversized rectangle: {rect!r}")
        checked.append((x, y, w, h))
    return tuple(checked)


def redact(ds: Dataset, rects: Sequence[Rect]) -> Dataset:
    """Blank ``rects`` in every frame of ``ds`` in place, losslessly; see the docstring."""
    syntax = ds.file_meta.TransferSyntaxUID
    if not syntax.is_little_endian:  # retired; pydicom will not re-encode it little endian
        raise RedactionError("big endian instances cannot be redacted here")
    try:
        pixels = ds.pixel_array.copy()
    except Exception as exc:  # pydicom raises many types for an undecodable syntax
        raise RedactionError(f"pixels cannot be decoded here: {exc}") from exc
    if pixels.dtype not in _STORABLE:  # pydicom writes 8 and 16 bit samples only
        raise RedactionError(f"{pixels.dtype} samples cannot be re-encoded here")
    had_frames = "NumberOfFrames" in ds
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    stack = pixels if frames > 1 else pixels[np.newaxis]
    photometric = str(ds.PhotometricInterpretation)
    _blank(stack, rects, brightest=photometric == "MONOCHROME1")
    if photometric.startswith("YBR"):
        photometric = "RGB"  # pydicom decodes YBR to RGB
    if syntax.is_compressed:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.set_pixel_data(pixels, photometric, int(ds.BitsStored), generate_instance_uid=False)
    if had_frames:
        ds.NumberOfFrames = frames  # pydicom drops it for one frame; multi-frame IODs need it
    for keyword in ("ExtendedOffsetTable", "ExtendedOffsetTableLengths"):
        if keyword in ds:  # they describe the encapsulated fragments that are gone
            delattr(ds, keyword)
    ds.BurnedInAnnotation = "NO"
    return ds


def _blank(stack: np.ndarray, rects: Sequence[Rect], *, brightest: bool) -> None:
    """Fill the rectangles of every frame (a view: ``stack`` shares the caller's pixels)."""
    for frame in stack:
        fill = frame.max() if brightest else frame.min()
        for x, y, w, h in rects:
            frame[y : y + h, x : x + w] = fill


class RedactionPlan:
    """Per-series rectangles in ``root/redactions.json`` (small: one entry per series)."""

    def __init__(self, root: Path) -> None:
        self._path = root / "redactions.json"
        self._lock = threading.Lock()

    def all(self) -> dict[str, tuple[Rect, ...]]:
        if not self._path.exists():
            return {}
        raw = json.loads(self._path.read_text(encoding="utf-8"))
        return {series: check_rectangles(rects) for series, rects in raw.items()}

    def get(self, series_uid: str) -> tuple[Rect, ...] | None:
        """The series' rectangles, or None if none were ever set."""
        return self.all().get(series_uid)

    def set(self, series_uid: str, rects: Sequence[Rect]) -> None:
        with self._lock:
            plan = {k: [list(r) for r in v] for k, v in self.all().items()}
            plan[series_uid] = [list(r) for r in rects]
            tmp = self._path.with_name(f"redactions.{secrets.token_hex(4)}.json")
            tmp.write_text(json.dumps(plan, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self._path)

    def rectangles(self, ds: Dataset) -> tuple[Rect, ...]:
        """What to blank in ``ds``: its series' rectangles, else the modality's default."""
        explicit = self.get(str(ds.SeriesInstanceUID))
        return explicit if explicit is not None else default_rectangles(ds)
