"""Issue 16: MPR (axial, coronal, sagittal with crosshairs) synced across participants like the
stack views, and reference lines between viewports of one frame of reference.

The room holds the web test CT (16 axial slices) and a coronal series of the same frame of
reference, so a 1x2 layout shows two planes that cross (series order: axial, coronal).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livetools import LiveServer
from PIL import Image
from playwright.sync_api import Page
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, CTImageStorage, ExplicitVRLittleEndian

from session.grants import Role
from web.case import COLS, ROWS, SLICES, SPACING, THICKNESS, CtCase, _uid, make_case
from web.conftest import Pages, room_hooks

pytestmark = pytest.mark.browser

H = "window.__huizhen"
WAIT = 30_000
CORONAL_SLICES = 8
MM = 0.05  # two pages reconstruct the same plane to far below a voxel


def _coronal(study: str, j: int) -> Dataset:
    """Coronal slice j: rows run from head to foot (-z), columns along +x, 2.5 mm rows."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = UID(_uid("coronal-sop", str(j)))
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, _uid("coronal-series")
    ds.FrameOfReferenceUID = _uid("for")  # the axial series' frame of reference
    ds.PatientName, ds.PatientID = "Test^Web", "WEB001"
    ds.StudyDescription, ds.SeriesDescription = "Web test CT", "Coronal"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 2, j + 1
    y = -ROWS * SPACING / 2 + (j + 0.5) * ROWS * SPACING / CORONAL_SLICES
    ds.ImagePositionPatient = [-COLS * SPACING / 2, y, (SLICES - 1) * THICKNESS]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]
    ds.PixelSpacing = [THICKNESS, SPACING]  # row spacing (z), column spacing (x)
    ds.SliceThickness = 2.0
    ds.Rows, ds.Columns = SLICES, COLS
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PixelData = np.full((SLICES, COLS), 1064 + 40 * j, dtype=np.int16).tobytes()
    return ds


@pytest.fixture(scope="module")
def two_plane_case(tmp_path_factory: pytest.TempPathFactory) -> CtCase:
    dest = tmp_path_factory.mktemp("web-mpr")
    axial = make_case(dest)
    files = list(axial.files)
    for j in range(CORONAL_SLICES):
        path = dest / f"coronal{j:02d}.dcm"
        _coronal(axial.study, j).save_as(path, enforce_file_format=True)
        files.append(path)
    return CtCase(axial.study, axial.series, axial.sops, tuple(files))


@pytest.fixture
def room_server(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, two_plane_case: CtCase
) -> LiveServer:
    return live_server_factory(web_dist=web_dist, hooks=room_hooks(two_plane_case))


def mpr(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(f"{H}.mpr()")
    return result


def room_mpr(page: Page) -> dict[str, Any] | None:
    result: dict[str, Any] | None = page.evaluate(f"{H}.ctx.state.mpr")
    return result


def same_cameras(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return len(a) == len(b) == 3 and all(
        np.allclose(x["focalPoint"], y["focalPoint"], atol=MM)
        and np.allclose(x["normal"], y["normal"], atol=1e-6)
        and abs(x["parallelScale"] - y["parallelScale"]) <= 1e-3 * y["parallelScale"]
        for x, y in zip(a, b, strict=True)
    )


def wait_same_cameras(driver: Page, follower: Page, within: float = 30.0) -> list[dict[str, Any]]:
    """Poll until both pages show the three planes identically (a safety net, not a timing)."""
    deadline = time.monotonic() + within
    while True:
        a, b = mpr(driver), mpr(follower)
        if a["open"] and b["open"] and same_cameras(a["cameras"], b["cameras"]):
            return list(a["cameras"])
        assert time.monotonic() < deadline, json.dumps({"driver": a, "follower": b})
        driver.wait_for_timeout(100)


def element_pixels(page: Page, selector: str) -> np.ndarray:
    png = page.locator(f"{selector} canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def wait_same_pixels(a: Page, b: Page, selector: str, within: float = 30.0) -> None:
    """Both pages render the same picture there (volumes stream in: poll until they settle)."""
    deadline = time.monotonic() + within
    while True:
        x, y = element_pixels(a, selector), element_pixels(b, selector)
        diff = np.abs(x.astype(int) - y.astype(int)) if x.shape == y.shape else None
        if diff is not None and diff.mean() < 2.0 and (diff > 32).mean() < 0.01:
            return
        assert time.monotonic() < deadline, None if diff is None else diff.mean()
        a.wait_for_timeout(250)


def test_mpr_follows_the_driver_and_returns_to_the_stack(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    host.locator(".viewport").first.click()
    for _ in range(SLICES // 2):  # start mid-volume: the wheel below can go either way
        host.keyboard.press("ArrowDown")
    county.wait_for_function(f"{H}.viewport(0).index === {SLICES // 2}", timeout=WAIT)
    host.click("[data-action='mpr']")
    host.wait_for_function(f"{H}.mpr().open && {H}.ctx.state.mpr !== null", timeout=WAIT)
    county.wait_for_function(f"{H}.mpr().open", timeout=WAIT)
    start = room_mpr(host)
    assert start is not None
    wait_same_cameras(host, county)

    # Move the crosshair: a click in the axial view moves the coronal and sagittal planes
    # there (x, y); the wheel over it moves the axial plane itself (z).
    box = host.locator("[data-mpr='axial']").bounding_box()
    assert box is not None
    host.mouse.click(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.6)
    for _ in range(3):
        host.mouse.wheel(0, 120)
    host.wait_for_function(
        f"() => {{ const m = {H}.ctx.state.mpr; const s = {json.dumps(start['point'])};"
        " return m && m.point.every((v, k) => Math.abs(v - s[k]) > 0.5); }",
        timeout=WAIT,
    )
    cameras = wait_same_cameras(host, county)
    room = room_mpr(county)
    assert room is not None
    # The room's point is where the three planes cross, on both pages.
    for camera in cameras:
        normal = np.array(camera["normal"])
        depth = float(normal @ (np.array(camera["focalPoint"]) - np.array(room["point"])))
        assert abs(depth) <= MM
    assert mpr(county)["state"]["point"] == pytest.approx(room["point"], abs=MM)
    wait_same_pixels(host, county, "[data-mpr='sagittal']")
    drift = county.evaluate(f"{H}.drift()")
    assert drift["mismatches"] == 0, drift

    # The drift detector covers the MPR: a follower whose planes moved behind the sync's
    # back (still "following") is flagged.
    county.evaluate(
        f"(() => {{ const m = {H}.ctx.viewer.mpr; const s = m.read('');"
        " m.apply({ ...s, point: [s.point[0], s.point[1], s.point[2] + 5] }); })()"
    )
    county.wait_for_function(
        f"{H}.drift().mismatches === 1 && {H}.drift().current.includes('mpr:point')",
        timeout=WAIT,
    )
    assert county.locator("#drift-badge").is_visible()

    # Leave MPR: both pages are back on the stack, in sync.
    host.keyboard.press("m")
    county.wait_for_function(f"!{H}.mpr().open && {H}.ctx.state.mpr === null", timeout=WAIT)
    assert county.locator("#mpr-grid").is_hidden()
    host.keyboard.press("End")
    county.wait_for_function(f"{H}.viewport(0).index === {SLICES - 1}", timeout=WAIT)
    county.wait_for_function(f"{H}.drift().current.length === 0", timeout=WAIT)
    assert county.evaluate(f"{H}.drift()")["mismatches"] == 1  # only the provoked one


def test_mpr_is_disabled_with_a_reason_for_a_non_volume_series(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li", locale="zh-CN")
    host.click("[data-layout='1x2']")
    host.wait_for_function(f"{H}.viewport(1).image !== null", timeout=WAIT)
    host.locator(".viewport").nth(1).click()  # the coronal series: 8 slices, no volume
    button = host.locator("[data-action='mpr']")
    button.wait_for(timeout=WAIT)
    host.wait_for_function("document.querySelector(\"[data-action='mpr']\").disabled", timeout=WAIT)
    assert button.get_attribute("data-reason") == "mpr_too_few_slices"
    assert "10" in (button.get_attribute("title") or "")
    assert "多平面重建" in (button.get_attribute("title") or "")


def lines_in(page: Page, index: int) -> int:
    count: int = page.evaluate(
        f"document.querySelectorAll('.viewport[data-viewport=\"{index}\"] svg line').length"
    )
    return count


def test_reference_lines_show_the_other_viewports_planes(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    host.click("[data-layout='1x2']")
    host.wait_for_function(
        f"{H}.viewport(1).image !== null && {H}.viewport(1).image.series !== "
        f"{H}.viewport(0).image.series",
        timeout=WAIT,
    )
    assert lines_in(host, 0) == 0 and lines_in(host, 1) == 0
    host.keyboard.press("r")
    assert host.locator("[data-action='reference-lines'][aria-pressed='true']").count() == 1
    # Each viewport shows the other's plane: the axial slice in the coronal view, and the
    # coronal slice in the axial view.
    host.wait_for_function(
        "[0, 1].every((i) => document.querySelectorAll("
        '`.viewport[data-viewport="${i}"] svg line`).length >= 1)',
        timeout=WAIT,
    )
    host.click("[data-action='reference-lines']")
    host.wait_for_function(
        "document.querySelectorAll('.viewport svg line').length === 0", timeout=WAIT
    )


def test_a_follower_explores_the_mpr_and_snaps_back(pages: Pages) -> None:
    host = pages.open("dr-li", Role.HOST, name="Dr Li")
    county = pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    host.keyboard.press("m")
    county.wait_for_function(f"{H}.mpr().open", timeout=WAIT)
    wait_same_cameras(host, county)
    box = county.locator("[data-mpr='coronal']").bounding_box()
    assert box is not None
    county.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    county.locator("#explore-bar").wait_for(timeout=WAIT)  # detached: the room is unchanged
    assert not same_cameras(mpr(county)["cameras"], mpr(host)["cameras"])
    county.click("#follow-btn")
    wait_same_cameras(host, county)
