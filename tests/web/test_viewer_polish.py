"""Issue 16, item 8 of the list: chat times and an unread count, the cine playing state, the
empty-room hint, and thumbnails with the right grey scale (an enhanced MR was drawn black, a
MONOCHROME1 radiograph inverted).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest
from livetools import LiveServer
from playwright.sync_api import Browser, Page

from samples import mr, radiograph
from server import dicomweb
from server.appstate import AppState
from session.commands import AttachStudy
from session.grants import Role
from session.ids import RoomId, Uid
from web.conftest import ROOM, Pages

pytestmark = pytest.mark.browser

WAIT = 15_000
H = "window.__huizhen"
CONNECTED = "document.querySelector('#status-overlay').dataset.status === 'connected'"


def room_with(files: list[Path]) -> Callable[[AppState], Any]:
    """Room ``ward`` with the studies of ``files`` attached (none: an empty room)."""

    @contextlib.asynccontextmanager
    async def hook(state: AppState) -> AsyncIterator[None]:
        if files:
            report = await asyncio.to_thread(state.studies.import_paths, files)
            assert not report.errors, report.errors
        host = await state.rooms.create(RoomId(ROOM), "Ward round")
        for uid in sorted({str(pydicom.dcmread(f).StudyInstanceUID) for f in files}):
            await host.system(AttachStudy(uid=Uid(uid)))
        yield

    return hook


@pytest.fixture
def open_room(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, browser: Browser
) -> Iterator[Callable[[list[Path]], Pages]]:
    opened: list[Pages] = []

    def start(files: list[Path]) -> Pages:
        server = live_server_factory(
            web_dist=web_dist, hooks=[dicomweb.dicomweb_lifespan, room_with(files)]
        )
        opened.append(Pages(server, browser))
        return opened[-1]

    yield start
    for pages in opened:
        pages.close()
        assert not pages.errors, pages.errors


def test_chat_times_and_unread_count_on_a_phone(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    phone = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang", size=(390, 844))
    host.fill("#chat-input", "see slice 12")
    host.press("#chat-input", "Enter")
    badge = phone.locator("[data-tab-target='chat'] .unread")
    badge.wait_for(timeout=WAIT)
    assert badge.inner_text() == "1"
    phone.click("[data-tab-target='chat']")
    badge.wait_for(state="detached", timeout=WAIT)
    line = phone.locator("#chat-log li", has_text="see slice 12")
    assert re.fullmatch(r"\d\d:\d\d", line.locator("time").inner_text())
    assert host.locator("[data-tab-target='chat'] .unread").count() == 0  # saw it (desktop)


def test_cine_shows_that_it_plays(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")
    host.click("[data-action='cine']")
    for page in (host, trainee):
        page.locator("[data-action='cine'][aria-pressed='true']").wait_for(timeout=WAIT)
    assert "fps" in trainee.locator("[data-action='cine']").inner_text()
    host.click("[data-action='cine']")
    for page in (host, trainee):
        page.locator("[data-action='cine'][aria-pressed='false']").wait_for(timeout=WAIT)


def test_an_empty_room_says_so(open_room: Callable[[list[Path]], Pages]) -> None:
    page = open_room([]).open("dr-li", Role.HOST, name="Dr Li", wait=False)
    page.wait_for_function(CONNECTED, timeout=60_000)
    page.locator("#thumbnails .muted").wait_for(timeout=WAIT)
    assert "No study" in page.locator("#thumbnails").inner_text()


THUMB = """(series) => {
  const c = document.querySelector(`.thumb[data-series="${series}"] canvas`);
  if (!c || c.dataset.drawn !== '1') return null;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const at = (x, y) => d[(y * c.width + x) * 4];
  let sum = 0;
  for (let k = 0; k < d.length; k += 4) sum += d[k];
  return {mean: sum / (d.length / 4), corner: at(8, 8), centre: at(c.width >> 1, c.height >> 1)};
}"""


def thumb(page: Page, series: str) -> dict[str, float]:
    handle = page.wait_for_function(THUMB, arg=series, timeout=30_000)
    return dict(handle.json_value())


def test_mr_and_radiograph_thumbnails_have_the_right_grey_scale(
    open_room: Callable[[list[Path]], Pages], tmp_path: Path
) -> None:
    files = [mr.write(tmp_path / "mr.dcm"), radiograph.write(tmp_path / "dx.dcm")]
    mr_series, dx_series = (str(pydicom.dcmread(f).SeriesInstanceUID) for f in files)
    page = open_room(files).open("dr-li", Role.HOST, name="Dr Li", wait=False)
    page.wait_for_function(CONNECTED, timeout=60_000)
    brain = thumb(page, mr_series)
    assert brain["mean"] > 30 and brain["centre"] > 100, brain  # not black
    chest = thumb(page, dx_series)
    # MONOCHROME1: the highest stored values (air outside the body) display black
    assert chest["corner"] < 40 and chest["centre"] > chest["corner"] + 60, chest
