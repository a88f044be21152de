"""Reading append-only msgpack files record by record, tolerating a truncated or torn tail.

A prefix of one msgpack object never parses as a complete object (every header states its
length), so the records before a cut are exactly the complete ones. Garbage (not a cut) also
ends the scan: it is logged, and what came before it stays readable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    start: int  # file offset of the first byte
    end: int  # file offset after the last byte
    raw: bytes  # the record's exact bytes
    value: Any  # the decoded object


def scan(path: Path, offset: int = 0) -> Iterator[Record]:
    """Each complete record from ``offset`` on, in file order."""
    with path.open("rb") as source:
        source.seek(offset)
        yield from _records(source, offset, path)


def _records(source: Any, offset: int, path: Path) -> Iterator[Record]:
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=64 * 2**20)
    window = bytearray()  # fed bytes not yet handed out; window[0] is at file offset `base`
    base = start = offset
    while chunk := source.read(CHUNK):
        unpacker.feed(chunk)
        window += chunk
        try:
            for value in unpacker:
                end = offset + unpacker.tell()
                yield Record(start, end, bytes(window[start - base : end - base]), value)
                start = end
        except (ValueError, TypeError, RecursionError, msgpack.UnpackException) as error:
            log.warning("%s: unreadable record at offset %d: %s", path, start, error)
            return
        del window[: start - base]  # once per chunk: trimming per record is quadratic
        base = start


def last_complete_end(path: Path, offset: int = 0) -> int:
    """The offset after the last complete record (where a torn tail begins)."""
    end = offset
    for record in scan(path, offset):
        end = record.end
    return end
