"""An arrow's label is typed into an inline, translated field (no window.prompt); the label
reaches the other pages with the arrow; Escape cancels."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages
from web.test_annotations import drag

pytestmark = pytest.mark.browser

ARROWS = "window.__huizhen.notes.describe().filter(a => a.tool === 'ArrowAnnotate')"


def arrows(page: Page) -> list[Any]:
    return list(page.evaluate(ARROWS))


def no_dialogs(page: Page) -> list[str]:
    """A browser dialog would be a regression to window.prompt(): record any."""
    seen: list[str] = []
    page.on("dialog", lambda d: seen.append(d.type))
    return seen


def test_arrow_label_is_typed_inline_and_shown_elsewhere(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li", locale="zh-CN")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    dialogs = no_dialogs(host)
    host.click("[data-tool='arrow']")
    drag(host, (0.4, 0.4), (0.6, 0.55))
    field = host.locator("#text-prompt-input")
    field.wait_for(state="visible", timeout=15_000)
    assert host.evaluate("document.activeElement.id") == "text-prompt-input"
    assert host.locator("#text-prompt label").text_content() == "箭头标注\uff1a"
    field.type("肿块 2 cm")  # "2" is the lung-preset key outside the field
    field.press("Enter")
    host.locator("#text-prompt").wait_for(state="detached")
    county.wait_for_function(
        f"{ARROWS}.some(a => a.wire && a.wire.text === '肿块 2 cm')", timeout=15_000
    )
    mine = arrows(host)[0]["wire"]
    theirs = arrows(county)[0]["wire"]
    assert theirs["points"] == mine["points"] and theirs["id"] == mine["id"]
    assert host.evaluate("window.__huizhen.viewport(0).voi.center") != -600
    assert dialogs == []


def test_escape_cancels_the_label_field(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    host.click("[data-tool='arrow']")
    drag(host, (0.3, 0.3), (0.5, 0.5))
    field = host.locator("#text-prompt-input")
    field.wait_for(state="visible", timeout=15_000)
    assert host.locator("#text-prompt label").text_content() == "Arrow label:"
    field.type("x")
    field.press("Escape")
    host.locator("#text-prompt").wait_for(state="detached")
    host.wait_for_timeout(300)
    assert all((a["wire"] or {}).get("text") != "x" for a in arrows(host))
