"""Issue 16: identity colours come from the room (distinct for up to 24 members, colour-blind
safe) and are used everywhere: participant swatch, chat name, pointer (with its name label),
annotations (one's own included, not Cornerstone's default green) and video tiles.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages
from web.test_annotations import drag

pytestmark = pytest.mark.browser

# web_client/src/colours.ts PALETTE[0..2], as rgb() the way computed styles read
FIRST = ["rgb(230, 159, 0)", "rgb(86, 180, 233)", "rgb(0, 158, 115)"]
HEX = ["#E69F00", "#56B4E9", "#009E73"]
DESCRIBE = "window.__huizhen.notes.describe()"


def swatch(page: Page, who: str) -> str:
    return str(
        page.locator(f"li[data-participant='{who}'] .swatch").evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
    )


def test_each_member_has_the_room_colour_everywhere(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao")
    trainee.locator("li[data-participant='stu-zhao']").wait_for(timeout=15_000)
    for page in (host, county, trainee):
        page.locator("li[data-participant='stu-zhao']").wait_for(timeout=15_000)
        assert [swatch(page, w) for w in ("dr-li", "dr-wang", "stu-zhao")] == FIRST

    trainee.fill("#chat-input", "hello")
    trainee.press("#chat-input", "Enter")
    name = host.locator("#chat-log li b", has_text="Zhao")
    name.wait_for(timeout=15_000)
    assert name.evaluate("el => getComputedStyle(el).color") == FIRST[2]

    host.click("[data-action='pointer']")
    box = host.locator(".viewport").first.bounding_box()
    assert box is not None
    host.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    host.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4, steps=5)
    dot = county.locator(".pointer-dot[data-participant='dr-li']")
    dot.wait_for(timeout=15_000)
    assert dot.inner_text() == "Dr Li"
    assert dot.evaluate("el => getComputedStyle(el).backgroundColor") == FIRST[0]

    county.click("[data-tool='length']")
    drag(county, (0.3, 0.4), (0.7, 0.6))
    for page in (county, host):
        page.wait_for_function(f"{DESCRIBE}.some(a => a.tool === 'Length' && a.wire)")
        (note,) = [a for a in page.evaluate(DESCRIBE) if a["tool"] == "Length"]
        assert note["colour"] == HEX[1], page  # Dr Wang's, on his own page too
