"""Control handoff, explore and snap back, late joiner, chat, pointer, language, phone width."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages, wait_ready

pytestmark = pytest.mark.browser

VP = "window.__huizhen.viewport(0)"


def shot(page: Page, name: str) -> None:
    """Keep screenshots for a human to look at when HUIZHEN_SCREENSHOTS names a folder."""
    folder = os.environ.get("HUIZHEN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def voi_is(page: Page, center: float, width: float) -> None:
    page.wait_for_function(
        f"{VP}.voi && {VP}.voi.center === {center} && {VP}.voi.width === {width}", timeout=15_000
    )


def test_control_handoff(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    county.click("[data-action='request-control']")
    give = host.locator("li[data-participant='dr-wang'] [data-action='give-control']")
    host.locator("li[data-participant='dr-wang'] .badge.request").wait_for(timeout=15_000)
    give.click()
    county.locator("[data-action='release-control']").wait_for(timeout=15_000)
    county.locator(".viewport").first.click()
    county.keyboard.press("3")  # bone 2500 / 480
    voi_is(host, 480, 2500)
    shot(county, "handoff-county-drives")
    host.click("[data-action='take-control']")
    host.locator("[data-action='release-control']").wait_for(timeout=15_000)
    host.locator(".viewport").first.click()
    host.keyboard.press("4")  # brain 80 / 40
    voi_is(county, 40, 80)


def test_explore_and_snap_back(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    county.locator(".viewport").first.click()
    county.keyboard.press("ArrowDown")
    county.locator("#explore-bar").wait_for(state="visible", timeout=15_000)
    host.locator("li[data-participant='dr-wang'] .badge.explore").wait_for(timeout=15_000)
    county.keyboard.press("1")  # explores locally: soft tissue
    voi_is(county, 40, 400)
    host.locator(".viewport").first.click()
    host.keyboard.press("2")  # lung for the room
    host.wait_for_timeout(500)
    assert county.evaluate(f"{VP}.voi.center") == 40  # detached: still its own window
    shot(county, "exploring")
    county.click("#follow-btn")
    voi_is(county, -600, 1500)
    county.wait_for_function(
        f"{VP}.image.sop === window.__huizhen.ctx.state.viewports[0].image.sop"
    )
    assert county.locator("#explore-bar").is_hidden()


def test_late_joiner_matches_driver(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    host.locator(".viewport").first.click()
    host.keyboard.press("2")
    for _ in range(5):
        host.keyboard.press("ArrowDown")
    host.click("[data-action='rotate']")
    host.wait_for_function(f"{VP}.index === 5")
    # A second host, so both pages carry the same controls and their canvases the same size
    # (a host's toolbar has more buttons than a participant's and may wrap to another row).
    late = pages.open("late", Role.HOST)
    late.wait_for_function(f"{VP}.index === 5 && {VP}.voi && {VP}.voi.center === -600")
    late.wait_for_function(f"{VP}.view.presentation.rotation === 90")
    # The driver's current image is the first pixel data the late joiner asks for.
    current = host.evaluate(f"{VP}.image.sop")
    assert f"/instances/{current}/frames/1" in pages.frames["late"][0]
    # Both canvases settle to one size once each page's panels have laid out (a toast or a
    # counter can still be resizing one of them): poll for it with a deadline.
    deadline = time.monotonic() + 20
    while True:
        host.wait_for_timeout(500)
        a = canvas_pixels(host)
        b = canvas_pixels(late)
        if a.shape == b.shape or time.monotonic() > deadline:
            break
    assert a.shape == b.shape
    diff = np.abs(a.astype(int) - b.astype(int))
    assert diff.mean() < 2.0, diff.mean()
    assert (diff > 32).mean() < 0.01


def canvas_pixels(page: Page) -> np.ndarray:
    png = page.locator(".viewport canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def test_chat_and_hand(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("student", Role.OBSERVER, name="Xiao Zhang")
    trainee.fill("#chat-input", "请问这个病灶的密度")
    trainee.press("#chat-input", "Enter")
    host.locator("#chat-log li", has_text="请问这个病灶的密度").wait_for(timeout=15_000)
    assert "Xiao Zhang" in host.locator("#chat-log li").last.inner_text()
    trainee.click("#hand-btn")
    host.locator("li[data-participant='student'] .badge.hand").wait_for(timeout=15_000)


def test_pointer_reaches_others(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    host.click("[data-action='pointer']")
    box = host.locator(".viewport").first.bounding_box()
    assert box is not None
    host.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    host.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4, steps=5)
    dot = county.locator(".pointer-dot[data-participant='dr-li']")
    dot.wait_for(timeout=15_000)
    shot(county, "pointer")


def test_language_switch(pages: Pages) -> None:
    page = pages.open("dr-wang", Role.PARTICIPANT, locale="zh-CN")
    assert page.locator("[data-tool='wl']").inner_text() == "窗宽窗位"
    assert page.locator("#chat-section h2").text_content() == "聊天"
    shot(page, "zh-CN")
    page.click("#lang-btn")
    assert page.locator("[data-tool='wl']").inner_text() == "Window"
    assert page.locator("#chat-section h2").text_content() == "Chat"
    page.reload()
    wait_ready(page)
    assert page.locator("[data-tool='wl']").inner_text() == "Window"  # remembered


def test_phone_width(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    phone = pages.open("dr-wang", Role.PARTICIPANT, size=(390, 844))
    grid = phone.locator("#viewer-grid").bounding_box()
    assert grid is not None and grid["width"] <= 390 and grid["height"] > 300
    assert phone.locator("#tabs").is_visible()
    assert phone.locator("#side-panel").is_hidden()
    shot(phone, "phone-viewer")
    host.locator(".viewport").first.click()
    host.keyboard.press("2")
    voi_is(phone, -600, 1500)
    phone.click("[data-tab-target='chat']")
    assert phone.locator("#chat-form").is_visible()
    assert phone.locator("#viewer-grid").is_hidden()
    shot(phone, "phone-chat")
    phone.click("[data-tab-target='viewer']")
    assert phone.locator("#viewer-grid").is_visible()
