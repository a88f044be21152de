"""Issue 16: the video stage and the phone landscape layout.

A screen share (a county doctor's ultrasound screen) arrives large on the stage beside the
image viewer, which stays usable; any tile can be pinned there; "speaking" follows what the SFU
hears. A phone in landscape gets one tool row and the image most of the height.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages
from web.test_call import (  # noqa: F401 - fixtures used by name
    WAIT_MS,
    call_browser,
    call_pages,
    call_server,
    frames_advance,
    join,
    tile,
)

pytestmark = pytest.mark.browser


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return dict(found)


def test_a_screen_share_takes_the_stage_and_tiles_can_be_pinned(call_pages: Pages) -> None:  # noqa: F811
    host = call_pages.open("dr-li", Role.HOST, name="Dr Li")
    county = call_pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    for page in (host, county):
        join(page)
    county.click("[data-action='toggle-mic']")  # both fake mics beep alike: Dr Li speaks alone
    county.locator("li[data-participant='dr-li'] .badge.speak").wait_for(timeout=WAIT_MS)
    host.click("[data-action='toggle-screen']")
    county.locator("#stage[data-key='dr-li:screen']").wait_for(timeout=WAIT_MS)
    frames_advance(county, "#stage video")
    stage, viewer = box(county, "#stage"), box(county, ".viewport")
    assert stage["width"] > 300 and viewer["width"] > 300  # both large, side by side

    county.click("#stage [data-action='unpin']")
    county.locator("#stage").wait_for(state="hidden", timeout=WAIT_MS)
    county.click(f"{tile('dr-li')} video")  # pin the camera instead
    county.locator("#stage[data-key='dr-li:camera']").wait_for(timeout=WAIT_MS)
    frames_advance(county, "#stage video")
    county.click(f"{tile('dr-li')} video")  # a second click unpins
    county.locator("#stage").wait_for(state="hidden", timeout=WAIT_MS)


def test_phone_landscape_gives_the_image_the_height(pages: Pages) -> None:
    pages.open("dr-li", Role.HOST, name="Dr Li")
    phone = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang", size=(844, 390))
    toolbar, viewer, tabs = box(phone, "#toolbar"), box(phone, ".viewport"), box(phone, "#tabs")
    assert toolbar["height"] <= 50, toolbar  # one scrolling row, not five
    assert viewer["height"] >= 0.6 * 390, viewer
    assert tabs["x"] < 10 and tabs["width"] < 120, tabs  # tabs down the left edge


def test_phone_portrait_shows_a_camera_over_the_image(call_pages: Pages) -> None:  # noqa: F811
    host = call_pages.open("dr-li", Role.HOST, name="Dr Li")
    phone = call_pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang", size=(390, 844))
    join(host)
    phone.click("[data-tab-target='people']")
    join(phone)
    phone.click("[data-tab-target='viewer']")
    phone.locator("#stage[data-mode='pip'][data-key='dr-li:camera']").wait_for(timeout=WAIT_MS)
    frames_advance(phone, "#stage video")
    pip, viewer = box(phone, "#stage"), box(phone, ".viewport")
    assert pip["width"] < viewer["width"] / 2  # small, over the image
    assert viewer["y"] <= pip["y"] and pip["y"] + pip["height"] <= viewer["y"] + viewer["height"]
