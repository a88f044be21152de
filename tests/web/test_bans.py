"""Issue 12: a kick bans until a moderator lifts it. The host removes a doctor (the confirmation
says the ban holds until lifted); the doctor's page says so and the same link cannot rejoin (no
reconnect loop: close 4013 is terminal); the host lifts the ban from the ban list; the link
works again. The doctor's page is in Chinese, the host's in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages, wait_ready

pytestmark = pytest.mark.browser

WAIT = 15_000


def status_is(page: Page, expected: str) -> str:
    page.wait_for_function(
        f"document.querySelector('#status-overlay').dataset.status === {expected!r}",
        timeout=WAIT,
    )
    return page.locator("#status-text").inner_text()


def test_a_kick_bans_until_the_host_lifts_it(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang", locale="zh-CN")
    assert host.locator("#ban-list").is_hidden()

    host.locator("li[data-participant='dr-wang'] [data-action='remove']").click()
    assert "lift the ban" in host.locator("#confirm-dialog p").inner_text()
    host.locator("#confirm-dialog [data-action='confirm-yes']").click()
    assert "解除禁入" in status_is(county, "kicked")

    county.reload()  # the same invitation link
    assert "解除禁入" in status_is(county, "banned")
    sockets = county.evaluate("window.__huizhen.ctx.conn.ws?.readyState")
    assert sockets in (None, 2, 3)  # closing or closed: no reconnect loop against the ban

    banned = host.locator("#ban-list li[data-banned='dr-wang']")
    banned.wait_for(timeout=WAIT)
    assert "Dr Wang" in banned.inner_text()
    assert host.locator("#ban-list h3").inner_text() == "Removed (banned)"
    banned.locator("[data-action='lift-ban']").click()
    host.locator("#ban-list").wait_for(state="hidden", timeout=WAIT)

    county.reload()
    wait_ready(county)
    host.locator("li[data-participant='dr-wang']").wait_for(timeout=WAIT)
