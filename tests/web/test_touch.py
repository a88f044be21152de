"""Ward rounds on a phone: pinch zoom, two-finger scroll and long-press for tools (real touch
events through the DevTools protocol), followed by a desktop page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

VP = "window.__huizhen.viewport(0)"


def touch(cdp: CDPSession, kind: str, points: list[tuple[float, float]]) -> None:
    pts: list[dict[str, Any]] = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": pts})


def gesture(page: Page, start: list[tuple[float, float]], end: list[tuple[float, float]]) -> None:
    cdp = page.context.new_cdp_session(page)
    touch(cdp, "touchStart", start)
    for k in range(1, 13):
        f = k / 12
        now = [
            (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
            for a, b in zip(start, end, strict=True)
        ]
        touch(cdp, "touchMove", now)
        page.wait_for_timeout(16)
    touch(cdp, "touchEnd", [])


def centre(page: Page) -> tuple[float, float]:
    box = page.locator(".viewport").first.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_pinch_zoom_and_two_finger_scroll_are_followed(pages: Pages) -> None:
    phone = pages.open("dr-li", Role.HOST, size=(390, 844))
    desk = pages.open("dr-wang", Role.PARTICIPANT)
    x, y = centre(phone)
    gesture(phone, [(x - 30, y), (x + 30, y)], [(x - 120, y), (x + 120, y)])
    phone.wait_for_function(f"{VP}.view.presentation.zoom > 1.2")
    zoom = phone.evaluate(f"{VP}.view.presentation.zoom")
    desk.wait_for_function(f"Math.abs({VP}.view.presentation.zoom - {zoom}) < 1e-3", timeout=15_000)
    before = phone.evaluate(f"{VP}.index")
    gesture(phone, [(x - 40, y - 120), (x + 40, y - 120)], [(x - 40, y + 60), (x + 40, y + 60)])
    phone.wait_for_function(f"{VP}.index > {before}")
    index = phone.evaluate(f"{VP}.index")
    desk.wait_for_function(f"{VP}.index === {index}", timeout=15_000)


def test_long_press_opens_the_tool_menu(pages: Pages) -> None:
    phone = pages.open("dr-wang", Role.PARTICIPANT, size=(390, 844))
    x, y = centre(phone)
    cdp = phone.context.new_cdp_session(phone)
    touch(cdp, "touchStart", [(x, y)])
    phone.wait_for_timeout(900)
    touch(cdp, "touchEnd", [])
    menu = phone.locator("#tool-menu")
    menu.wait_for(state="visible", timeout=5_000)
    menu.locator("[data-tool='length']").click()
    assert menu.is_hidden()
    assert phone.evaluate("window.__huizhen.ctx.viewer.tools.active") == "length"
