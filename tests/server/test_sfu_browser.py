"""Real Chromium (fake camera + microphone) through the live server's SFU.

Page A publishes camera + mic; pages B and C show A's video advancing
(``requestVideoFrameCallback``) and receive A's audio; A's screen share appears at B; A's mute
(``set_media``, a room command) shows on B; B is told A is the active speaker. The page is a
minimal media client served by this test (``tests/sfu/page/media.html``), so a failure here
points at the SFU; the web client's own call panel is covered by ``tests/web/test_call.py``.
"""

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from livetools import WEBRTC_FLAGS, LiveServer, chromium_path
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from server.sfu.ice import host_addresses
from session.grants import Role

PAGE_DIR = Path(__file__).parents[1] / "sfu" / "page"
CHROMIUM = chromium_path()
FLAGS = [*WEBRTC_FLAGS, "--auto-select-desktop-capture-source=Entire screen"]
WAIT_MS = 20_000  # safety net against hangs, not a timing assertion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM or not Path(CHROMIUM).exists(), reason="needs chromium"),
]


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with host_addresses(["127.0.0.1"]):
        yield


@pytest.fixture
def page_server() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(PAGE_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/media.html"
    server.shutdown()
    server.server_close()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def open_page(browser: Any, url: str, live: LiveServer, who: str, role: Role) -> Page:
    token = live.mint("media", who, role)
    page: Page = browser.new_context().new_page()
    page.goto(f"{url}?{urlencode({'ws': live.ws_url, 'token': token})}")
    page.wait_for_function("media.welcome !== null", timeout=WAIT_MS)
    return page


def frames_of(page: Page, key: str) -> int:
    return int(page.evaluate(f"media.frames[{key!r}] || 0"))


def wait_frames(page: Page, key: str, more_than: int) -> None:
    try:
        page.wait_for_function(f"(media.frames[{key!r}] || 0) > {more_than}", timeout=WAIT_MS)
    except PlaywrightError as exc:
        raise AssertionError(f"{key} not advancing: {state(page)}") from exc


def state(page: Page) -> str:
    keys = ["log", "errors", "frames", "mids", "connected", "screen"]
    return str(page.evaluate(f"JSON.stringify({{{', '.join(f'{k}: media.{k}' for k in keys)}}})"))


def wait_audio(page: Page) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while page.evaluate("media.audioReceived()") < 50:
        assert time.monotonic() < deadline, "no audio packets received"
        page.wait_for_timeout(200)


def test_camera_mic_screen_and_mute_reach_other_browsers(
    live_server: LiveServer, page_server: str
) -> None:
    live_server.create_room("media")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            a = open_page(browser, page_server, live_server, "host", Role.HOST)
            a.evaluate("media.publish()")
            b = open_page(browser, page_server, live_server, "doc", Role.PARTICIPANT)
            c = open_page(browser, page_server, live_server, "trainee", Role.OBSERVER)
            b.evaluate("media.watch()")
            c.evaluate("media.watch()")
            for page in (b, c):
                wait_frames(page, "host:camera", 10)
                seen = frames_of(page, "host:camera")
                wait_frames(page, "host:camera", seen + 10)  # advancing, not one still frame
                wait_audio(page)

            # Active speaker from the RFC 6464 levels of A's fake microphone (a beeping tone).
            b.wait_for_function("media.speakers.includes('host')", timeout=WAIT_MS)

            a.evaluate("media.shareScreen()")
            wait_frames(b, "host:screen", 10)

            a.evaluate("media.mute()")
            b.wait_for_function("media.muted['host'] === true", timeout=WAIT_MS)
            assert "host muted" in b.inner_text("#status")
            assert b.evaluate("media.errors") == []
            print("screen source:", a.evaluate("media.screen"))
        finally:
            browser.close()
