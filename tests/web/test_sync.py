"""Two pages in one room: the follower's viewer follows the driver's W/L, slice, zoom/pan and
layout; an observer cannot drive."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

VIEWPORT = "window.__huizhen.viewport(0)"


def state(page: Page, i: int = 0) -> Any:
    return page.evaluate(f"window.__huizhen.viewport({i})")


def wait_same(follower: Page, driver: Page, expr: str, i: int = 0) -> None:
    """Wait until the follower's viewport `expr` equals the driver's."""
    want = driver.evaluate(f"JSON.stringify(window.__huizhen.viewport({i}){expr})")
    follower.wait_for_function(
        f"JSON.stringify(window.__huizhen.viewport({i}){expr}) === {want!r}", timeout=15_000
    )


def test_follower_follows_window_level_and_slice(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    host.locator(".viewport").first.click()
    host.keyboard.press("2")  # lung preset: 1500 / -600
    county.wait_for_function(f"{VIEWPORT}.voi && {VIEWPORT}.voi.center === -600", timeout=15_000)
    assert state(county)["voi"]["width"] == 1500
    for _ in range(3):
        host.keyboard.press("ArrowDown")
    host.wait_for_function(f"{VIEWPORT}.index === 3")
    wait_same(county, host, ".image")
    assert state(county)["index"] == 3
    assert state(county)["image"]["sop"] == state(host)["image"]["sop"]


def test_follower_follows_zoom_pan_and_layout(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT, size=(900, 700))
    box = host.locator(".viewport").first.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    host.mouse.move(cx, cy)
    host.mouse.down(button="right")  # right drag: zoom
    host.mouse.move(cx, cy + 120, steps=8)
    host.mouse.up(button="right")
    host.mouse.down(button="middle")  # middle drag: pan
    host.mouse.move(cx + 60, cy + 30, steps=8)
    host.mouse.up(button="middle")
    host.wait_for_timeout(300)
    pres = state(host)["view"]["presentation"]
    assert abs(pres["zoom"] - 1) > 0.05 and pres["pan"] != [0, 0]
    county.wait_for_function(
        f"Math.abs({VIEWPORT}.view.presentation.zoom - {pres['zoom']}) < 1e-3"
        f" && Math.abs({VIEWPORT}.view.presentation.pan[0] - {pres['pan'][0]}) < 1e-3"
        f" && Math.abs({VIEWPORT}.view.presentation.pan[1] - {pres['pan'][1]}) < 1e-3",
        timeout=15_000,
    )
    host.click("[data-layout='1x2']")
    county.wait_for_function(
        "document.querySelector('#viewer-grid').dataset.layout === '1x2'"
        " && document.querySelectorAll('.viewport').length === 2",
        timeout=15_000,
    )


def test_driver_sends_at_most_30_view_commands_per_second(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    host.evaluate(
        """() => {
        const ctx = window.__huizhen.ctx; const send = ctx.send; window.__sent = [];
        ctx.send = (c) => { window.__sent.push([performance.now(), c.type]); return send(c); };
    }"""
    )
    box = host.locator(".viewport").first.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    host.mouse.move(x, y)
    host.mouse.down()  # window/level drag: ~80 VOI changes
    for k in range(80):
        host.mouse.move(x + k * 2, y + k, steps=1)
        host.wait_for_timeout(5)
    host.mouse.up()
    host.wait_for_timeout(200)
    sent: list[list[Any]] = host.evaluate("window.__sent")
    times = [t for t, kind in sent if kind == "set_voi"]
    assert 2 <= len(times) < 80
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 30, gaps  # leading-edge throttle: one per 33 ms at most (timer slack)
    final = host.evaluate(f"{VIEWPORT}.voi")
    county.wait_for_function(
        f"{VIEWPORT}.voi && {VIEWPORT}.voi.center === {final['center']}"
        f" && {VIEWPORT}.voi.width === {final['width']}",
        timeout=15_000,
    )
