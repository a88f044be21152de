"""Bounded request bodies against a real uvicorn on loopback, with a raw socket client that sends
chunked, lying and slow bodies (``tests/rawhttp.py``): refused early or the moment they pass the
limit, with a coded 413; a room's quota; a slow upload does not hold up anyone else."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pydicom
import pytest
from livetools import LiveServer, eventually
from pydicom.data import get_testdata_file
from rawhttp import LAST_CHUNK, chunk_frame, open_request, read_answer, send

from server.bodies import UPLOADS, remove_stale_uploads
from session.grants import Role

CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))
ROOM = "uploads"
LIMIT = 256 * 1024
BOUNDARY = "huizhen-test-boundary"
STOW_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


def stow_body(*files: Path) -> bytes:
    parts = [
        b"--%s\r\nContent-Type: application/dicom\r\n\r\n%s\r\n"
        % (BOUNDARY.encode(), f.read_bytes())
        for f in files
    ]
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def zeros(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    block = bytes(size)
    for _ in range(total // size):
        yield block


@pytest.fixture
def server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    quota = CT.stat().st_size + MR.stat().st_size // 2  # room for CT, not for CT + MR
    live = live_server_factory(max_upload_bytes=LIMIT, room_quota_bytes=quota)
    live.create_room(ROOM, "Upload limits")
    return live


def headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": STOW_TYPE, **extra}


def uploads_left(server: LiveServer) -> list[Path]:
    root = server.settings.data_dir / UPLOADS
    return list(root.iterdir()) if root.is_dir() else []


async def test_a_declared_length_over_the_limit_is_refused_before_the_body(
    server: LiveServer,
) -> None:
    token = server.settings.api_key
    answer = await send(
        server.port,
        "POST",
        "/dicom-web/studies",
        headers(token, **{"Content-Length": str(10 << 30)}),
        [],
    )
    assert (answer.status, answer.json()["code"]) == (413, "too_large")


async def test_a_chunked_body_is_cut_off_when_it_passes_the_limit(server: LiveServer) -> None:
    total = 64 << 20
    answer = await send(
        server.port, "POST", "/dicom-web/studies", headers(server.settings.api_key), zeros(total)
    )
    assert (answer.status, answer.json()["code"]) == (413, "too_large")
    assert answer.sent < total  # the server stopped reading: the client could not send it all
    await eventually(lambda: not uploads_left(server))


async def test_a_chunked_json_body_over_1_mib_is_413(server: LiveServer) -> None:
    api = {"Authorization": f"Bearer {server.settings.api_key}", "Content-Type": "application/json"}
    answer = await send(server.port, "POST", "/api/rooms", api, zeros(4 << 20))
    assert (answer.status, answer.json()["code"]) == (413, "too_large")


async def test_the_room_quota_refuses_an_upload_and_stores_nothing(server: LiveServer) -> None:
    host = server.mint(ROOM, "prof-zhang", Role.HOST)
    first = await send(
        server.port, "POST", "/dicom-web/studies", headers(host), pieces(stow_body(CT), 4096)
    )
    assert first.status == 200, first.body
    body = stow_body(MR)
    declared = headers(host, **{"Content-Length": str(len(body))})
    refused = await send(server.port, "POST", "/dicom-web/studies", declared, [body])
    chunked = await send(
        server.port, "POST", "/dicom-web/studies", headers(host), pieces(body, 1024)
    )
    for answer in (refused, chunked):
        assert (answer.status, answer.json()["code"]) == (413, "quota_exceeded")
    mr_study = pydicom.dcmread(MR, stop_before_pixels=True).StudyInstanceUID
    assert server.state.studies.study(mr_study) is None
    # The admin key is not held to a room's quota.
    admin = await send(
        server.port, "POST", "/dicom-web/studies", headers(server.settings.api_key), [body]
    )
    assert admin.status == 200, admin.body


async def test_a_slow_upload_does_not_hold_up_other_requests(server: LiveServer) -> None:
    body = stow_body(MR)
    host = server.mint(ROOM, "prof-zhang", Role.HOST)
    reader, writer = await open_request(server.port, "POST", "/dicom-web/studies", headers(host))
    writer.write(chunk_frame(body[:1000]))
    await writer.drain()
    # While that upload stalls, the server answers everyone else, an upload included.
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        assert (await http.get("/healthz")).status_code == 200
        other = await http.post(
            "/dicom-web/studies", content=stow_body(CT), headers=headers(server.settings.api_key)
        )
        assert other.status_code == 200, other.text
    for piece in pieces(body[1000:], 2000):
        writer.write(chunk_frame(piece))
        await writer.drain()
        await asyncio.sleep(0.01)  # a slow sender, not a timing check
    writer.write(LAST_CHUNK)
    await writer.drain()
    status, _, answer = await read_answer(reader)
    writer.close()
    assert status == 200, answer
    mr_study = pydicom.dcmread(MR, stop_before_pixels=True).StudyInstanceUID
    assert server.state.studies.study(mr_study) is not None
    await eventually(lambda: not uploads_left(server))


async def test_a_body_that_is_not_multipart_is_400(server: LiveServer) -> None:
    api = headers(server.settings.api_key, **{"Content-Length": "12"})
    answer = await send(server.port, "POST", "/dicom-web/studies", api, [b"not multipart"])
    assert (answer.status, answer.json()["code"]) == (400, "bad_request")


def test_only_day_old_upload_folders_are_removed_at_start(tmp_path: Path) -> None:
    old, fresh = tmp_path / UPLOADS / "old", tmp_path / UPLOADS / "fresh"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "body").write_bytes(b"x")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    remove_stale_uploads(tmp_path)
    assert not old.exists() and fresh.exists()
    remove_stale_uploads(tmp_path / "nothing-here")  # no uploads folder yet: nothing to do


async def test_an_abandoned_upload_leaves_nothing_and_logs_no_error(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    host = server.mint(ROOM, "prof-zhang", Role.HOST)
    _, writer = await open_request(server.port, "POST", "/dicom-web/studies", headers(host))
    writer.write(chunk_frame(stow_body(MR)[:5000]))
    await writer.drain()
    await eventually(lambda: bool(uploads_left(server)))  # the server is receiving it
    writer.close()
    await eventually(lambda: not uploads_left(server))
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await http.get("/healthz")).status_code == 200
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
