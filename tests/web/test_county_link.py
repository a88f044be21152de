"""A county doctor joins through the emulated 2 Mbit/s / 150 ms / 1 % link (bench/county).

Needs root for the two network namespaces and TUN devices (CI runs as root); skipped with the
reason otherwise. The server listens only inside the link's server namespace and Chromium runs
only inside the county namespace, so every byte of the page crosses the emulated link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from livetools import make_settings
from playwright.sync_api import Browser, Playwright

from bench.county.link import CountyLink, county_link, unavailable
from bench.county.serve import Case, LinkServer, read_case, serve_on_link
from web.case import CtCase
from web.conftest import CHROMIUM_FLAGS, chromium_path, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PRESENTER_SLICE = 11


@pytest.fixture
def link() -> Iterator[CountyLink]:
    if (why := unavailable()) is not None:
        pytest.skip(why)
    with county_link(rate_kbit=2000, rtt_ms=150, loss=0.01) as made:
        yield made


@pytest.fixture
def case(ct_case: CtCase) -> Case:
    return read_case(list(ct_case.files), current=PRESENTER_SLICE)


@pytest.fixture
def server(link: CountyLink, web_dist: Path, case: Case, tmp_path: Path) -> Iterator[LinkServer]:
    with serve_on_link(link, make_settings(tmp_path, web_dist=web_dist), case) as served:
        yield served


@pytest.fixture
def county_browser(
    playwright: Playwright, link: CountyLink, server: LinkServer
) -> Iterator[Browser]:
    chromium = chromium_path()
    if chromium is None:
        pytest.skip("Debian chromium is not installed")
    flags = [*CHROMIUM_FLAGS, *server.chromium_flags]
    browser = playwright.chromium.launch(
        executable_path=link.chromium_wrapper(chromium), args=flags, headless=True
    )
    with contextlib.closing(browser):
        yield browser


def test_county_doctor_sees_the_presenters_slice(
    link: CountyLink, server: LinkServer, county_browser: Browser
) -> None:
    page = county_browser.new_page()
    encodings: dict[str, str] = {}
    page.on(
        "response",
        lambda r: (
            encodings.__setitem__(r.url, r.headers.get("content-encoding", "identity"))
            if "/assets/" in r.url and r.url.endswith(".js")
            else None
        ),
    )
    page.goto(server.invite("county-doctor"), timeout=90_000)
    wait_ready(page)
    assert page.evaluate("window.__huizhen.viewport(0).index") == PRESENTER_SLICE
    # The page came through the link, compressed (Chromium offers brotli only over HTTPS).
    assert link.stats()["down"]["bytes"] > 300_000
    libraries = {url: e for url, e in encodings.items() if "/core-" in url or "/vtk-" in url}
    assert len(libraries) == 2, encodings
    assert set(libraries.values()) <= {"gzip", "br"}, libraries
