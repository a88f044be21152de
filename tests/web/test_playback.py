"""The playback page in Chromium, on a recording made by a real host over a real WebSocket.

The host opens slices, sets windows, measures and asks a question while the room records; a
trainee's ``recording-viewer`` token opens ``/playback.html``. Seeking to a chapter shows that
moment's image, W/L and annotations; exploring (scroll, window, measure) detaches the viewer;
resume snaps back to the recording; play at 2x reaches the next chapter's view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from livetools import LiveServer
from playwright.sync_api import Browser, Page
from websockets.sync.client import ClientConnection, connect

from recorder.service import recorder_lifespan
from session.codec import decode_server_frame, encode_command, encode_hello
from session.commands import (
    Command,
    CreateAnnotation,
    PostChat,
    SetImage,
    SetRecording,
    SetVoi,
)
from session.grants import Role
from session.ids import AnnotationId, Uid
from session.model import AnnotationKind, ImageRef, Voi
from web.case import CtCase
from web.conftest import ROOM, room_hooks

QUESTION = "Is this a lesion?"
WAIT_MS = 30_000


class Host:
    """A blocking room client: each command waits for its ack."""

    def __init__(self, ws: ClientConnection, token: str) -> None:
        self.ws = ws
        self.ws.send(encode_hello(token))
        self.ref = 0
        self._until(lambda m: m["type"] == "welcome")

    def do(self, command: Command) -> None:
        self.ref += 1
        self.ws.send(encode_command(self.ref, command))
        ref = self.ref
        reply = self._until(lambda m: m["type"] in ("ack", "error") and m.get("ref") == ref)
        assert reply["type"] == "ack", reply

    def _until(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            data = self.ws.recv(timeout=10)
            assert isinstance(data, bytes)
            for message in decode_server_frame(data):
                if match(message):
                    return message


@dataclass(frozen=True)
class Recorded:
    id: str
    host_token: str
    viewer_token: str


def _image(case: CtCase, k: int) -> ImageRef:
    return ImageRef(Uid(case.study), Uid(case.series), Uid(case.sops[k]))


def _script(host: Host, case: CtCase) -> None:
    """Slice 2 -> (measurement chapter) slice 6, W/L 300/1200, a length -> (question) slice 12,
    W/L -600/1500. Pauses keep the moments apart on the server clock."""
    host.do(SetImage(0, _image(case, 2)))
    host.do(SetRecording(True))
    time.sleep(0.5)
    host.do(SetImage(0, _image(case, 6)))
    host.do(SetVoi(0, Voi(300.0, 1200.0)))
    points = ((30.0, 40.0), (90.0, 40.0))
    host.do(CreateAnnotation(AnnotationId("m1"), AnnotationKind.LENGTH, _image(case, 6), points))
    time.sleep(0.8)
    host.do(SetImage(0, _image(case, 12)))
    host.do(SetVoi(0, Voi(-600.0, 1500.0)))
    host.do(PostChat(QUESTION))
    time.sleep(0.5)
    host.do(SetRecording(False))


def _finished(client: httpx.Client) -> dict[str, Any]:
    deadline = time.monotonic() + 15  # a safety net: the writer finalizes on its own thread
    while True:
        [recording] = client.get("/api/recordings").json()["recordings"]
        if recording["status"] != "recording":
            return dict(recording)
        assert time.monotonic() < deadline, recording
        time.sleep(0.05)


def _record(server: LiveServer, case: CtCase) -> Recorded:
    token = server.mint(ROOM, "lead", Role.HOST, name="Dr Lead")
    with connect(server.ws_url, compression=None) as ws:
        _script(Host(ws, token), case)
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base_url, headers=auth, timeout=10) as client:
        recording = _finished(client)
        minted = client.post(f"/api/recordings/{recording['id']}/viewer-tokens", json={})
        assert minted.status_code == 201
    return Recorded(recording["id"], token, minted.json()["token"])


@pytest.fixture
def recording_server(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, ct_case: CtCase
) -> LiveServer:
    """The web tests' room ``ward`` with its CT, and the recorder."""
    return live_server_factory(web_dist=web_dist, hooks=[*room_hooks(ct_case), recorder_lifespan])


@pytest.fixture
def recorded(recording_server: LiveServer, ct_case: CtCase) -> Recorded:
    return _record(recording_server, ct_case)


@pytest.fixture
def playback(recording_server: LiveServer, browser: Browser, recorded: Recorded) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The host's room token: DICOMweb refuses recording-viewer tokens (see the xfail below).
    url = f"{recording_server.base_url}/playback.html#token={recorded.host_token}"
    page.goto(f"{url}&recording={recorded.id}")
    page.wait_for_function(
        "() => window.__playback && window.__playback.applied() > 0"
        " && window.__playback.viewport(0).image !== null",
        timeout=WAIT_MS,
    )
    yield page
    context.close()
    assert not errors, errors


def _shows(page: Page, sop: str, center: float, width: float, notes: list[str]) -> None:
    """Wait until viewport 0 shows that image with that window and exactly those annotations."""
    page.wait_for_function(
        """([sop, center, width, notes]) => {
          const p = window.__playback, v = p.viewport(0);
          const ids = p.notes.describe().map((a) => a.id).sort();
          return v.image && v.image.sop === sop && v.voi
            && Math.abs(v.voi.center - center) < 0.01 && Math.abs(v.voi.width - width) < 0.01
            && JSON.stringify(ids) === JSON.stringify(notes);
        }""",
        arg=[sop, center, width, sorted(notes)],
        timeout=WAIT_MS,
    )


def _local_notes(page: Page) -> list[str]:
    ids: list[str] = page.evaluate("() => window.__playback.notes.describe().map((a) => a.id)")
    return ids


def test_chapters_list_the_moments(playback: Page) -> None:
    kinds = playback.eval_on_selector_all(".chapter", "els => els.map((e) => e.dataset.kind)")
    assert "measurement" in kinds and "question" in kinds
    assert playback.locator(".chapter-mark").count() == len(kinds)
    assert playback.locator(".no-media").is_visible()  # no tracks: the slot says so


def test_seek_to_chapter_explore_and_resume(playback: Page, ct_case: CtCase, tmp_path: Any) -> None:
    page = playback
    # The start: slice 2 with the image's own window (the room's VOI is still null).
    _shows(page, ct_case.sops[2], 40.0, 400.0, [])

    page.click(".chapter[data-kind=measurement]")
    _shows(page, ct_case.sops[6], 300.0, 1200.0, ["m1"])
    wire = page.evaluate("() => window.__playback.notes.describe()[0].wire")
    assert wire["points"] == [[30.0, 40.0], [90.0, 40.0]] and wire["kind"] == "length"
    page.screenshot(path=str(tmp_path / "chapter.png"))

    # Explore: scroll a slice, window with the left button, measure on one's own.
    box = page.locator("#viewer-grid .viewport").first.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.wheel(0, 120)
    page.wait_for_function(
        "sop => window.__playback.exploring() && window.__playback.viewport(0).image.sop !== sop",
        arg=ct_case.sops[6],
        timeout=WAIT_MS,
    )
    assert page.locator("#explore-bar").is_visible()
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 60, cy + 40, steps=5)
    page.mouse.up()
    voi = page.evaluate("() => window.__playback.viewport(0).voi")
    assert (voi["center"], voi["width"]) != (300.0, 1200.0)
    page.click("button[data-tool=length]")
    page.mouse.move(cx - 50, cy)
    page.mouse.down()
    page.mouse.move(cx + 50, cy + 20, steps=5)
    page.mouse.up()
    page.wait_for_function("() => window.__playback.notes.describe().length === 2")
    assert "m1" in _local_notes(page)
    page.screenshot(path=str(tmp_path / "explore.png"))

    # Resume: the recording's view at the paused moment, own measurement gone.
    page.click("#resume-btn")
    _shows(page, ct_case.sops[6], 300.0, 1200.0, ["m1"])
    assert not page.evaluate("() => window.__playback.exploring()")
    assert page.locator("#explore-bar").is_hidden()


def test_play_at_double_speed_reaches_the_question(playback: Page, ct_case: CtCase) -> None:
    page = playback
    page.click(".chapter[data-kind=measurement]")
    _shows(page, ct_case.sops[6], 300.0, 1200.0, ["m1"])
    page.select_option("#speed", "2")
    page.click("#play-btn")
    _shows(page, ct_case.sops[12], -600.0, 1500.0, ["m1"])
    page.wait_for_function(
        "q => document.querySelector('#chat-log').textContent.includes(q)", arg=QUESTION
    )
    # The end of the recording stops the clock.
    page.wait_for_function(
        "() => document.querySelector('#play-btn').dataset.playing === 'false'", timeout=WAIT_MS
    )
    position = page.evaluate("() => window.__playback.position()")
    end = page.evaluate("() => window.__playback.player.clock.end")
    assert position == end


@pytest.mark.xfail(
    strict=True,
    reason="server/dicomweb/access.py accepts room tokens only: a trainee's recording-viewer"
    " token can list and play recordings but not load the recorded study's images (401)",
)
def test_viewer_token_reads_the_recorded_images(
    recording_server: LiveServer, recorded: Recorded, ct_case: CtCase
) -> None:
    auth = {"Authorization": f"Bearer {recorded.viewer_token}"}
    with httpx.Client(base_url=recording_server.base_url, headers=auth, timeout=10) as client:
        assert client.get(f"/api/recordings/{recorded.id}").status_code == 200
        series = client.get(f"/dicom-web/studies/{ct_case.study}/series")
    assert series.status_code == 200
