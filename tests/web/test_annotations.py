"""Annotations drawn on one page appear on the others with the same measurements."""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.case import SPACING, CtCase, hu_of
from web.conftest import Pages

pytestmark = pytest.mark.browser

DESCRIBE = "window.__huizhen.notes.describe()"


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag inside the first viewport; coordinates are fractions of its box."""
    box = page.locator(".viewport").first.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=10)
    page.mouse.up()


def notes_with_stats(page: Page, tool: str) -> list[Any]:
    page.wait_for_function(
        f"{DESCRIBE}.some(a => a.tool === {tool!r} && a.wire"
        " && Object.values(a.stats || {}).some(s => s && Object.keys(s).length > 0))",
        timeout=15_000,
    )
    return [a for a in page.evaluate(DESCRIBE) if a["tool"] == tool]


def only_stats(note: Any) -> dict[str, Any]:
    values = [s for s in note["stats"].values() if s]
    assert len(values) == 1
    return dict(values[0])


def test_length_appears_on_other_pages_with_same_mm(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, size=(800, 640))
    trainee = pages.open("student", Role.OBSERVER, size=(600, 900))
    host.click("[data-tool='length']")
    drag(host, (0.3, 0.4), (0.7, 0.6))
    mine = notes_with_stats(host, "Length")[0]
    (x0, y0), (x1, y1) = mine["wire"]["points"]
    expected_mm = math.hypot(x1 - x0, y1 - y0) * SPACING
    for page in (host, county, trainee):
        note = notes_with_stats(page, "Length")[0]
        assert note["id"] == mine["id"]
        assert note["wire"]["points"] == mine["wire"]["points"]
        for _ in range(50):  # the first stats may predate the last drag step's render
            length = only_stats(notes_with_stats(page, "Length")[0])["length"]
            if abs(length - expected_mm) < 1e-3:
                break
            page.wait_for_timeout(200)
        assert abs(length - expected_mm) < 1e-3, (length, expected_mm)


def test_rectangle_roi_statistics_match_everywhere(pages: Pages, ct_case: CtCase) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT, size=(700, 700))
    host.click("[data-tool='rectangle']")
    drag(host, (0.35, 0.35), (0.6, 0.55))
    keys = ("mean", "stdDev", "min", "max")
    for _ in range(50):  # statistics settle once each page has rendered the final geometry
        ours = only_stats(notes_with_stats(host, "RectangleROI")[0])
        theirs = only_stats(notes_with_stats(county, "RectangleROI")[0])
        if all(theirs[k] == ours[k] for k in keys):
            break
        host.wait_for_timeout(200)
    for key in keys:
        assert theirs[key] == ours[key], key
    # The author's first stats come from unrounded handles; the wire keeps 1e-4 pixel.
    assert abs(theirs["area"] - ours["area"]) < 1e-3 * ours["area"]
    # Bounds check against the lossless HU pixels of the slice the note is on.
    note = notes_with_stats(host, "RectangleROI")[0]
    sop = note["wire"]["image"]["sop"]
    hu = hu_of(ct_case.files[ct_case.sops.index(sop)])
    cols = [p[0] for p in note["wire"]["points"]]
    rows = [p[1] for p in note["wire"]["points"]]
    region = hu[
        max(0, math.floor(min(rows)) - 1) : math.ceil(max(rows)) + 2,
        max(0, math.floor(min(cols)) - 1) : math.ceil(max(cols)) + 2,
    ]
    assert region.min() <= ours["min"] <= ours["mean"] <= ours["max"] <= region.max()
    inner = hu[
        math.ceil(min(rows)) + 1 : math.floor(max(rows)) - 1,
        math.ceil(min(cols)) + 1 : math.floor(max(cols)) - 1,
    ]
    assert abs(ours["mean"] - inner.mean()) < 0.1 * (region.max() - region.min())


def test_observer_cannot_annotate_or_drive(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    trainee = pages.open("student", Role.OBSERVER)
    assert trainee.locator("[data-tool='length']").is_disabled()
    assert trainee.locator("[data-action='request-control']").count() == 0
    result = trainee.evaluate(
        "window.__huizhen.ctx.send({type: 'set_voi', viewport: 0,"
        " voi: {center: 1, width: 2, function: 'LINEAR'}})"
    )
    assert result["ok"] is False and result["code"] == "forbidden"
    result = trainee.evaluate("window.__huizhen.ctx.send({type: 'request_control'})")
    assert result["ok"] is False and result["code"] == "forbidden"
    host.wait_for_timeout(300)
    assert host.evaluate("window.__huizhen.ctx.state.viewports[0].voi?.center") != 1


def count(page: Page, tool: str) -> int:
    return int(page.evaluate(f"{DESCRIBE}.filter(a => a.tool === {tool!r}).length"))


def wait_count(page: Page, tool: str, n: int) -> None:
    page.wait_for_function(
        f"{DESCRIBE}.filter(a => a.tool === {tool!r}).length === {n}", timeout=15_000
    )


def test_delete_undo_redo_of_own_edits(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST)
    county = pages.open("dr-wang", Role.PARTICIPANT)
    county.click("[data-tool='probe']")
    drag(county, (0.5, 0.5), (0.5, 0.5))
    wait_count(host, "Probe", 1)
    county.click("[data-action='delete']")
    wait_count(host, "Probe", 0)
    wait_count(county, "Probe", 0)
    county.click("[data-action='undo']")  # the probe comes back, for everyone
    wait_count(host, "Probe", 1)
    wait_count(county, "Probe", 1)
    county.click("[data-action='redo']")
    wait_count(host, "Probe", 0)
    county.click("[data-action='undo']")
    county.click("[data-action='undo']")  # undo the creation itself
    wait_count(host, "Probe", 0)
    wait_count(county, "Probe", 0)
    # Someone else's annotation is locked for a participant without `moderate`.
    host.click("[data-tool='length']")
    drag(host, (0.2, 0.2), (0.4, 0.3))
    wait_count(county, "Length", 1)
    authors = county.evaluate(
        "window.__huizhen.notes.describe().map(a => a.id)"
        ".map(id => window.__huizhen.ctx.state.annotations.get(id)?.author)"
    )
    assert authors == ["dr-li"]
    assert count(host, "Length") == 1
