"""The viewer in Chromium under the server's Content-Security-Policy (``server/hardening.py``).

Every ``Pages`` page (and the playback page) already fails its test on any CSP violation
(``watch_csp`` in conftest): the whole browser suite is the proof that the policy blocks
nothing the client needs. This file checks that the policy is really on and that the watch
really sees violations: an injected inline script is blocked and reported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from livetools import LiveServer
from playwright.sync_api import Browser, Page
from tlstools import self_signed

from session.grants import Role
from web.case import CtCase
from web.conftest import ROOM, Pages, room_hooks, wait_ready, watch_csp

pytestmark = pytest.mark.browser


def _take_violations(pages: Pages) -> list[str]:
    """The violations seen so far, removed from the errors the fixture asserts empty."""
    seen = [e for e in pages.errors if "CSP violation" in e or "Content Security Policy" in e]
    pages.errors[:] = [e for e in pages.errors if e not in seen]
    return seen


def test_the_policy_is_served_with_the_viewer(pages: Pages) -> None:
    answer = httpx.get(f"{pages.server.base_url}/join", timeout=10)
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    assert "frame-ancestors 'none'" in policy
    page = pages.open("dr-li", Role.HOST)  # waits until the first image is shown
    assert page.evaluate("() => window.__huizhen.viewport(0).voi !== null")
    assert not _take_violations(pages)


def test_an_injected_script_is_blocked_and_seen(pages: Pages) -> None:
    page: Page = pages.open("dr-li", Role.HOST)
    ran = page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__injected = 1';
            document.body.appendChild(s);
            return window.__injected !== undefined;
        }"""
    )
    assert not ran
    # The page's own record; its console lines (what the watch reads) came before it.
    page.wait_for_function("() => window.__cspViolations.length >= 1")
    seen = _take_violations(pages)
    assert any("script-src" in v for v in seen), seen


def test_the_viewer_over_https_and_wss(
    live_server_factory: Callable[..., LiveServer],
    web_dist: Path,
    ct_case: CtCase,
    browser: Browser,
    tmp_path: Path,
) -> None:
    """Served with a certificate (as ``huizhen serve --certfile``): the page, its images and
    the room's WebSocket all go over TLS under the policy (connect-src wss://host), with HSTS."""
    certfile, keyfile = self_signed(tmp_path)
    server = live_server_factory(
        web_dist=web_dist, hooks=room_hooks(ct_case), certfile=certfile, keyfile=keyfile
    )
    base = f"https://127.0.0.1:{server.port}"
    context = browser.new_context(ignore_https_errors=True, locale="en-US")  # self-signed
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        watch_csp(page, errors)
        token = server.mint(ROOM, "dr-li", Role.HOST)
        response = page.goto(f"{base}/join#token={token}")
        assert response is not None
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert f"wss://127.0.0.1:{server.port}" in response.headers["content-security-policy"]
        wait_ready(page)
        assert page.evaluate("() => location.protocol") == "https:"
        assert not errors, errors
    finally:
        context.close()
