"""Precompressed assets of the web build: chosen by Accept-Encoding, marked, never escaping dist.

A real server on loopback serves a small fake build whose ``.br``/``.gz`` siblings are written
here the way ``web_client/scripts/precompress.mjs`` writes them. Bodies are read raw so the
test sees the bytes on the wire, not httpx's decoding.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from livetools import LiveServer

SCRIPT = b"export const answer = 42;\n" * 200
BROTLI_STANDIN = b"brotli bytes (the server never decodes them)"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    (root / "assets" / "app-abc123.js").write_bytes(SCRIPT)
    (root / "assets" / "app-abc123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (root / "assets" / "app-abc123.js.br").write_bytes(BROTLI_STANDIN)
    (root / "assets" / "codec-1.wasm").write_bytes(b"\0asm" + bytes(2000))
    (root / "assets" / "codec-1.wasm.gz").write_bytes(gzip.compress(b"\0asm" + bytes(2000)))
    (root / "assets" / "plain.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.txt").write_text("outside the build")
    return root


@pytest.fixture
def server(live_server_factory: Callable[..., LiveServer], dist: Path) -> LiveServer:
    return live_server_factory(web_dist=dist)


@dataclass
class Sent:
    status_code: int
    headers: httpx.Headers
    content: bytes  # raw: the bytes that travelled, not decoded


def get(server: LiveServer, path: str, encoding: str, **headers: str) -> Sent:
    with (
        httpx.Client(base_url=server.base_url) as client,
        client.stream("GET", path, headers=headers | {"Accept-Encoding": encoding}) as response,
    ):
        return Sent(response.status_code, response.headers, b"".join(response.iter_raw()))


def test_brotli_preferred_when_accepted(server: LiveServer) -> None:
    response = get(server, "/assets/app-abc123.js", "gzip, deflate, br, zstd")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"].endswith("immutable")
    assert response.content == BROTLI_STANDIN


def test_gzip_when_brotli_is_not_accepted(server: LiveServer) -> None:
    response = get(server, "/assets/app-abc123.js", "gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(response.content) == SCRIPT


def test_q_zero_refuses_a_coding(server: LiveServer) -> None:
    response = get(server, "/assets/app-abc123.js", "br;q=0, gzip;q=0.5")
    assert response.headers["content-encoding"] == "gzip"


def test_identity_when_nothing_is_accepted(server: LiveServer) -> None:
    for header in ("identity", ""):
        response = get(server, "/assets/app-abc123.js", header)
        assert "content-encoding" not in response.headers
        assert response.headers["vary"] == "Accept-Encoding"  # a cache must still tell apart
        assert response.content == SCRIPT


def test_wasm_keeps_its_media_type(server: LiveServer) -> None:
    response = get(server, "/assets/codec-1.wasm", "br, gzip")
    assert response.headers["content-encoding"] == "gzip"  # no .br sibling: the next best
    assert response.headers["content-type"] == "application/wasm"


def test_file_without_siblings_has_no_vary(server: LiveServer) -> None:
    response = get(server, "/assets/plain.png", "br, gzip")
    assert "content-encoding" not in response.headers
    assert "vary" not in response.headers


def test_head_reports_the_encoded_length(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        response = client.head("/assets/app-abc123.js", headers={"Accept-Encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    assert int(response.headers["content-length"]) == len(BROTLI_STANDIN)


def test_range_applies_to_the_bytes_sent(server: LiveServer) -> None:
    response = get(server, "/assets/app-abc123.js", "identity", Range="bytes=0-5")
    assert response.status_code == 206
    assert response.content == SCRIPT[:6]
    response = get(server, "/assets/app-abc123.js", "br", Range="bytes=0-5")
    assert response.status_code == 206
    assert response.content == BROTLI_STANDIN[:6]


def test_index_is_precompressed_too_and_never_cached(server: LiveServer, dist: Path) -> None:
    page = (dist / "index.html").read_bytes()
    (dist / "index.html.gz").write_bytes(gzip.compress(page))
    response = get(server, "/room/ward", "gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "no-cache"
    assert gzip.decompress(response.content) == page


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/nope.js"]
)
def test_nothing_outside_the_build(server: LiveServer, path: str) -> None:
    response = get(server, path, "br, gzip")
    assert response.status_code == 404
    assert b"outside the build" not in response.content
