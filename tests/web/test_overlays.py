"""Issue 16: image overlays. A follower must be able to check what he is looking at: patient,
study and series text, window, zoom, slice n/N, thickness and location in the corners,
orientation markers that follow rotation, a scale bar; all hidden with one key (O).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

OVERLAY = ".viewport[data-viewport='0'] .overlay"


def part(page: Page, name: str) -> str:
    return page.locator(f"{OVERLAY} [data-part='{name}']").inner_text()


def wait_part(page: Page, name: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent.includes(text)",
        arg=[f"{OVERLAY} [data-part='{name}']", text],
        timeout=15_000,
    )


def markers(page: Page) -> dict[str, str]:
    return {side: part(page, side) for side in ("top", "right", "bottom", "left")}


def test_overlays_show_the_image_and_follow_the_view(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")
    wait_part(host, "tl", "Test Web")
    assert "Web test CT" in part(host, "tr")
    assert "CT" in part(host, "tr")
    wait_part(host, "bl", "Im 1/16")
    assert "Thick 2.5 mm" in part(host, "bl")
    assert "W 400 L 40" in part(host, "br")
    assert markers(host) == {"top": "A", "right": "L", "bottom": "P", "left": "R"}
    bar = host.locator(f"{OVERLAY} .scale-bar")
    assert bar.get_attribute("data-label", timeout=5_000) in {"10 mm", "20 mm", "50 mm"}

    host.locator(".viewport").first.click()
    host.keyboard.press("ArrowDown")
    host.keyboard.press("2")
    host.click("[data-action='rotate']")
    wait_part(trainee, "bl", "图像 2/16")  # the follower's overlay shows the room's view
    wait_part(trainee, "br", "窗宽 1500 窗位 -600")
    wait_part(trainee, "top", "R")  # rotated 90° clockwise: patient right is at the top
    assert markers(trainee) == {"top": "R", "right": "A", "bottom": "L", "left": "P"}

    trainee.keyboard.press("o")
    trainee.locator(OVERLAY).wait_for(state="hidden", timeout=5_000)
    trainee.keyboard.press("o")
    trainee.locator(OVERLAY).wait_for(state="visible", timeout=5_000)
