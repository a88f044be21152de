"""The viewer in Chromium under the server's Content-Security-Policy (``server/hardening.py``).

Every ``Pages`` page (and the playback page) already fails its test on any CSP violation
(``watch_csp`` in conftest): the whole browser suite is the proof that the policy blocks
nothing the client needs. This file checks that the policy is really on and that the watch
really sees violations: an injected inline script and ``eval`` are blocked and reported.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

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


def test_injected_script_and_eval_are_blocked_and_seen(pages: Pages) -> None:
    page: Page = pages.open("dr-li", Role.HOST)
    blocked = page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__injected = 1';
            document.body.appendChild(s);
            let evaluated = true;
            try { (0, eval)('1'); } catch (e) { evaluated = false; }
            return window.__injected === undefined && !evaluated;
        }"""
    )
    assert blocked
    # The page's own record; its console lines (what the watch reads) came before it.
    page.wait_for_function("() => window.__cspViolations.length >= 2")
    seen = _take_violations(pages)
    assert any("script-src" in v for v in seen), seen
