"""Redact mode (issue 11, item 7): a host marks burned-in text on an ultrasound series in the
viewer, saves, and the next de-identified copy has those pixels blanked; a participant
(no ``manage_case``) never sees the control."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from livetools import LiveServer
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, UltrasoundImageStorage

from server import dicomweb
from server.appstate import AppState
from session.commands import AttachStudy
from session.grants import Role
from session.ids import RoomId, Uid
from web.conftest import ROOM, Pages

pytestmark = pytest.mark.browser

STUDY = "1.2.826.0.1.3680043.10.1234.77"
SERIES = STUDY + ".2"
ROWS, COLUMNS = 240, 320
NAME_AT = (4, 120)  # below the default band: only a drawn rectangle covers it
COVER = (0, 110, 200, 30)  # x, y, w, h in image pixels: the name's line


def drawn_name() -> NDArray[np.uint8]:
    image = Image.new("RGB", (COLUMNS, ROWS))
    gradient = np.tile(np.linspace(10, 120, COLUMNS, dtype=np.uint8), (ROWS, 1))
    image.paste(Image.fromarray(gradient).convert("RGB"))
    ImageDraw.Draw(image).text(NAME_AT, "DOE^JANE 1970-01-01 ID 12345", fill=(255, 255, 255))
    return np.asarray(image, dtype=np.uint8)


def ultrasound(path: Path) -> Path:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = UltrasoundImageStorage, SERIES + ".1"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, SERIES
    ds.PatientName, ds.PatientID, ds.Modality = "Doe^Jane", "12345", "US"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID = "20240301", "101112", "A1", "S1"
    ds.SeriesNumber, ds.InstanceNumber, ds.PatientOrientation = 1, 1, ""
    ds.set_pixel_data(drawn_name(), "RGB", 8, generate_instance_uid=False)
    ds.save_as(path, enforce_file_format=True)
    return path


def _attach_us(path: Path) -> Callable[[AppState], Any]:
    @contextlib.asynccontextmanager
    async def hook(state: AppState) -> AsyncIterator[None]:
        report = await asyncio.to_thread(state.studies.import_paths, [path])
        assert not report.errors, report.errors
        host = await state.rooms.create(RoomId(ROOM), "Ultrasound")
        await host.system(AttachStudy(uid=Uid(STUDY), description="US with a name"))
        yield

    return hook


@pytest.fixture
def us_pages(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, browser: Browser, tmp_path: Path
) -> Iterator[Pages]:
    hooks = [dicomweb.dicomweb_lifespan, _attach_us(ultrasound(tmp_path / "us.dcm"))]
    p = Pages(live_server_factory(web_dist=web_dist, hooks=hooks), browser)
    yield p
    p.close()
    assert not p.errors, p.errors


def open_shown(pages: Pages, identity: str, role: Role, locale: str = "en-US") -> Page:
    page = pages.open(identity, role, locale=locale, wait=False)
    page.wait_for_function(
        "() => document.querySelector('#status-overlay')?.dataset.status === 'connected'"
        " && window.__huizhen && window.__huizhen.viewport(0).image !== null",
        timeout=60_000,
    )
    return page


def settled_box(page: Page, selector: str) -> dict[str, float]:
    """The element's box once it stops moving (the viewport may still fit the image)."""
    page.locator(selector).wait_for(timeout=30_000)
    last: dict[str, float] | None = None
    for _ in range(50):
        box = page.locator(selector).bounding_box()
        if box is not None and box == last:
            return box
        last = box
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never settled: {last}")


def drag_image(page: Page, band: dict[str, float], rect: tuple[int, int, int, int]) -> None:
    """Drag over ``rect`` (image pixels), mapped through the default band's on-screen box
    (the band spans the image's full width from its top-left corner)."""
    scale = band["width"] / COLUMNS
    x, y, w, h = rect
    page.mouse.move(band["x"] + x * scale, band["y"] + y * scale)
    page.mouse.down()
    page.mouse.move(band["x"] + (x + w) * scale, band["y"] + (y + h) * scale, steps=8)
    page.mouse.up()


def test_host_redacts_and_the_copy_is_blanked(us_pages: Pages) -> None:
    host = open_shown(us_pages, "dr-li", Role.HOST, locale="zh-CN")
    host.click("[data-action='redact']")
    panel = host.locator("#redaction-panel")
    panel.locator(".redaction-badge").wait_for(timeout=30_000)
    assert panel.locator(".redaction-badge").text_content() == "需要脱敏"
    assert panel.locator(".redaction-default").is_visible()
    band = settled_box(host, ".redaction-rect.default")
    drag_image(host, band, COVER)
    host.wait_for_function(
        "document.querySelectorAll('#redaction-list li').length === 2", timeout=30_000
    )
    host.click("[data-redaction-delete='0']")  # drop the default band: only the drawn one stays
    host.click("[data-action='redaction-save']")
    status = host.locator("#redaction-status[data-ok='true']")
    status.wait_for(timeout=30_000)
    assert status.text_content() == "遮盖区域已保存。"
    token = us_pages.server.mint(ROOM, "dr-li", Role.HOST)
    with us_pages.server.admin() as http:
        r = http.get(
            f"/api/studies/{STUDY}/series/{SERIES}/redaction",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "series" and body["needs_redaction"] is True
    ((x, y, w, h),) = body["rectangles"]
    # Drawn through the screen: within a pixel or two of the intended rectangle.
    assert abs(x - COVER[0]) <= 2 and abs(y - COVER[1]) <= 2
    assert abs(w - COVER[2]) <= 3 and abs(h - COVER[3]) <= 3
    outcome = us_pages.server.state.studies.deidentify(STUDY)
    (record,) = us_pages.server.state.studies.instances(outcome.study.study_uid)
    pixels = pydicom.dcmread(record.path).pixel_array
    original = drawn_name()
    inside = (slice(y, y + h), slice(x, x + w))
    assert (original[inside] > 200).any(), "the name is drawn where the host covered it"
    assert (pixels[inside] == pixels[inside].flat[0]).all()  # blanked to one value
    assert (pixels[:y] == original[:y]).all()  # the deleted default band is untouched


def test_participant_sees_no_redact_control(us_pages: Pages) -> None:
    county = open_shown(us_pages, "dr-wang", Role.PARTICIPANT)
    host = open_shown(us_pages, "dr-li", Role.HOST)
    host.locator("[data-action='redact']").wait_for(timeout=30_000)
    county.locator("[data-action='fit']").wait_for()
    assert county.locator("[data-action='redact']").count() == 0
