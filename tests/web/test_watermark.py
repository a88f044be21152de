"""Issue 12: the identity watermark in Chromium.

Host and doctor pages each show their own name, role and time over the viewport (read from the
layer's text AND seen in screenshot pixels); removing or hiding the layer through the DOM is
undone; the host switches the room's watermark off and both pages lose it (the screenshots
change back), then on again. The playback page marks the recording with its viewer's identity,
and shows none for a recording whose room had the watermark off.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from livetools import LiveServer
from PIL import Image
from playwright.sync_api import Browser, Page
from websockets.sync.client import connect

from session.commands import SetImage, SetRecording, SetWatermark
from session.grants import Role
from web.case import CtCase
from web.conftest import ROOM, Pages
from web.test_playback import (  # noqa: F401 - fixtures
    WAIT_MS,
    Host,
    Recorded,
    _finished,
    _image,
    playback,
    recorded,
    recording_server,
    seam,
)

pytestmark = pytest.mark.browser

WAIT = 30_000  # a safety net under load, not a timing assertion
LAYER = ".viewport canvas.watermark"

# Share of the layer's pixels that carry ink, and what the layer's text says.
READ_LAYER = """(sel) => {
  const c = document.querySelector(sel);
  if (!c) return null;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
  const style = getComputedStyle(c);
  return { text: c.dataset.text, ink: ink / (c.width * c.height), display: style.display,
           visibility: style.visibility, opacity: style.opacity, zIndex: style.zIndex };
}"""


def layer(page: Page) -> dict[str, object] | None:
    found = page.evaluate(READ_LAYER, LAYER)
    return None if found is None else dict(found)


def wait_marked(page: Page) -> dict[str, object]:
    """The layer is in place, visible, above the image and drawn."""
    page.wait_for_function(
        f"(sel) => {{ const r = ({READ_LAYER})(sel); return r && r.ink > 0.005 && r.zIndex === '6'"
        " && r.display !== 'none' && r.visibility === 'visible' && r.opacity === '1'; }",
        arg=LAYER,
        timeout=WAIT,
    )
    found = layer(page)
    assert found is not None
    return found


def wait_unmarked(page: Page) -> None:
    page.wait_for_function("(sel) => !document.querySelector(sel)", arg=LAYER, timeout=WAIT)


def viewport_pixels(page: Page) -> np.ndarray:
    png = page.locator(".viewport").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")).astype(int)


def settled_pixels(page: Page) -> np.ndarray:
    """A screenshot once two in a row agree (the image has finished rendering)."""
    deadline = time.monotonic() + 20
    last = viewport_pixels(page)
    while True:
        page.wait_for_timeout(300)
        now = viewport_pixels(page)
        if (now.shape == last.shape and (np.abs(now - last) > 8).mean() < 0.001) or (
            time.monotonic() > deadline
        ):
            return now
        last = now


def test_each_page_shows_its_own_mark_and_the_host_switches_it(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    doctor = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang", locale="zh-CN")
    mine, theirs = wait_marked(host), wait_marked(doctor)
    assert str(mine["text"]).startswith("Dr Li · host\ndr-li · 20")
    assert str(theirs["text"]).startswith("Dr Wang · 医生\ndr-wang · 20")  # the page's language
    assert host.locator("#watermark-btn").inner_text() == "Watermark: on"
    assert doctor.locator("#watermark-btn").is_hidden()  # only moderators switch it
    marked = settled_pixels(doctor)

    host.click("#watermark-btn")
    wait_unmarked(host)
    wait_unmarked(doctor)
    assert host.locator("#watermark-btn").inner_text() == "Watermark: off"
    assert doctor.evaluate("() => window.__huizhen.ctx.state.watermark") is False
    plain = settled_pixels(doctor)
    assert plain.shape == marked.shape
    changed = np.abs(plain - marked) > 8
    assert changed.mean() > 0.005, changed.mean()  # the text was in the screenshot
    assert changed.mean() < 0.25  # and only the text: the image stayed

    host.click("#watermark-btn")
    wait_marked(host)
    wait_marked(doctor)
    again = settled_pixels(doctor)
    assert (np.abs(again - marked) > 8).mean() < changed.mean() / 2  # the same mark is back


TAMPERING = {
    "remove": "c => c.remove()",
    "display-none": "c => { c.style.display = 'none'; }",
    "hidden-opacity": "c => { c.hidden = true; c.style.setProperty('opacity', '0', 'important'); }",
    "under-the-image": "c => { c.parentElement.prepend(c); c.style.zIndex = '-1'; }",
    "style-sheet": "c => { const s = new CSSStyleSheet(); s.replaceSync("
    "'.watermark { display: none !important; visibility: hidden !important }');"
    " document.adoptedStyleSheets = [s]; }",
    "clear": "c => c.getContext('2d').clearRect(0, 0, c.width, c.height)",
}


def test_the_viewer_cannot_remove_the_mark_through_the_dom(pages: Pages) -> None:
    doctor = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    wait_marked(doctor)
    for name, tamper in TAMPERING.items():
        doctor.evaluate(f"(sel) => ({tamper})(document.querySelector(sel))", LAYER)
        found = wait_marked(doctor)
        assert str(found["text"]).startswith("Dr Wang · doctor"), name
        assert doctor.locator(LAYER).count() == 1, name


def test_playback_marks_the_recording_with_its_viewer(playback: Page, recorded: Recorded) -> None:  # noqa: F811
    found = wait_marked(playback)
    # The recording-viewer token's holder (the trainee), not the recorded host.
    assert str(found["text"]).startswith("Trainee · observer\nviewer-")
    assert playback.evaluate("() => window.__playback.ctx.state.watermark") is True


@pytest.fixture
def unmarked(recording_server: LiveServer, ct_case: CtCase) -> Recorded:  # noqa: F811
    """A recording of a room whose host switched the watermark off before recording."""
    token = recording_server.mint(ROOM, "lead", Role.HOST, name="Dr Lead")
    with connect(recording_server.ws_url, compression=None) as ws:
        host = Host(ws, token)
        host.do(SetImage(0, _image(ct_case, 2)))
        host.do(SetWatermark(watermark=False))
        host.do(SetRecording(recording=True))
        time.sleep(0.5)
        host.do(SetImage(0, _image(ct_case, 4)))
        time.sleep(0.5)
        host.do(SetRecording(recording=False))
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=recording_server.base_url, headers=auth, timeout=10) as client:
        recording = _finished(client)
        minted = client.post(f"/api/recordings/{recording['id']}/viewer-tokens", json={})
        assert minted.status_code == 201
    return Recorded(recording["id"], token, minted.json()["token"])


@pytest.fixture
def unmarked_playback(
    recording_server: LiveServer,  # noqa: F811
    browser: Browser,
    unmarked: Recorded,
) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    page = context.new_page()
    url = f"{recording_server.base_url}/playback.html#token={unmarked.viewer_token}"
    page.goto(f"{url}&recording={unmarked.id}")
    page.wait_for_function(
        "() => window.__playback && window.__playback.applied() > 0"
        " && window.__playback.viewport(0).image !== null",
        timeout=WAIT_MS,
    )
    yield page
    context.close()


def test_playback_follows_the_recorded_setting(unmarked_playback: Page) -> None:
    page = unmarked_playback
    page.wait_for_function("() => window.__playback.ctx.state.watermark === false", timeout=WAIT)
    wait_unmarked(page)
