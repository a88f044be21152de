"""The identity watermark burned into server-rendered images (``/rendered``, ``/thumbnail``).

Pure drawing first, then over a live uvicorn: a room token's image carries its holder's mark
(pixels differ from the admin's unmarked image, and between two holders), is never cached,
and loses the mark once the host switches the room's watermark off.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pydicom
import pytest
from livetools import LiveServer
from PIL import Image
from pydicom.data import get_testdata_file
from room_client import RoomClient

from server.imaging.render import RenderOptions, render_frame
from server.imaging.watermark import burn, mark_for
from session.commands import SetWatermark
from session.grants import Role
from session.ids import RoomId

CT = Path(str(get_testdata_file("CT_small.dcm")))
ROOM = "marked"
NOW = 1_764_300_000.0  # 2025-11-28 03:20 UTC


# --- drawing ---------------------------------------------------------------------------------
def test_mark_names_who_and_when() -> None:
    mark = mark_for("Dr Li", "host", "dr-li", NOW)
    assert mark.lines == ("Dr Li · host", "dr-li · 2025-11-28 03:20 UTC")
    assert mark_for("  ", "observer", "x", NOW).lines[0] == "observer"


@pytest.mark.parametrize("shape", [(64, 64), (300, 200), (256, 256, 3)])
def test_burn_marks_a_fair_share_of_pixels_and_keeps_the_kind(shape: tuple[int, ...]) -> None:
    pixels = np.full(shape, 40, np.uint8)
    marked = burn(pixels, mark_for("Dr Li", "host", "dr-li", NOW))
    assert marked.shape == pixels.shape and marked.dtype == np.uint8
    changed = np.any(marked != pixels, axis=-1) if len(shape) == 3 else marked != pixels
    assert 0.01 < changed.mean() < 0.5  # tiled over the image, not a solid block


def test_burn_scales_first_and_two_holders_differ() -> None:
    pixels = np.zeros((512, 512), np.uint8)
    li = burn(pixels, mark_for("Dr Li", "host", "dr-li", NOW), size=128)
    wang = burn(pixels, mark_for("Dr Wang", "participant", "dr-wang", NOW), size=128)
    assert li.shape == wang.shape == (128, 128)
    assert (li != wang).mean() > 0.01


def test_burn_draws_names_the_font_lacks() -> None:
    marked = burn(np.zeros((128, 128), np.uint8), mark_for("李医生", "host", "dr-li", NOW))
    assert (marked != 0).mean() > 0.01


# --- over HTTP -------------------------------------------------------------------------------
@pytest.fixture
async def live(live_server: LiveServer) -> AsyncIterator[LiveServer]:
    report = live_server.state.studies.import_paths([CT])
    assert report.ok, report.errors
    live_server.create_room(ROOM, "Marked case")
    uid = pydicom.dcmread(CT, stop_before_pixels=True).StudyInstanceUID
    with live_server.admin() as admin:
        response = admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": uid})
        assert response.status_code == 201, response.text
    yield live_server


def _path(kind: str) -> str:
    ds = pydicom.dcmread(CT, stop_before_pixels=True)
    return (
        f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}/{kind}"
    )


async def _png(
    server: LiveServer, bearer: str, kind: str = "rendered", media: str = "image/png"
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}", "Accept": media}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        response = await client.get(_path(kind), headers=headers)
    assert response.status_code == 200, response.text
    return response


def _pixels(response: httpx.Response) -> np.ndarray:
    with Image.open(io.BytesIO(response.content)) as image:
        return np.asarray(image)


async def test_a_room_token_gets_its_holder_burned_in_and_the_admin_does_not(
    live: LiveServer,
) -> None:
    admin = _pixels(await _png(live, live.settings.api_key))
    assert np.array_equal(admin, render_frame(pydicom.dcmread(CT), 1, RenderOptions()))
    li = await _png(live, live.mint(ROOM, "dr-li", Role.HOST, name="Dr Li"))
    wang = await _png(live, live.mint(ROOM, "dr-wang", name="Dr Wang"))
    assert li.headers["cache-control"] == "private, no-store"
    assert "etag" not in li.headers
    for marked in (_pixels(li), _pixels(wang)):
        assert marked.shape == admin.shape
        assert (marked != admin).mean() > 0.01
    assert (_pixels(li) != _pixels(wang)).mean() > 0.01


async def test_thumbnails_are_marked_at_their_own_size(live: LiveServer) -> None:
    admin = _pixels(await _png(live, live.settings.api_key, "thumbnail"))
    marked = _pixels(await _png(live, live.mint(ROOM, "dr-li", name="Dr Li"), "thumbnail"))
    assert marked.shape == admin.shape and max(admin.shape) <= 128
    assert (marked != admin).mean() > 0.01


async def test_jpeg_is_marked_too(live: LiveServer) -> None:
    admin = await _png(live, live.settings.api_key, media="image/jpeg")
    marked = await _png(live, live.mint(ROOM, "dr-li", name="Dr Li"), media="image/jpeg")
    assert marked.content[:2] == b"\xff\xd8" and marked.headers["content-type"] == "image/jpeg"
    a, b = _pixels(admin).astype(int), _pixels(marked).astype(int)
    assert a.shape == b.shape
    assert (np.abs(a - b) > 16).mean() > 0.01  # beyond JPEG noise: the text is there


async def test_the_host_switching_the_watermark_off_unmarks_the_images(live: LiveServer) -> None:
    admin = _pixels(await _png(live, live.settings.api_key))
    host_token = live.mint(ROOM, "dr-li", Role.HOST, name="Dr Li")
    doctor_token = live.mint(ROOM, "dr-wang", name="Dr Wang")
    host = await RoomClient.connect(live.ws_url, host_token)
    assert host.welcome["snapshot"]["watermark"] is True
    doctor = await RoomClient.connect(live.ws_url, doctor_token)
    refused = await doctor.reply(await doctor.send(SetWatermark(watermark=False)))
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    assert (_pixels(await _png(live, doctor_token)) != admin).any()

    ack = await host.reply(await host.send(SetWatermark(watermark=False)))
    assert ack["type"] == "ack"
    await doctor.until_seq(ack["seq"])
    assert [e["watermark"] for e in doctor.events() if e["type"] == "watermark_changed"] == [False]
    unmarked = await _png(live, doctor_token)
    assert np.array_equal(_pixels(unmarked), admin)
    assert "immutable" in unmarked.headers["cache-control"]
    await host.close()
    await doctor.close()


# --- the operator's switch (admin API and CLI) -----------------------------------------------
async def test_the_admin_api_switches_the_watermark_idempotently(live: LiveServer) -> None:
    admin = _pixels(await _png(live, live.settings.api_key))
    token = live.mint(ROOM, "dr-wang", name="Dr Wang")
    doctor = await RoomClient.connect(live.ws_url, token)
    url = f"/api/rooms/{ROOM}/watermark"
    auth = {"Authorization": f"Bearer {live.settings.api_key}"}
    async with httpx.AsyncClient(base_url=live.base_url, headers=auth, timeout=10) as client:
        assert (await client.get(f"/api/rooms/{ROOM}")).json()["watermark"] is True
        off = await client.put(url, json={"watermark": False})
        assert off.status_code == 200 and off.json()["watermark"] is False
        again = await client.put(url, json={"watermark": False})
        assert again.status_code == 200 and again.json()["seq"] == off.json()["seq"]
        bad = await client.put(url, json={"watermark": "off"})
        assert bad.status_code == 400 and bad.json()["code"] == "bad_request"
        missing = await client.put("/api/rooms/nowhere/watermark", json={"watermark": True})
        assert missing.status_code == 404
        as_member = await client.put(
            url, json={"watermark": True}, headers={"Authorization": f"Bearer {token}"}
        )
        assert as_member.status_code in (401, 403)
    changed = await doctor.next_message(lambda m: m["type"] == "watermark_changed")
    assert changed["watermark"] is False and changed["by"] is None
    assert np.array_equal(_pixels(await _png(live, token)), admin)
    await doctor.close()


def test_the_cli_switches_the_watermark(live_server: LiveServer) -> None:
    from typer.testing import CliRunner

    from server.cli import app

    live_server.create_room("ward-9")
    runner = CliRunner()
    common = ["--server", live_server.base_url, "--api-key", live_server.settings.api_key]
    off = runner.invoke(app, ["rooms", "watermark", "ward-9", "off", *common])
    assert off.exit_code == 0 and "watermark off" in off.output
    assert live_server.state.rooms.get(RoomId("ward-9")).room.watermark is False  # type: ignore[union-attr]
    wrong = runner.invoke(app, ["rooms", "watermark", "ward-9", "maybe", *common])
    assert wrong.exit_code == 2
    gone = runner.invoke(app, ["rooms", "watermark", "nowhere", "on", *common])
    assert gone.exit_code == 1 and "no such room" in gone.output
