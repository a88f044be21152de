"""Issue 16: the drift detector. Every follower compares what it renders with the room state.

A scripted session with four handovers (request/grant, take back, give, release + take) and view
changes by each driver ends with every page in line and no drift counted anywhere; a follower
whose viewer is changed behind the sync's back shows the badge and counts one drift.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

H = "window.__huizhen"
IN_LINE = f"""([center, width]) => {{
  const room = {H}.ctx.state.viewports[0], shown = {H}.viewport(0);
  const near = (a, b) => Math.abs(a - b) < 1e-3;
  return room.voi && near(room.voi.center, center) && near(room.voi.width, width)
    && shown.voi && near(shown.voi.center, center) && near(shown.voi.width, width)
    && (room.image === null || (shown.image && shown.image.sop === room.image.sop))
    && shown.view && shown.view.presentation.rotation === room.presentation.rotation;
}}"""


def in_line(pages: list[Page], center: float, width: float) -> None:
    for page in pages:
        page.wait_for_function(IN_LINE, arg=[center, width], timeout=20_000)


def press(page: Page, *keys: str) -> None:
    page.locator(".viewport").first.click()
    for key in keys:
        page.keyboard.press(key)


def wait_driving(page: Page) -> None:
    page.locator("[data-action='release-control']").wait_for(timeout=15_000)


def settled_drift(page: Page) -> int:
    """The page's drift count once its detector has checked for longer than it settles."""
    start = page.evaluate("performance.now()")
    page.wait_for_function(
        f"([t]) => {H}.drift().checkedAt > t + {H}.drift().settleMs", arg=[start], timeout=20_000
    )
    report = page.evaluate(f"{H}.drift()")
    assert report["current"] == [], report
    return int(report["mismatches"])


def test_four_handovers_leave_no_drift(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao")
    everyone = [host, county, trainee]
    press(host, "2")
    in_line(everyone, -600, 1500)

    county.click("[data-action='request-control']")  # 1: request, granted
    host.locator("li[data-participant='dr-wang'] .badge.request").wait_for(timeout=15_000)
    host.locator("li[data-participant='dr-wang'] [data-action='give-control']").click()
    wait_driving(county)
    press(county, "3", "ArrowDown", "ArrowDown")
    county.click("[data-action='rotate']")
    in_line(everyone, 480, 2500)

    host.click("[data-action='take-control']")  # 2: the host takes control back
    wait_driving(host)
    press(host, "1", "ArrowDown")
    in_line(everyone, 40, 400)

    host.locator("li[data-participant='dr-wang'] [data-action='give-control']").click()  # 3
    wait_driving(county)
    press(county, "2")  # a window this driver sent in an earlier turn
    in_line(everyone, -600, 1500)

    county.click("[data-action='release-control']")  # 4: released, the host takes it
    host.click("[data-action='take-control']")
    wait_driving(host)
    press(host, "4", "ArrowUp")
    in_line(everyone, 40, 80)

    assert [settled_drift(p) for p in everyone] == [0, 0, 0]
    assert trainee.locator("#drift-badge").is_hidden()


def test_a_view_changed_behind_the_sync_shows_the_badge(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")
    press(host, "2")
    in_line([host, trainee], -600, 1500)
    trainee.evaluate(  # what a sync bug would do: the viewer moves, the room does not
        f"""() => {{ const vp = {H}.ctx.viewer.viewport(0);
        vp.setProperties({{ voiRange: {{ lower: -160, upper: 240 }} }}); vp.render(); }}"""
    )
    trainee.locator("#drift-badge").wait_for(timeout=15_000)
    assert "不一致" in trainee.locator("#drift-badge").inner_text()
    assert trainee.evaluate(f"{H}.drift()")["mismatches"] == 1
    assert host.evaluate(f"{H}.drift()")["mismatches"] == 0
