"""Issue 12, audit trail: the host opens the access log and sees who viewed which series of
the consultation (read by real Chromium pages over DICOMweb, aggregated by the server's audit),
in English and in Chinese; a participant without ``moderate`` has no such button."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from livetools import LiveServer
from playwright.sync_api import Browser

from server.audit.lifespan import audit_lifespan
from session.grants import Role
from web.case import CtCase
from web.conftest import Pages, room_hooks

pytestmark = pytest.mark.browser
WAIT = 15_000


@pytest.fixture
def audited(
    live_server_factory: Callable[..., LiveServer],
    web_dist: Path,
    ct_case: CtCase,
    browser: Browser,
) -> Iterator[Pages]:
    server = live_server_factory(web_dist=web_dist, hooks=[audit_lifespan, *room_hooks(ct_case)])
    pages = Pages(server, browser)
    yield pages
    pages.close()
    assert not pages.errors, pages.errors


def test_the_host_sees_who_viewed_which_series(audited: Pages, ct_case: CtCase) -> None:
    host = audited.open("dr-li", Role.HOST, name="Dr Li")
    county = audited.open("dr-wang", Role.PARTICIPANT, name="Dr Wang", locale="zh-CN")
    assert county.locator("#audit-btn").is_hidden()  # no moderate grant: no access log

    button = host.locator("#audit-btn")
    assert button.inner_text() == "Access log"
    button.click()
    dialog = host.locator("#audit-dialog")
    row = dialog.locator(f"tr[data-actor='dr-wang'][data-series='{ct_case.series}']")
    row.wait_for(timeout=WAIT)
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "Dr Wang (participant)" and "Web test CT" in cells[1]
    assert int(cells[2]) >= 1
    assert dialog.locator("tr[data-actor='dr-li']").count() == 1  # the host's own reads too
    assert "Who viewed which images" in dialog.locator("h2").inner_text()
    host.click("[data-action='audit-close']")
    dialog.wait_for(state="detached", timeout=WAIT)

    host.click("#lang-btn")  # 中文
    assert button.inner_text() == "访问记录"
    button.click()
    assert host.locator("#audit-dialog h2").inner_text() == "本次会诊中谁查看了哪些影像"
    assert host.locator("#audit-dialog th").first.inner_text() == "人员"
    host.keyboard.press("Escape")
    host.locator("#audit-dialog").wait_for(state="detached", timeout=WAIT)
