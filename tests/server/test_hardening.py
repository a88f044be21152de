"""Odd paths and security headers on a real server: NUL and other control characters in any
path (static files, DICOMweb path parameters, recordings, rooms) are a coded 400 or 404, never
a 500; every answer carries nosniff, no-referrer and the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from livetools import LiveServer

from server.hardening import content_security_policy, odd_path
from session.grants import Role

ODD = [
    "/index.html%00.png",
    "/%00",
    "/assets/%00x.js",
    "/join%00",
    "/room/%00",
    "/index.html/..%00",
    "/%01",
    "/a%0ab",
    "/a%0d%0aSet-Cookie:x",
    "/%7f",
    "/dicom-web/studies/1.2%00/metadata",
    "/dicom-web/studies/%00",
    "/dicom-web/studies/1/series/%00/instances",
    "/dicom-web/studies/1/series/2/instances/%00/frames/1",
    "/dicom-web/studies/1/series/2/instances/3/bulkdata/%00",
    "/api/recordings/%00",
    "/api/recordings/%00/media/x.webm",
    "/api/recordings/r/media/%00",
    "/api/rooms/%00",
    "/api/rooms/%00/invites",
]
TRAVERSAL = [
    "/..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2f..%2fsecrets.json",
]


@pytest.fixture
def server(live_server_factory: Callable[..., LiveServer], tmp_path: Path) -> LiveServer:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>t</title>")
    (dist / "assets" / "a.js").write_text("export {}")
    live = live_server_factory(web_dist=dist)
    live.create_room("r1")
    return live


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_control_characters_in_any_path_are_a_coded_400(server: LiveServer, method: str) -> None:
    tokens = (server.settings.api_key, server.mint("r1", "h", Role.HOST))
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        for token in tokens:
            for path in ODD:
                answer = http.request(method, path, headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 400, (method, path, answer.text)
                assert answer.json()["code"] == "bad_request"
                assert answer.headers["x-content-type-options"] == "nosniff"


def test_traversal_is_a_coded_404(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        for path in TRAVERSAL:
            answer = http.get(path)
            assert (answer.status_code, answer.json()["code"]) == (404, "not_found"), path


def test_every_answer_carries_the_security_headers(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        for path in ("/", "/room/r1", "/assets/a.js", "/healthz", "/api/rooms", "/nope"):
            answer = http.get(path)
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["referrer-policy"] == "no-referrer"
            assert answer.headers["x-frame-options"] == "DENY"
            policy = answer.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy
            assert f"connect-src 'self' ws://127.0.0.1:{server.port}" in policy
            assert "strict-transport-security" not in answer.headers  # plain HTTP: no HSTS


def test_the_policy_allows_wasm_and_blob_workers_but_no_eval() -> None:
    policy = dict(
        item.split(" ", 1)
        for item in content_security_policy("https", "h.example:8443").split("; ")
    )
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert policy["worker-src"] == "'self' blob:"
    assert policy["connect-src"] == "'self' wss://h.example:8443"
    assert policy["object-src"] == "'none'"
    # A Host header that is not a host name is left out, never copied into the policy.
    assert "evil" not in content_security_policy("http", "x; script-src evil")


def test_odd_path() -> None:
    assert odd_path("/a\x00b") and odd_path("/\x7f") and odd_path("/a\nb")
    assert not odd_path("/dicom-web/studies/1.2.3") and not odd_path("/room/会诊")
