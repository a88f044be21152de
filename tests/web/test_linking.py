"""Issue 16: linked scrolling between viewports of the same frame of reference; the room carries
the linked viewport too, so a follower shows it without linking on its own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

H = "window.__huizhen"
WAIT = 15_000


def indexes_are(page: Page, first: int, second: int) -> None:
    page.wait_for_function(
        f"{H}.viewport(0).index === {first} && {H}.viewport(1).index === {second}", timeout=WAIT
    )


def test_scrolling_one_viewport_scrolls_the_linked_one(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = pages.open("stu-zhao", Role.OBSERVER, name="Zhao")
    host.click("[data-layout='1x2']")
    indexes_are(host, 0, 0)
    indexes_are(trainee, 0, 0)
    host.locator(".viewport").first.click()
    host.keyboard.press("End")
    indexes_are(host, 15, 15)
    indexes_are(trainee, 15, 15)

    host.click("[data-action='link']")  # unlinked: the other viewport stays
    assert host.locator("[data-action='link'][aria-pressed='false']").count() == 1
    host.locator(".viewport").first.click()
    host.keyboard.press("Home")
    indexes_are(host, 0, 15)
    indexes_are(trainee, 0, 15)
