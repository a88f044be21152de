"""Accept negotiation and multipart framing, without a server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.auth import ApiError
from server.dicomweb.multipart import Part, decode_multipart, encode_multipart
from server.dicomweb.negotiate import (
    WIRE_PREFERRED,
    FrameChoice,
    frame_syntax,
    instance_syntax,
    parse_accept,
)

ELE = "1.2.840.10008.1.2.1"
JLS = "1.2.840.10008.1.2.4.80"
J2K = "1.2.840.10008.1.2.4.90"
J2K_LOSSY = "1.2.840.10008.1.2.4.91"


def test_parse_accept_orders_by_quality_and_keeps_quoted_commas() -> None:
    ranges = parse_accept('image/png;q=0.5, multipart/related; type="a,b"; q=0.9, */*;q=0')
    assert [r.media_type for r in ranges] == ["multipart/related", "image/png"]
    assert ranges[0].part_type == "a,b"


@pytest.mark.parametrize(
    ("accept", "stored", "expected"),
    [
        (None, J2K, ELE),
        ('multipart/related; type="application/dicom"', J2K, ELE),
        ('multipart/related; type="application/dicom"; transfer-syntax=*', J2K, J2K),
        (f'multipart/related; type="application/dicom"; transfer-syntax={JLS}', ELE, JLS),
        (f'multipart/related; type="application/dicom"; transfer-syntax={J2K}', J2K, J2K),
        ("*/*", J2K_LOSSY, ELE),
    ],
)
def test_instance_syntax(accept: str | None, stored: str, expected: str) -> None:
    assert instance_syntax(accept, stored) == expected


def test_instance_syntax_refuses_what_it_cannot_make() -> None:
    with pytest.raises(ApiError) as caught:
        instance_syntax(
            f'multipart/related; type="application/dicom"; transfer-syntax={J2K_LOSSY}', ELE
        )
    assert caught.value.status_code == 406
    with pytest.raises(ApiError):
        instance_syntax("application/json", ELE)


@pytest.mark.parametrize(
    ("accept", "stored", "expected"),
    [
        (
            "multipart/related; type=application/octet-stream; transfer-syntax=*",
            ELE,
            FrameChoice(WIRE_PREFERRED, True),
        ),
        ('multipart/related; type="application/octet-stream"', J2K, FrameChoice(ELE, True)),
        ('multipart/related; type="*/*"', J2K, FrameChoice(J2K, True)),
        ('multipart/related; type="*/*"', ELE, FrameChoice(ELE, True)),
        ('multipart/related; type="image/jls"', ELE, FrameChoice(JLS, True)),
        ('multipart/related; type="image/jp2"', J2K_LOSSY, FrameChoice(J2K_LOSSY, True)),
        ('multipart/related; type="image/jp2"', ELE, FrameChoice(J2K, True)),
        ("application/octet-stream", JLS, FrameChoice(ELE, False)),
        (None, ELE, FrameChoice(ELE, True)),
    ],
)
def test_frame_syntax(accept: str | None, stored: str, expected: FrameChoice) -> None:
    assert frame_syntax(accept, stored) == expected


def test_frame_syntax_refuses_lossy_transcoding_and_unknown_types() -> None:
    with pytest.raises(ApiError):
        frame_syntax('multipart/related; type="image/jpeg"', ELE)
    with pytest.raises(ApiError):
        frame_syntax('multipart/related; type="video/mp4"', ELE)


@given(st.lists(st.binary(max_size=200), min_size=1, max_size=5))
def test_multipart_round_trip(bodies: list[bytes]) -> None:
    boundary = "b0undary-x"
    encoded = encode_multipart([Part("application/dicom", b) for b in bodies], boundary)
    decoded = decode_multipart(
        f'multipart/related; type="application/dicom"; boundary={boundary}', encoded
    )
    assert [p.body for p in decoded] == bodies
    assert all(p.content_type == "application/dicom" for p in decoded)


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/dicom", b"x", 415),
        ("multipart/related", b"x", 400),
        ("multipart/related; boundary=zz", b"--zz\r\nContent-Type: a\r\n\r\nbody\r\n", 400),
        ("multipart/related; boundary=zz", b"--zz\r\nno header end--zz--", 400),
    ],
)
def test_malformed_multipart_is_a_client_error(content_type: str, body: bytes, status: int) -> None:
    with pytest.raises(ApiError) as caught:
        decode_multipart(content_type, body)
    assert caught.value.status_code == status
