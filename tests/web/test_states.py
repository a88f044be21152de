"""States users must understand: expired token, kicked, room closed, room full, no invitation,
reconnect."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import ROOM, Pages

pytestmark = pytest.mark.browser


def status(page: Page, expected: str) -> str:
    page.wait_for_function(
        f"document.querySelector('#status-overlay').dataset.status === {expected!r}",
        timeout=15_000,
    )
    assert page.locator("#status-overlay").is_visible() == (expected != "connected")
    return page.locator("#status-text").inner_text()


def test_expired_invitation_says_so(pages: Pages) -> None:
    context = pages.browser.new_context()
    pages.opened.append(context)
    page = context.new_page()
    token = pages.server.mint(ROOM, "late", Role.PARTICIPANT, ttl_s=60, now=time.time() - 3600)
    page.goto(f"{pages.server.base_url}/join#token={token}")
    assert "expired" in status(page, "token_expired")


def test_missing_invitation_is_not_a_blank_page(pages: Pages) -> None:
    context = pages.browser.new_context()
    pages.opened.append(context)
    page = context.new_page()
    page.goto(f"{pages.server.base_url}/join")
    assert "invitation" in status(page, "no_token")


def test_kicked_and_room_closed(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    trainee = pages.open("student", Role.OBSERVER)
    assert host.evaluate(
        "window.__huizhen.ctx.send({type: 'kick', participant: 'student', reason: ''})"
    )["ok"]
    assert "removed" in status(trainee, "kicked")
    assert host.evaluate("window.__huizhen.ctx.send({type: 'close_room', reason: ''})")["ok"]
    assert "closed" in status(county, "room_closed")


def test_a_full_room_says_so_and_does_not_retry(
    pages: Pages, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("session.presence.MAX_PARTICIPANTS", 2)  # the live server is in-process
    pages.open("dr-li", Role.HOST)
    pages.open("dr-wang", Role.PARTICIPANT)
    context = pages.browser.new_context()
    pages.opened.append(context)
    page = context.new_page()
    page.goto(f"{pages.server.base_url}/join#token={pages.server.mint(ROOM, 'student')}")
    assert "full" in status(page, "room_full")
    page.wait_for_timeout(1500)  # past the first reconnect back-off: still the same verdict
    assert page.evaluate("document.querySelector('#status-overlay').dataset.status") == "room_full"


def test_reconnects_and_resumes(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    county.context.set_offline(True)
    county.evaluate("window.__huizhen.ctx.conn.ws.close()")
    status(county, "reconnecting")
    host.locator(".viewport").first.click()
    host.keyboard.press("3")
    county.context.set_offline(False)
    status(county, "connected")
    county.wait_for_function(
        "window.__huizhen.viewport(0).voi && window.__huizhen.viewport(0).voi.center === 480",
        timeout=15_000,
    )
