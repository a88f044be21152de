"""Issue 16: key images (room state, shown in a strip, so the report can cite them) and the
annotation list (by author; a click jumps to the annotation's image)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages
from web.test_annotations import drag

pytestmark = pytest.mark.browser

H = "window.__huizhen"
WAIT = 15_000


def keys(page: Page) -> list[str]:
    return list(page.evaluate(f"{H}.ctx.state.key_images.map(k => k.sop)"))


def shown_sop(page: Page) -> str:
    return str(page.evaluate(f"{H}.viewport(0).image.sop"))


def strip_count(page: Page, n: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#key-strip [data-key-image]').length === {n}", timeout=WAIT
    )


def test_key_images_are_marked_shown_and_unmarked(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao", locale="zh-CN")
    assert trainee.locator("[data-action='key-image']").is_disabled()
    host.locator(".viewport").first.click()
    first = shown_sop(host)
    host.keyboard.press("k")
    host.keyboard.press("ArrowDown")
    host.keyboard.press("ArrowDown")
    host.wait_for_function(f"{H}.viewport(0).image.sop !== {first!r}")
    second = shown_sop(host)
    host.click("[data-action='key-image']")
    strip_count(trainee, 2)
    assert keys(trainee) == [first, second]
    assert "关键图像" in trainee.locator("#key-strip").inner_text()
    assert "CT #1 · 3/16" in trainee.locator(f"[data-key-image='{second}']").inner_text()
    trainee.locator(".viewport.key-image").wait_for(timeout=WAIT)  # the room shows a key image

    trainee.locator(f"[data-key-image='{first}']").click()  # jumps there, exploring
    trainee.wait_for_function(f"{H}.viewport(0).image.sop === {first!r}", timeout=WAIT)
    assert trainee.locator("#explore-bar").is_visible()

    host.keyboard.press("k")  # unmark the image the host shows
    strip_count(trainee, 1)
    assert keys(host) == [first]


def test_annotation_list_by_author_jumps_to_the_image(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao")
    host.click("[data-tool='length']")
    drag(host, (0.3, 0.4), (0.7, 0.6))
    host.click("[data-tool='wl']")  # a click with the Length tool would start another
    host.locator(".viewport").first.click()
    host.keyboard.press("End")
    host.wait_for_function(f"{H}.viewport(0).index === 15")
    county.click("[data-tool='length']")
    county.wait_for_function(f"{H}.viewport(0).index === 15", timeout=WAIT)
    drag(county, (0.2, 0.2), (0.5, 0.3))
    trainee.wait_for_function(
        "document.querySelectorAll('#annotation-list [data-annotation]').length === 2",
        timeout=WAIT,
    )
    authors = trainee.locator("#annotation-list .note-author").all_inner_texts()
    assert authors == ["Dr Li", "Dr Wang"]
    trainee.locator("#annotation-list [data-annotation]").first.click()  # Dr Li's, on slice 1
    trainee.wait_for_function(f"{H}.viewport(0).index === 0", timeout=WAIT)
