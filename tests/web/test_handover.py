"""Issue 16, items 1 and 2: a view survives control handovers, and the left button follows the
tool picked last.

1. A driver used to skip a command equal to the last one it had sent, forever: given control
   again, it pressed a preset it had sent in an earlier turn and the room never heard of it.
2. Picking Zoom or Pan and then another tool left the old tool on the left button as well.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

VP = "window.__huizhen.viewport(0)"
ROOM_VOI = "window.__huizhen.ctx.state.viewports[0].voi"


def voi_is(page: Page, center: float, width: float) -> None:
    """The page shows this window AND its mirror of the room holds it."""
    page.wait_for_function(
        f"{VP}.voi && {VP}.voi.center === {center} && {VP}.voi.width === {width}"
        f" && {ROOM_VOI} && {ROOM_VOI}.center === {center} && {ROOM_VOI}.width === {width}",
        timeout=15_000,
    )


def give_control(host: Page, county: Page) -> None:
    county.click("[data-action='request-control']")
    host.locator("li[data-participant='dr-wang'] .badge.request").wait_for(timeout=15_000)
    host.locator("li[data-participant='dr-wang'] [data-action='give-control']").click()
    county.locator("[data-action='release-control']").wait_for(timeout=15_000)


def take_control(host: Page) -> None:
    host.click("[data-action='take-control']")
    host.locator("[data-action='release-control']").wait_for(timeout=15_000)


def test_a_driver_sends_again_a_view_it_sent_in_an_earlier_turn(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    give_control(host, county)
    county.locator(".viewport").first.click()
    county.keyboard.press("2")  # lung -600 / 1500
    voi_is(host, -600, 1500)
    take_control(host)
    host.locator(".viewport").first.click()
    host.keyboard.press("1")  # soft tissue 40 / 400
    voi_is(county, 40, 400)
    give_control(host, county)
    county.locator(".viewport").first.click()
    county.keyboard.press("2")  # lung again: the room must hear it
    voi_is(host, -600, 1500)
    voi_is(county, -600, 1500)


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
