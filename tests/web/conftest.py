"""Browser fixtures: the built client, Debian Chromium via Playwright, a live server with a room
that holds a small CT, and pages that join it from invite links.

Chromium is the system one (``executable_path``), never ``playwright install``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from livetools import CHROMIUM_FLAGS, LiveServer, chromium_path
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from server import dicomweb
from server.appstate import AppState
from session.commands import AttachStudy
from session.grants import Role
from session.ids import RoomId, Uid
from web.build import ensure_build
from web.case import CtCase, make_case

ROOM = "ward"


@pytest.fixture(scope="session")
def web_dist() -> Path:
    return ensure_build()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """One Playwright for the web tests (every one is synchronous). A second
    ``sync_playwright()`` inside it refuses to start, and while it runs asyncio tests cannot:
    it holds the thread's event loop. Package scope: it ends with the last web test, whatever
    runs after."""
    with sync_playwright() as pw:
        yield pw


def launch_chromium(pw: Playwright, flags: list[str]) -> Browser:
    """The Debian package's Chromium (never ``playwright install``); skips when absent."""
    path = chromium_path()
    if path is None:
        pytest.skip("Debian chromium is not installed")
    return pw.chromium.launch(executable_path=path, args=flags, headless=True)


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = launch_chromium(playwright, CHROMIUM_FLAGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def ct_case(tmp_path_factory: pytest.TempPathFactory) -> CtCase:
    return make_case(tmp_path_factory.mktemp("web-ct"))


def _attach_hook(case: CtCase) -> Callable[[AppState], Any]:
    """Import the case into the server's study store and attach it to room ``ward``."""

    @contextlib.asynccontextmanager
    async def hook(state: AppState) -> AsyncIterator[None]:
        store = state.studies
        report = await asyncio.to_thread(store.import_paths, list(case.files))
        assert not report.errors, report.errors
        host = await state.rooms.create(RoomId(ROOM), "Ward round")
        await host.system(AttachStudy(uid=Uid(case.study), description="Web test CT"))
        yield

    return hook


def room_hooks(case: CtCase) -> list[Callable[[AppState], Any]]:
    """The server's DICOMweb (with its study store), then the test room."""
    return [dicomweb.dicomweb_lifespan, _attach_hook(case)]


@pytest.fixture
def room_server(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, ct_case: CtCase
) -> LiveServer:
    """A live server with room ``ward`` holding the test CT, served over its DICOMweb."""
    return live_server_factory(web_dist=web_dist, hooks=room_hooks(ct_case))


CSP_WATCH = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
  window.__cspViolations.push(e.violatedDirective);
});"""


def watch_csp(page: Page, errors: list[str], who: str = "page") -> None:
    """Record every Content-Security-Policy violation of ``page`` (and of its workers, which
    Chromium reports on the page's console) in ``errors``. Call before ``goto``."""
    page.add_init_script(CSP_WATCH)

    def seen(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            errors.append(f"{who}: {text}")

    page.on("console", seen)


_FUNCTION_HEAD = re.compile(r"^\s*(async\s+)?(function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


def as_function(expression: str) -> str:
    """A ``wait_for_function`` expression as an arrow function (functions are left alone)."""
    if _FUNCTION_HEAD.match(expression):
        return expression
    return f"() => ({expression.strip()})"


@pytest.fixture(autouse=True)
def _waits_without_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright runs a ``wait_for_function`` *expression* through the page's ``eval``, which
    the server's Content-Security-Policy forbids (no ``'unsafe-eval'``: only the test harness
    wants it); a function is sent as a function. So every expression travels as one."""
    original = Page.wait_for_function

    def wait_for_function(self: Page, expression: str, *args: Any, **kwargs: Any) -> Any:
        return original(self, as_function(expression), *args, **kwargs)

    monkeypatch.setattr(Page, "wait_for_function", wait_for_function)


@dataclass
class Pages:
    """Opens pages that join ``ward`` from invite links; closes them after the test."""

    server: LiveServer
    browser: Browser
    opened: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions in any page
    frames: dict[str, list[str]] = field(default_factory=dict)  # frame URLs, request order

    def open(
        self,
        identity: str,
        role: Role,
        *,
        name: str | None = None,
        size: tuple[int, int] = (1200, 800),
        locale: str = "en-US",
        wait: bool = True,
    ) -> Page:
        context = self.browser.new_context(
            viewport={"width": size[0], "height": size[1]}, locale=locale, has_touch=size[0] < 800
        )
        self.opened.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: d.accept("note"))
        page.on("pageerror", lambda exc: self.errors.append(f"{identity}: {exc}"))
        watch_csp(page, self.errors, identity)  # the server's policy must not block anything
        requested = self.frames.setdefault(identity, [])
        page.on("request", lambda r: requested.append(r.url) if "/frames/" in r.url else None)
        token = self.server.mint(ROOM, identity, role, name=name or identity)
        page.goto(f"{self.server.base_url}/join#token={token}")
        if wait:
            wait_ready(page)
        return page

    def close(self) -> None:
        for context in self.opened:
            context.close()


def wait_ready(page: Page) -> None:
    """Connected, the room's view applied once and the first viewport shows an image."""
    page.wait_for_function(
        "() => document.querySelector('#status-overlay')?.dataset.status === 'connected'"
        " && window.__huizhen && window.__huizhen.applied() > 0"
        " && window.__huizhen.viewport(0).voi !== null",
        timeout=60_000,
    )


@pytest.fixture
def pages(room_server: LiveServer, browser: Browser) -> Iterator[Pages]:
    p = Pages(room_server, browser)
    yield p
    p.close()
    assert not p.errors, p.errors
