"""Issue 16: recording controls, the REC indicator on every page and the notice to joiners.

Recording used to be reachable only by sending ``set_recording`` by hand, and nobody in the live
page could see that the consultation was being recorded (a consent problem in a hospital).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

ROOM_RECORDING = "window.__huizhen.ctx.state.recording"


def answer(page: Page, yes: bool) -> str:
    """Answer the open confirmation; returns its question."""
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(timeout=15_000)
    question = dialog.locator("p").inner_text()
    dialog.locator(f"[data-action='confirm-{'yes' if yes else 'no'}']").click()
    return question


def test_host_starts_recording_and_every_page_shows_rec(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")
    assert trainee.locator("#rec-btn").is_hidden()  # observers hold no record grant
    assert trainee.locator("#rec-indicator").is_hidden()

    host.click("#rec-btn")
    assert "Every participant" in answer(host, yes=False)  # cancelled: nothing changes
    assert host.evaluate(ROOM_RECORDING) is False

    host.click("#rec-btn")
    answer(host, yes=True)
    trainee.locator("#rec-indicator").wait_for(state="visible", timeout=10_000)
    assert "录制中" in trainee.locator("#rec-indicator").inner_text()
    assert "正在录制" in trainee.locator("#toast").inner_text()
    host.locator("#rec-indicator").wait_for(state="visible", timeout=10_000)

    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")  # joins while recording
    county.locator("#rec-indicator").wait_for(state="visible", timeout=10_000)
    county.wait_for_function(
        "document.querySelector('#toast').textContent.includes('being recorded')", timeout=10_000
    )

    host.click("#rec-btn")
    assert "Stop recording" in answer(host, yes=True)
    for page in (trainee, county, host):
        page.locator("#rec-indicator").wait_for(state="hidden", timeout=10_000)
