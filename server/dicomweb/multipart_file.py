"""multipart/related bodies split from a file on disk (STOW-RS uploads), in bounded memory.

The body was spooled by ``server.bodies.spool``; each part is copied out into its own file
(``part-1``, ``part-2``, ... beside the body) so pydicom and the study store read files, never
a bytes copy of the upload. Memory: one read chunk plus one part's header block.

Same grammar as ``multipart.decode_multipart``: parts lie between ``--boundary`` delimiters,
a CRLF on either side of a part belongs to the delimiter, the last delimiter is followed by
``--``, and a part starting with a blank line has no headers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from server.errors import ApiError
from session.errors import ErrorCode

CHUNK = 1 << 20
MAX_HEADER_BYTES = 16 * 1024  # one part's header block
MAX_PARTS = 10_000


@dataclass(frozen=True, slots=True)
class FilePart:
    content_type: str
    path: Path
    size: int
    location: str | None = None


def split_multipart_file(body: Path, boundary: bytes, out_dir: Path) -> list[FilePart]:
    """Copy each part of the multipart body in ``body`` into ``out_dir`` (400 if malformed)."""
    delimiter = b"--" + boundary
    with body.open("rb") as scan:
        offsets = list(_bounded(find_all(scan, delimiter)))
    if len(offsets) < 2:
        raise ApiError(ErrorCode.BAD_REQUEST, "multipart body is not closed by its boundary")
    with body.open("rb") as src:
        if _read_at(src, offsets[-1] + len(delimiter), 2) != b"--":
            raise ApiError(ErrorCode.BAD_REQUEST, "multipart body is not closed by its boundary")
        spans = itertools.pairwise(offsets)
        return [
            _copy_part(src, start + len(delimiter), end, out_dir / f"part-{n}")
            for n, (start, end) in enumerate(spans, 1)
        ]


def find_all(source: BinaryIO, needle: bytes, chunk: int = CHUNK) -> Iterator[int]:
    """Offsets of every (non-overlapping) ``needle`` in ``source``, reading ``chunk`` at a time."""
    base = 0  # file offset of window[0]
    window = b""
    while data := source.read(chunk):
        window += data
        start = 0
        while (found := window.find(needle, start)) >= 0:
            yield base + found
            start = found + len(needle)
        keep_from = max(start, len(window) - len(needle) + 1)  # a needle may straddle chunks
        base += keep_from
        window = window[keep_from:]


def _bounded(offsets: Iterator[int]) -> Iterator[int]:
    for count, offset in enumerate(offsets):
        if count > MAX_PARTS:
            raise ApiError(ErrorCode.TOO_LARGE, f"more than {MAX_PARTS} parts")
        yield offset


def _copy_part(src: BinaryIO, start: int, end: int, target: Path) -> FilePart:
    if _read_at(src, start, 2) == b"\r\n":
        start += 2
    if end - start >= 2 and _read_at(src, end - 2, 2) == b"\r\n":
        end -= 2
    head = _read_at(src, start, min(end - start, MAX_HEADER_BYTES))
    headers, body_start = _headers(head, start)
    size = _copy_range(src, body_start, end, target)
    return FilePart(
        headers.get("content-type", "application/dicom"),
        target,
        size,
        headers.get("content-location"),
    )


def _headers(head: bytes, start: int) -> tuple[dict[str, str], int]:
    """A part's headers and where its body starts."""
    if head.startswith(b"\r\n"):  # no headers at all: the part starts with the blank line
        return {}, start + 2
    block, separator, _ = head.partition(b"\r\n\r\n")
    if not separator:
        raise ApiError(ErrorCode.BAD_REQUEST, "multipart part without a (short) header block")
    headers = {}
    for line in block.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers, start + len(block) + 4


def _read_at(src: BinaryIO, offset: int, size: int) -> bytes:
    src.seek(offset)
    return src.read(size)


def _copy_range(src: BinaryIO, start: int, end: int, target: Path) -> int:
    src.seek(start)
    left = end - start
    with target.open("wb") as out:
        while left > 0 and (data := src.read(min(CHUNK, left))):
            out.write(data)
            left -= len(data)
    return end - start
