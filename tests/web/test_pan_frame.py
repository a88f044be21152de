"""Pan is in the image's own axes (docs/protocol.md, Pan): the same pan moves the image right
unrotated, down at rotation 90 and left under a horizontal flip."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import Pages

pytestmark = pytest.mark.browser

# Where the image centre is drawn, in canvas pixels from the canvas centre.
IMAGE_CENTRE_ON_SCREEN = """() => {
  const vp = window.__huizhen.ctx.viewer.viewport(0);
  const data = vp.getImageData();
  const [w, h] = data.dimensions;
  const at = vp.worldToCanvas(data.imageData.indexToWorld([(w - 1) / 2, (h - 1) / 2, 0]));
  return [at[0] - vp.canvas.clientWidth / 2, at[1] - vp.canvas.clientHeight / 2];
}"""


def show(driver: Page, follower: Page, rotation: int, flip_h: bool) -> list[float]:
    presentation = {
        "zoom": 1, "pan": [0.1, 0], "rotation": rotation, "flip_h": flip_h, "flip_v": False,
    }  # fmt: skip
    command = {"type": "set_presentation", "viewport": 0, "presentation": presentation}
    driver.evaluate(f"window.__huizhen.ctx.send({json.dumps(command)})")
    follower.wait_for_function(
        "JSON.stringify(window.__huizhen.viewport(0).view.presentation)"
        f" === {json.dumps(json.dumps(presentation, separators=(',', ':')))}",
        timeout=15_000,
    )
    return list(follower.evaluate(IMAGE_CENTRE_ON_SCREEN))


def test_pan_is_in_image_axes_under_rotation_and_flip(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    dx, dy = show(host, county, 0, False)
    assert dx > 20 and abs(dy) < 5, (dx, dy)  # right
    rx, ry = show(host, county, 90, False)
    assert ry > 20 and abs(rx) < 5, (rx, ry)  # down
    assert abs(ry - dx) < 1
    fx, fy = show(host, county, 0, True)
    assert fx < -20 and abs(fy) < 5, (fx, fy)  # left
