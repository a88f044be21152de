"""Access in Chromium: a page opened from an invite buys short access tokens and keeps its room
across their expiry (the fixture makes them live 4 s); a revoked link says so, in English and
in Chinese, live and on reload."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from livetools import LiveServer
from playwright.sync_api import Browser, BrowserContext, Page

from server.tokens import TokenKind
from session.grants import Role
from web.case import CtCase
from web.conftest import ROOM, room_hooks, wait_ready

pytestmark = pytest.mark.browser

ACCESS_TTL_S = 4.0
CONNECTED = "document.querySelector('#status-overlay').dataset.status === 'connected'"


@pytest.fixture
def short_server(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, ct_case: CtCase
) -> LiveServer:
    return live_server_factory(
        web_dist=web_dist, hooks=room_hooks(ct_case), access_token_ttl_s=ACCESS_TTL_S
    )


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_invite(
    browser: Browser,
    opened: list[BrowserContext],
    server: LiveServer,
    who: str,
    locale: str = "en-US",
) -> tuple[Page, str]:
    """A fresh profile opening an invite link (kind invite, as the admin API mints them)."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale=locale)
    opened.append(context)
    page = context.new_page()
    invite = server.mint(ROOM, who, Role.PARTICIPANT, kind=TokenKind.INVITE)
    page.goto(f"{server.base_url}/join#token={invite}")
    wait_ready(page)
    return page, invite


def session_status(server: LiveServer, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(server.base_url + "/api/session", headers=headers, timeout=10).status_code


def status_text(page: Page, expected: str) -> str:
    page.wait_for_function(
        f"document.querySelector('#status-overlay').dataset.status === {expected!r}",
        timeout=15_000,
    )
    return page.locator("#status-text").inner_text()


def test_a_page_keeps_its_room_across_access_token_expiry(
    short_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page, invite = open_invite(browser, contexts, short_server, "dr-wang")
    first = page.evaluate("window.__huizhen.access.token()")
    assert first != invite  # the page bought an access token; the invite opens nothing else
    page.evaluate("window.__firstSocket = window.__huizhen.ctx.conn.ws")
    # The token read above expires (polled: the server's verdict, no fixed wait) ...
    deadline = time.monotonic() + 30
    while session_status(short_server, first) != 401:
        assert time.monotonic() < deadline, "the first access token never expired"
        page.wait_for_timeout(250)
    assert page.evaluate("window.__huizhen.access.token()") != first
    # ... and the page is still in its room on the same socket, its HTTP on the newest token.
    assert page.evaluate(f"{CONNECTED} && window.__firstSocket === window.__huizhen.ctx.conn.ws")
    studies = page.evaluate(
        "fetch('/dicom-web/studies', {headers: window.__huizhen.ctx.web.headers()})"
        ".then((r) => r.status)"
    )
    assert studies == 200
    # A drop now reconnects with the newest token (the first one would be refused).
    page.evaluate("window.__huizhen.ctx.conn.ws.close()")
    page.wait_for_function(
        f"{CONNECTED} && window.__firstSocket !== window.__huizhen.ctx.conn.ws", timeout=15_000
    )
    assert page.evaluate("window.__huizhen.access.token()") != first


def test_a_revoked_link_says_access_revoked_in_english_and_chinese(
    short_server: LiveServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    english, _ = open_invite(browser, contexts, short_server, "dr-li")
    chinese, invite = open_invite(browser, contexts, short_server, "dr-zhang", locale="zh-CN")
    with short_server.admin() as admin:
        admin.post("/api/revocations", json={"identity": "dr-li"}).raise_for_status()
        admin.post("/api/revocations", json={"identity": "dr-zhang", "room": ROOM})
    assert "revoked" in status_text(english, "token_revoked")
    assert "撤销" in status_text(chinese, "token_revoked")
    # Opening the revoked link again: the refresh is refused, the page says why.
    chinese.goto(f"{short_server.base_url}/join#token={invite}")
    assert "撤销" in status_text(chinese, "token_revoked")
