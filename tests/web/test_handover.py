"""Issue 16, item 2: the left button follows the tool picked last (picking Zoom or Pan and then
another tool left the old tool on the left button as well)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

VP = "window.__huizhen.viewport(0)"


def left_drag(page: Page) -> None:
    box = page.locator(".viewport").first.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y + 60, steps=10)
    page.mouse.up()


def view(page: Page) -> Any:
    return page.evaluate(VP)


@pytest.mark.parametrize("before", ["zoom", "pan"])
def test_left_drag_uses_the_tool_picked_last(pages: Pages, before: str) -> None:
    host = pages.open("dr-li", Role.HOST)
    host.click(f"[data-tool='{before}']")
    host.click("[data-tool='wl']")
    start = view(host)
    left_drag(host)
    host.wait_for_function(
        f"{VP}.voi && JSON.stringify({VP}.voi) !== {json.dumps(json.dumps(start['voi']))}",
        timeout=15_000,
    )
    after = view(host)
    assert after["view"]["presentation"] == start["view"]["presentation"]
    assert host.evaluate("window.__huizhen.ctx.viewer.tools.active") == "wl"
