"""A real Chromium page through a server restart: its annotations come back after ``kill -9``
and a restart on the same data dir, and a SIGTERM shows "server restarting" until the page
has reconnected on its own (``huizhen serve`` as a real process, tests/durable/serverproc)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from session.grants import Role
from web.case import CtCase
from web.conftest import wait_ready
from web.test_annotations import DESCRIBE, drag, notes_with_stats

sys.path.insert(0, str(Path(__file__).parents[1] / "durable"))
from serverproc import ServerProcess

pytestmark = pytest.mark.browser
ROOM = "ward"
STATUS = "document.querySelector('#status-overlay')?.dataset.status"
# Every status the overlay shows from now on, with its text (one entry per change).
WATCH_STATUS = """() => {
  const overlay = document.querySelector('#status-overlay');
  window.__statuses = []; window.__statusTexts = [];
  new MutationObserver(() => {
    if (window.__statuses.at(-1) === overlay.dataset.status) return;
    window.__statuses.push(overlay.dataset.status);
    window.__statusTexts.push(document.querySelector('#status-text').textContent);
  }).observe(overlay, {attributes: true, subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture
def server(tmp_path: Path, web_dist: Path, ct_case: CtCase) -> Iterator[ServerProcess]:
    """``huizhen serve`` with the test CT stored (STOW-RS) and attached to room ``ward``."""
    proc = ServerProcess(tmp_path)
    proc.start(web_dist)
    try:
        proc.stow(ct_case.files)
        with proc.admin() as admin:
            proc.create_room(ROOM, "Ward round")
            attached = admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": ct_case.study})
            assert attached.status_code == 201, attached.text
        yield proc
    finally:
        proc.stop()


def open_page(browser: Browser, server: ServerProcess, who: str = "dr-li") -> Page:
    page = browser.new_context(viewport={"width": 1000, "height": 700}).new_page()
    token = server.mint(ROOM, who, Role.HOST)
    page.goto(f"{server.base_url}/join#token={token}")
    wait_ready(page)
    return page


def test_annotations_are_back_after_kill_9(server: ServerProcess, browser: Browser) -> None:
    page = open_page(browser, server)
    try:
        page.click("[data-tool='length']")
        drag(page, (0.3, 0.4), (0.7, 0.6))
        mine = notes_with_stats(page, "Length")[0]
        page.wait_for_function(f"{DESCRIBE}.every(a => a.wire)")  # sent and acked

        server.kill()
        page.wait_for_function(f"{STATUS} === 'reconnecting'", timeout=15_000)
        server.start()
        page.wait_for_function(f"{STATUS} === 'connected'", timeout=60_000)
        back = notes_with_stats(page, "Length")
        assert [n["id"] for n in back] == [mine["id"]]
        assert back[0]["wire"]["points"] == mine["wire"]["points"]

        # A page that never saw it gets it from the restored room.
        fresh = open_page(browser, server, "dr-wang")
        assert [n["id"] for n in notes_with_stats(fresh, "Length")] == [mine["id"]]
        fresh.context.close()
    finally:
        page.context.close()


def test_sigterm_says_restarting_then_reconnects(server: ServerProcess, browser: Browser) -> None:
    page = open_page(browser, server)
    try:
        page.evaluate(WATCH_STATUS)
        server.terminate()
        page.wait_for_function(f"{STATUS} === 'restarting'", timeout=15_000)
        text = page.evaluate("window.__statusTexts.at(-1)")
        assert "Server restarting" in text and "you will be back" in text
        server.wait()
        server.start()
        page.wait_for_function(f"{STATUS} === 'connected'", timeout=60_000)
        # Attempts refused while the server was down did not turn it into "connection lost".
        assert page.evaluate("window.__statuses") == ["restarting", "connected"]
    finally:
        page.context.close()
