"""One consultation across two nodes, as a provincial cloud runs it (real Redis, two real
``huizhen serve --redis`` processes, real Chromium): the room and its CT live on node A, the
county doctor's page is served by node B. Everything the page does goes through B: the room
(bridged over Redis), the images (DICOMweb proxied to A) and the call (signalling relayed to
A's SFU, media straight to A)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright

from session.grants import Role
from web.case import CtCase
from web.conftest import launch_chromium, wait_ready
from web.test_call import CALL_FLAGS, frames_advance, hears_sound, join, tile

sys.path.insert(0, str(Path(__file__).parents[1] / "redis"))
sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from nodeproc import NodeProcess, running_nodes
from redisproc import running_redis
from test_redis_failover import token

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.slow]
ROOM = "ward-cloud"
VIEWPORT = "window.__huizhen.viewport(0)"


@pytest.fixture
def nodes(tmp_path: Path, web_dist: Path) -> Iterator[list[NodeProcess]]:
    (tmp_path / "redis").mkdir()
    with (
        running_redis(tmp_path / "redis") as redis,
        running_nodes(redis.url, tmp_path, 2, web_dist) as started,
    ):
        yield started


@pytest.fixture
def node_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright, CALL_FLAGS)
    yield browser
    browser.close()


def open_page(browser: Browser, node: NodeProcess, who: str, role: Role, errors: list[str]) -> Page:
    page = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    page.on("pageerror", lambda exc: errors.append(f"{who}: {exc}"))
    page.goto(f"{node.base_url}/join#token={token(ROOM, who, role)}")
    wait_ready(page)  # connected, and the first image rendered from DICOMweb
    return page


def test_a_consultation_across_two_nodes(
    nodes: list[NodeProcess], node_browser: Browser, ct_case: CtCase
) -> None:
    a, b = nodes
    a.create_room(ROOM, "Ward round")
    a.stow(ct_case.files)  # the case is in the room's node's store
    with b.admin() as admin:  # the organizer's tool talks to B: proxied to A
        admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": ct_case.study}).raise_for_status()
    errors: list[str] = []
    host = open_page(node_browser, a, "dr-li", Role.HOST, errors)
    county = open_page(node_browser, b, "dr-wang", Role.PARTICIPANT, errors)

    host.locator(".viewport").first.click()
    host.keyboard.press("2")  # lung preset: 1500 / -600
    county.wait_for_function(f"{VIEWPORT}.voi && {VIEWPORT}.voi.center === -600", timeout=15_000)
    for _ in range(3):
        host.keyboard.press("ArrowDown")
    county.wait_for_function(f"{VIEWPORT}.index === 3", timeout=15_000)
    sop = county.evaluate(f"{VIEWPORT}.image.sop")
    assert sop == host.evaluate(f"{VIEWPORT}.image.sop") and sop in ct_case.sops

    for page in (host, county):
        join(page)
    frames_advance(county, f"{tile('dr-li')} video")  # A's camera, through A's SFU
    frames_advance(host, f"{tile('dr-wang')} video")  # B's page published to A's SFU
    hears_sound(county)
    assert not errors, errors
