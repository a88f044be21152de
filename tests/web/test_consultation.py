"""A consultation as new users hold it: the real ``huizhen serve --demo`` process (what
``scripts/serve`` runs), its printed invite links opened in Chromium. The lead expert drives and
measures, the county doctor follows, asks for control, gets it and draws an ellipse; the trainee
joins late from the third link and sees the same image."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from livetools import free_port
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page

from web.conftest import wait_ready
from web.test_annotations import drag, notes_with_stats, only_stats

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VP = "window.__huizhen.viewport(0)"
LINK = re.compile(r"^(http://\S+/join#token=[\w.-]+)$", re.MULTILINE)
WAIT_MS = 30_000


@dataclass
class DemoServer:
    """``huizhen serve --demo`` as a subprocess; its output is drained so it never blocks."""

    process: subprocess.Popen[str]
    port: int
    output: list[str] = field(default_factory=list)

    def drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def links(self) -> list[str]:
        return LINK.findall("".join(self.output))

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "".join(self.output)
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("huizhen serve --demo did not become healthy")


@pytest.fixture
def demo(tmp_path: Path, web_dist: Path) -> Iterator[DemoServer]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
    env |= {"HUIZHEN_DATA_DIR": str(tmp_path), "HUIZHEN_WEB_DIST": str(web_dist)}
    env["COLUMNS"] = "80"  # a narrow terminal: the links must still come out whole
    command = [sys.executable, "-m", "server", "serve", "--demo"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = DemoServer(process, port)
    reader = threading.Thread(target=server.drain, daemon=True)
    reader.start()
    try:
        server.wait_healthy()
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def opened(browser: Browser) -> Iterator[list[BrowserContext]]:
    """The browser contexts a test opened; closed after it."""
    contexts: list[BrowserContext] = []
    yield contexts
    for context in contexts:
        context.close()


def open_link(browser: Browser, opened: list[BrowserContext], link: str) -> Page:
    """A new user: a fresh browser profile opening the invite link."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    opened.append(context)
    page = context.new_page()
    page.goto(link)
    wait_ready(page)
    return page


def view(page: Page) -> Any:
    return page.evaluate(VP)


def wait_same_view(follower: Page, driver: Page) -> None:
    """The follower shows the driver's image, window and presentation."""
    want = driver.evaluate(f"JSON.stringify([{VP}.image, {VP}.voi, {VP}.view])")
    follower.wait_for_function(
        f"JSON.stringify([{VP}.image, {VP}.voi, {VP}.view]) === {want!r}", timeout=WAIT_MS
    )


def wheel(page: Page, clicks: int) -> None:
    box = page.locator(".viewport").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(clicks):
        page.mouse.wheel(0, 100)


def settled_stats(a: Page, b: Page, tool: str, keys: tuple[str, ...]) -> tuple[Any, Any]:
    """Both pages' statistics of their one `tool` annotation, once they agree (or the last)."""
    for _ in range(75):  # statistics settle once each page rendered the final geometry
        ours = only_stats(notes_with_stats(a, tool)[0])
        theirs = only_stats(notes_with_stats(b, tool)[0])
        if all(theirs.get(k) == ours.get(k) for k in keys):
            break
        a.wait_for_timeout(200)
    return ours, theirs


def canvas_pixels(page: Page) -> np.ndarray:
    png = page.locator(".viewport canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def test_consultation_from_the_printed_invite_links(
    demo: DemoServer, browser: Browser, opened: list[BrowserContext]
) -> None:
    links = demo.links()
    assert len(links) == 3, "".join(demo.output)  # lead expert, county doctor, trainee
    host_link, doctor_link, trainee_link = links
    host = open_link(browser, opened, host_link)
    doctor = open_link(browser, opened, doctor_link)
    host.wait_for_function("window.__huizhen.ctx.state.driver === 'host'", timeout=WAIT_MS)
    start = view(host)

    # The expert scrolls two slices and windows by dragging (the default left-button tool).
    wheel(host, 2)
    host.wait_for_function(f"{VP}.index !== {start['index']}", timeout=WAIT_MS)
    drag(host, (0.5, 0.5), (0.62, 0.4))
    host.wait_for_function(f"{VP}.voi.width !== {start['voi']['width']}", timeout=WAIT_MS)
    wait_same_view(doctor, host)
    assert view(doctor)["image"]["sop"] != start["image"]["sop"]

    # The expert measures; the doctor sees the same length.
    host.click("[data-tool='length']")
    drag(host, (0.35, 0.45), (0.65, 0.55))
    mine, theirs = settled_stats(host, doctor, "Length", ("length",))
    assert theirs["length"] == mine["length"] and mine["length"] > 0

    # The doctor asks for control; the expert gives it.
    doctor.click("[data-action='request-control']")
    host.locator("li[data-participant='county-doctor'] [data-action='give-control']").click(
        timeout=WAIT_MS
    )
    doctor.wait_for_function(
        "window.__huizhen.ctx.state.driver === 'county-doctor'", timeout=WAIT_MS
    )

    # The doctor draws an ellipse; the expert sees it with the same statistics.
    doctor.click("[data-tool='ellipse']")
    drag(doctor, (0.45, 0.45), (0.58, 0.56))
    keys = ("mean", "stdDev", "area", "max", "min")
    ours, seen = settled_stats(doctor, host, "EllipticalROI", keys)
    for key in keys:
        assert seen[key] == ours[key], (key, seen, ours)
    assert ours["area"] > 0

    # The trainee opens the third link late and sees what the doctor (now driving) shows.
    trainee = open_link(browser, opened, trainee_link)
    wait_same_view(trainee, doctor)
    trainee.wait_for_function(
        "window.__huizhen.notes.describe().filter(a => a.wire).length === 2", timeout=WAIT_MS
    )
    doctor.click("[data-tool='wl']")  # no tool highlight differs between the two canvases
    host.wait_for_timeout(500)
    a, b = canvas_pixels(doctor), canvas_pixels(trainee)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    assert abs(a.shape[0] - b.shape[0]) <= 2 and abs(a.shape[1] - b.shape[1]) <= 2
    diff = np.abs(a[:h, :w].astype(int) - b[:h, :w].astype(int))
    assert diff.mean() < 2.0, diff.mean()
    assert (diff > 32).mean() < 0.01
