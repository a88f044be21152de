"""Share study (issue 12, study ownership): a host shares the study on screen with another
room from the toolbar; while his room does not own it, the server's refusal
(``study_owned_elsewhere``) is shown translated, in English and in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from server.cases.store import Access
from session.grants import Role
from web.case import CtCase
from web.conftest import ROOM, Pages

pytestmark = pytest.mark.browser

REFUSED_EN = "This study does not belong to this room"
REFUSED_ZH = "该检查不属于本会诊室"


def share_with(page: Page, room: str) -> str:
    """Click Share study, name ``room`` in the prompt; the toast it ends with."""
    page.evaluate("document.querySelector('#toast').textContent = ''")
    page.click("[data-action='share-study']")
    page.fill("#text-prompt-input", room)
    page.press("#text-prompt-input", "Enter")
    page.wait_for_function("document.querySelector('#toast').textContent !== ''", timeout=30_000)
    text: str = page.evaluate("document.querySelector('#toast').textContent")
    return text


def test_a_refusal_is_translated_and_an_owner_shares(pages: Pages, ct_case: CtCase) -> None:
    store = pages.server.state.studies  # the case was attached by the server, owned by nobody
    host = pages.open("dr-li", Role.HOST)
    assert share_with(host, "cardiology").startswith(REFUSED_EN)
    zh = pages.open("dr-wang", Role.HOST, locale="zh-CN")
    assert share_with(zh, "cardiology").startswith(REFUSED_ZH)
    assert "cardiology" not in store.rooms_of(ct_case.study)

    store.grant(ct_case.study, ROOM, Access.OWNER)  # as `huizhen studies own` would
    assert share_with(host, "cardiology") == "Study shared with room cardiology"
    assert store.rooms_of(ct_case.study)["cardiology"] is Access.SHARED

    viewer = pages.open("student", Role.OBSERVER)
    assert viewer.locator("[data-action='share-study']").count() == 0
