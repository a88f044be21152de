"""multipart/related bodies (RFC 2387) for WADO-RS responses and STOW-RS requests.

The body starts directly with ``--boundary`` and every part carries ``Content-Type`` exactly
so spelled: Cornerstone3D's loader finds the first part by scanning for those bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.auth import ApiError
from server.dicomweb.negotiate import parse_accept
from session.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class Part:
    content_type: str
    body: bytes
    location: str | None = None


def encode_multipart(parts: Sequence[Part], boundary: str) -> bytes:
    chunks: list[bytes] = []
    for part in parts:
        head = f"--{boundary}\r\nContent-Type: {part.content_type}\r\n"
        if part.location:
            head += f"Content-Location: {part.location}\r\n"
        chunks += [head.encode("ascii"), b"\r\n", part.body, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks)


def multipart_content_type(part_type: str, boundary: str, syntax: str | None = None) -> str:
    value = f'multipart/related; type="{part_type}"; boundary={boundary}'
    return value + (f"; transfer-syntax={syntax}" if syntax else "")


def decode_multipart(content_type: str | None, body: bytes) -> list[Part]:
    """Split a multipart/related request body into its parts (400 if it is not one)."""
    boundary = multipart_boundary(content_type)
    return [_decode_part(raw) for raw in _raw_parts(body, boundary)]


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/related Content-Type (415 if another type, 400 if none)."""
    ranges = parse_accept(content_type)
    if not ranges or ranges[0].media_type != "multipart/related":
        raise ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "expected multipart/related")
    boundary = ranges[0].params.get("boundary")
    if not boundary or not boundary.isascii():
        raise ApiError(ErrorCode.BAD_REQUEST, "multipart/related without a boundary")
    return boundary.encode("ascii")


def _raw_parts(body: bytes, boundary: bytes) -> list[bytes]:
    delimiter = b"--" + boundary
    pieces = body.split(delimiter)
    if len(pieces) < 3 or not pieces[-1].startswith(b"--"):
        raise ApiError(ErrorCode.BAD_REQUEST, "multipart body is not closed by its boundary")
    # pieces[0] is the preamble, pieces[-1] the epilogue after the closing "--".
    return [_strip_crlf(piece) for piece in pieces[1:-1]]


def _strip_crlf(piece: bytes) -> bytes:
    piece = piece.removeprefix(b"\r\n")
    return piece.removesuffix(b"\r\n")


def _decode_part(raw: bytes) -> Part:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        # A part with no headers at all starts with the blank line itself.
        if raw.startswith(b"\r\n"):
            return Part("application/dicom", raw[2:])
        raise ApiError(ErrorCode.BAD_REQUEST, "multipart part without a header block")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Part(
        headers.get("content-type", "application/dicom"), body, headers.get("content-location")
    )
