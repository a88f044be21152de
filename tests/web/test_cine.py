"""Cine is room state ("playing at fps"): a follower plays it itself, the driver sends no
set_image per frame, and when the driver stops the follower ends on the driver's image."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

SHOWN = "window.__huizhen.viewport(0)"
ROOM = "window.__huizhen.ctx.state.viewports[0]"


def room(page: Page) -> Any:
    return page.evaluate(ROOM)


def shown(page: Page) -> Any:
    return page.evaluate(SHOWN)


def count_sent(page: Page) -> None:
    """Record the types of the commands this page sends."""
    page.evaluate(
        "() => { const c = window.__huizhen.ctx; window.__sent = []; const send = c.send;"
        " c.send = (m) => { window.__sent.push(m.type); return send(m); }; }"
    )


def test_follower_plays_cine_and_stops_on_the_drivers_image(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    start = shown(host)["image"]["sop"]
    count_sent(host)
    host.click("[data-action='cine']")
    county.wait_for_function(f"{ROOM}.cine.playing === true", timeout=15_000)
    # The follower's own stack moves while the room's image stays where the cine started.
    county.wait_for_function(f"{SHOWN}.index >= 3", timeout=15_000)
    host.wait_for_function(f"{SHOWN}.index >= 3", timeout=15_000)
    assert room(county)["image"]["sop"] == start
    assert room(host)["image"]["sop"] == start
    sent = host.evaluate("window.__sent")
    assert sent.count("set_cine") == 1 and "set_image" not in sent, sent

    host.click("[data-action='cine']")
    county.wait_for_function(f"{ROOM}.cine.playing === false", timeout=15_000)
    final = shown(host)
    county.wait_for_function(
        f"{SHOWN}.image && {SHOWN}.image.sop === {final['image']['sop']!r}", timeout=15_000
    )
    host.wait_for_timeout(600)  # several frames at 10 fps: neither page moves on by itself
    assert shown(host)["index"] == final["index"]
    assert shown(county)["index"] == final["index"]
    assert room(county)["image"]["sop"] == final["image"]["sop"]
    assert host.evaluate("window.__sent").count("set_cine") == 2


def test_late_joiner_plays_a_running_cine(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    host.click("[data-action='cine']")
    host.wait_for_function(f"{ROOM}.cine.playing === true", timeout=15_000)
    late = pages.open("dr-wang", Role.PARTICIPANT)
    first = shown(late)["index"]
    late.wait_for_function(f"{SHOWN}.index !== {first}", timeout=15_000)
    assert room(late)["cine"] == {"playing": True, "fps": 10}
