"""Issue 16: host controls. The host sees raised hands and control requests (toast and counter),
lowers all hands, mutes and stops a participant's video, removes one and closes the room; a
doctor's "Request control" shows a pending state he can cancel.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

WAIT = 15_000
H = "window.__huizhen"


def row(page: Page, who: str) -> str:
    return f"li[data-participant='{who}']"


def confirm(page: Page) -> None:
    page.locator("#confirm-dialog [data-action='confirm-yes']").click()


def toast_says(page: Page, text: str) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('#toast').textContent.includes(text)",
        arg=text,
        timeout=WAIT,
    )


def participant(page: Page, who: str) -> dict[str, object]:
    return dict(page.evaluate(f"(who) => {H}.ctx.state.participants.get(who)", who))


def test_host_sees_and_handles_hands_and_requests(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")

    trainee.click("#hand-btn")
    toast_says(host, "Zhao raised a hand")
    host.locator("[data-count='hands']").wait_for(timeout=WAIT)
    assert host.locator("[data-count='hands']").inner_text() == "✋ 1"

    county.click("[data-action='request-control']")
    county.locator(".badge.pending").wait_for(timeout=WAIT)
    toast_says(host, "Dr Wang wants control")
    host.locator("[data-count='requests']").wait_for(timeout=WAIT)
    county.click("[data-action='cancel-request']")
    county.locator("[data-action='request-control']").wait_for(timeout=WAIT)
    host.locator("[data-count='requests']").wait_for(state="detached", timeout=WAIT)

    host.click("[data-action='lower-all-hands']")
    host.locator("[data-count='hands']").wait_for(state="detached", timeout=WAIT)
    trainee.wait_for_function(f"!{H}.ctx.state.participants.get('stu-zhao').hand_raised")


def test_host_mutes_removes_and_closes(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")
    county.evaluate(  # the room state of a doctor in the call with microphone and camera on
        f"""{H}.ctx.send({{type: 'set_media', audio: true, video: true, screen: false,
        audio_muted: false, video_muted: false}})"""
    )
    host.locator(f"{row(host, 'dr-wang')} [data-action='mute']").click()
    county.wait_for_function(f"{H}.ctx.state.participants.get('dr-wang').audio_muted")
    host.locator(f"{row(host, 'dr-wang')} [data-action='stop-video']").click()
    county.wait_for_function(f"!{H}.ctx.state.participants.get('dr-wang').video")
    assert host.locator(f"{row(host, 'dr-wang')} [data-action='mute']").count() == 0
    assert trainee.locator("[data-action='mute']").count() == 0  # observers moderate nothing

    host.locator(f"{row(host, 'stu-zhao')} [data-action='remove']").click()
    confirm(host)
    trainee.wait_for_function(
        "document.querySelector('#status-overlay').dataset.status === 'kicked'", timeout=WAIT
    )
    assert "移出" in trainee.locator("#status-text").inner_text()

    host.click("[data-action='close-room']")
    assert "everyone" in host.locator("#confirm-dialog p").inner_text()
    confirm(host)
    county.wait_for_function(
        "document.querySelector('#status-overlay').dataset.status === 'room_closed'",
        timeout=WAIT,
    )
