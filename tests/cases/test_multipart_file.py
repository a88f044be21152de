"""Splitting a spooled multipart/related body from its file: the same parts as the in-memory
decoder, whatever the read chunk size (a delimiter may straddle two reads)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.dicomweb import multipart_file
from server.dicomweb.multipart import Part, decode_multipart, encode_multipart
from server.dicomweb.multipart_file import find_all, split_multipart_file
from server.errors import ApiError

BOUNDARY = "b0undary-x"
CONTENT_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


def split(body: bytes, folder: Path) -> list[tuple[str, bytes]]:
    spooled = folder / "body"
    spooled.write_bytes(body)
    parts = split_multipart_file(spooled, BOUNDARY.encode(), folder)
    return [(p.content_type, p.path.read_bytes()) for p in parts]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=5), st.integers(1, 40))
def test_same_parts_as_the_in_memory_decoder(bodies: list[bytes], chunk: int) -> None:
    encoded = encode_multipart([Part("application/dicom", b) for b in bodies], BOUNDARY)
    expected = [(p.content_type, p.body) for p in decode_multipart(CONTENT_TYPE, encoded)]
    original = multipart_file.CHUNK
    multipart_file.CHUNK = chunk  # tiny reads: every delimiter straddles a read somewhere
    try:
        with tempfile.TemporaryDirectory() as folder:
            assert split(encoded, Path(folder)) == expected
    finally:
        multipart_file.CHUNK = original


@given(st.binary(max_size=400), st.integers(1, 30))
def test_find_all_matches_bytes_find(data: bytes, chunk: int) -> None:
    needle = b"--ab"
    data = data + needle + data[:7] + needle
    expected, start = [], 0
    while (found := data.find(needle, start)) >= 0:
        expected.append(found)
        start = found + len(needle)
    assert list(find_all(io.BytesIO(data), needle, chunk)) == expected


def test_a_part_without_headers_and_the_content_location(tmp_path: Path) -> None:
    body = (
        b"preamble\r\n--b0undary-x\r\n\r\nraw\r\n"
        b"--b0undary-x\r\nContent-Type: application/dicom\r\nContent-Location: /x/1\r\n\r\n"
        b"dicom\r\n--b0undary-x--\r\nepilogue"
    )
    spooled = tmp_path / "body"
    spooled.write_bytes(body)
    first, second = split_multipart_file(spooled, BOUNDARY.encode(), tmp_path)
    assert (first.content_type, first.path.read_bytes()) == ("application/dicom", b"raw")
    assert (second.location, second.path.read_bytes(), second.size) == ("/x/1", b"dicom", 5)


@pytest.mark.parametrize(
    "body",
    [
        b"x",
        b"--b0undary-x\r\nContent-Type: a\r\n\r\nbody\r\n",  # never closed
        b"--b0undary-x\r\nno header end--b0undary-x--",
        b"--b0undary-x\r\nContent-Type: a\r\n\r\nbody\r\n--b0undary-x",  # closed without --
    ],
)
def test_malformed_bodies_are_400(body: bytes, tmp_path: Path) -> None:
    with pytest.raises(ApiError) as caught:
        split(body, tmp_path)
    assert caught.value.status_code == 400
