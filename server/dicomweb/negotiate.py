"""Accept-header negotiation for WADO-RS (PS3.18 8.7): which media type and transfer syntax.

``transfer-syntax=*`` lets the server choose. For whole instances we then send the stored
bytes untouched; for frames of an uncompressed image we choose JPEG-LS lossless, which is
about a third of the raw size for CT and decodes in Cornerstone3D's bundled CharLS codec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydicom.uid import (
    JPEG2000,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)

from server.auth import ApiError
from session.errors import ErrorCode

ANY = "*"
WIRE_PREFERRED = "wire"  # marker: "server's choice for a slow link"

NATIVE = frozenset({ExplicitVRLittleEndian, ImplicitVRLittleEndian})
# What the server can produce from any stored image (lossless encoders available here).
PRODUCIBLE = frozenset(
    {ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGLSLossless, RLELossless, JPEG2000Lossless}
)

# PS3.18 Table 8.7.3-5: frame media types and the transfer syntaxes they carry (first: default).
FRAME_TYPES: dict[str, tuple[str, ...]] = {
    "application/octet-stream": (ExplicitVRLittleEndian,),
    "image/jls": (JPEGLSLossless, JPEGLSNearLossless),
    "image/x-jls": (JPEGLSLossless, JPEGLSNearLossless),
    "image/dicom-rle": (RLELossless,),
    "image/x-dicom-rle": (RLELossless,),
    "image/jp2": (JPEG2000Lossless, JPEG2000),
    "image/jpeg": (JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLosslessSV1),
}
MEDIA_FOR_SYNTAX: dict[str, str] = {
    ExplicitVRLittleEndian: "application/octet-stream",
    ImplicitVRLittleEndian: "application/octet-stream",
    JPEGLSLossless: "image/jls",
    JPEGLSNearLossless: "image/jls",
    RLELossless: "image/dicom-rle",
    JPEG2000Lossless: "image/jp2",
    JPEG2000: "image/jp2",
    JPEGBaseline8Bit: "image/jpeg",
    JPEGExtended12Bit: "image/jpeg",
    JPEGLosslessSV1: "image/jpeg",
}


@dataclass(frozen=True, slots=True)
class MediaRange:
    media_type: str  # e.g. "multipart/related", "application/dicom+json", "*/*"
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0

    @property
    def part_type(self) -> str:
        """The ``type`` parameter of a multipart range (the media type of each part)."""
        return self.params.get("type", "").lower()


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an Accept header, highest q first (stable for equal q)."""
    ranges = [_parse_range(item) for item in _split_outside_quotes(header or "", ",")]
    return sorted((r for r in ranges if r.media_type and r.q > 0), key=lambda r: -r.q)


def _parse_range(item: str) -> MediaRange:
    media_type, *raw_params = _split_outside_quotes(item, ";")
    params: dict[str, str] = {}
    for raw in raw_params:
        key, _, value = raw.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    q = _quality(params.pop("q", "1"))
    return MediaRange(media_type.strip().lower(), params, q)


def _quality(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


JSON_RANGES = frozenset({"application/dicom+json", "application/json", "application/*", "*/*"})


def require_json(accept: str | None) -> None:
    """Searches and metadata are DICOM JSON only: anything else (application/dicom+xml,
    multipart/related) that the client insists on is a 406, not a JSON answer it did not
    ask for. No Accept header, or one that admits JSON, is fine."""
    ranges = parse_accept(accept)
    if ranges and not any(media.media_type in JSON_RANGES for media in ranges):
        wanted = ", ".join(media.media_type for media in ranges)
        reason = f"only application/dicom+json is produced here, not {wanted}"
        raise ApiError(ErrorCode.NOT_ACCEPTABLE, reason)


def instance_syntax(accept: str | None, stored: str) -> str:
    """Transfer syntax for ``multipart/related; type="application/dicom"`` retrieval.

    No transfer-syntax parameter means Explicit VR Little Endian (PS3.18 8.7.3.5.2).
    """
    for media in parse_accept(accept) or [MediaRange("*/*")]:
        if media.media_type == "*/*" or (
            media.media_type == "multipart/related"
            and media.part_type in ("", "application/dicom", "*/*")
        ):
            chosen = _syntax_choice(media.params.get("transfer-syntax"), stored, PRODUCIBLE)
            if chosen is not None:
                return chosen
    raise ApiError(ErrorCode.NOT_ACCEPTABLE, "no acceptable application/dicom representation")


def _syntax_choice(requested: str | None, stored: str, producible: frozenset[str]) -> str | None:
    if requested in (None, ""):
        return ExplicitVRLittleEndian
    if requested in (ANY, stored):
        return stored
    return requested if requested in producible else None


@dataclass(frozen=True, slots=True)
class FrameChoice:
    syntax: str  # a transfer syntax UID, or WIRE_PREFERRED for the server's choice
    multipart: bool


def frame_syntax(accept: str | None, stored: str) -> FrameChoice:
    """Transfer syntax for ``/frames``: multipart/related of octet-stream or image/* parts,
    or a single-part ``application/octet-stream`` body."""
    for media in parse_accept(accept) or [MediaRange("*/*")]:
        choice = _frame_choice(media, stored)
        if choice is not None:
            return choice
    raise ApiError(ErrorCode.NOT_ACCEPTABLE, "no acceptable frame representation")


def _frame_choice(media: MediaRange, stored: str) -> FrameChoice | None:
    requested = media.params.get("transfer-syntax")
    if media.media_type == "*/*":
        return FrameChoice(stored if stored not in NATIVE else ExplicitVRLittleEndian, True)
    if media.media_type == "application/octet-stream":
        syntax = _octet_syntax(requested, stored)
        return None if syntax is None else FrameChoice(syntax, False)
    if media.media_type != "multipart/related":
        return None
    part = media.part_type or "application/octet-stream"
    if part == "*/*":
        return FrameChoice(stored if stored not in NATIVE else ExplicitVRLittleEndian, True)
    if part == "application/octet-stream":
        syntax = _octet_syntax(requested, stored)
        return None if syntax is None else FrameChoice(syntax, True)
    return _image_part_choice(part, requested, stored)


def _octet_syntax(requested: str | None, stored: str) -> str | None:
    if requested == ANY:
        return WIRE_PREFERRED
    if requested in (None, "", ExplicitVRLittleEndian, ImplicitVRLittleEndian):
        return ExplicitVRLittleEndian
    return requested if requested in PRODUCIBLE or requested == stored else None


def _image_part_choice(part: str, requested: str | None, stored: str) -> FrameChoice | None:
    carried = FRAME_TYPES.get(part)
    if carried is None:
        return None
    if requested in (None, "", ANY):
        # Prefer the stored syntax when this media type carries it (no transcoding).
        syntax = stored if stored in carried else carried[0]
    else:
        syntax = requested
    if syntax not in carried or (syntax != stored and syntax not in PRODUCIBLE):
        return None
    return FrameChoice(syntax, True)
