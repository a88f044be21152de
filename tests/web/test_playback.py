"""The playback page in Chromium, on a recording made by a real host over a real WebSocket.

The host opens slices, sets windows, measures and asks a question while the room records; a
trainee's ``recording-viewer`` token opens ``/playback.html``. Seeking to a chapter shows that
moment's image, W/L and annotations; exploring (scroll, window, measure) detaches the viewer;
resume snaps back to the recording; play at 2x reaches the next chapter's view.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from livetools import LiveServer
from playwright.sync_api import Browser, Page
from websockets.sync.client import ClientConnection, connect

from server.appstate import AppState
from server.recording.service import recorder_lifespan
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
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef, Voi
from web.case import CtCase
from web.conftest import ROOM, room_hooks, watch_csp

QUESTION = "Is this a lesion?"
FPS = 30
VIDEO_FRAMES = 3 * FPS
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


def _script(host: Host, case: CtCase, publish: Callable[[], None]) -> None:
    """Slice 2 -> (measurement chapter) slice 6, W/L 300/1200, a length -> (question) slice 12,
    W/L -600/1500. Pauses keep the moments apart on the server clock."""
    host.do(SetImage(0, _image(case, 2)))
    host.do(SetRecording(True))
    publish()  # 3 s of video, arriving now
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


def vp8_frames(count: int) -> list[bytes]:
    """Real VP8 (what a WebRTC publisher sends), a grey level that changes every frame."""
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 160, 120, "yuv420p"
    encoder.time_base = fractions.Fraction(1, FPS)
    frames: list[bytes] = []
    for i in range(count):
        rgb = np.full((120, 160, 3), (i * 9) % 256, np.uint8)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        frames += [bytes(p) for p in encoder.encode(frame)]
    return frames + [bytes(p) for p in encoder.encode(None)]


@dataclass
class Seam:
    """The server's event loop and state, caught by a lifespan hook: frames go to the
    recorder's SFU seam (``on_frame``) on the loop, as the SFU's forwarder hands them over."""

    loop: asyncio.AbstractEventLoop | None = None
    state: AppState | None = None
    frames: list[bytes] = field(default_factory=lambda: vp8_frames(VIDEO_FRAMES))  # encoded early

    def hook(self, state: AppState) -> contextlib.AbstractAsyncContextManager[None]:
        @contextlib.asynccontextmanager
        async def caught() -> AsyncIterator[None]:
            self.loop, self.state = asyncio.get_running_loop(), state
            yield

        return caught()

    def publish(self) -> None:
        frames = self.frames

        async def feed() -> None:
            assert self.state is not None
            service = self.state.recorder
            assert service is not None
            for i, data in enumerate(frames):
                ts = i * 90_000 // FPS
                service.on_frame(RoomId(ROOM), ParticipantId("lead"), "cam", data, ts, "video/VP8")

        assert self.loop is not None
        asyncio.run_coroutine_threadsafe(feed(), self.loop).result(timeout=10)


def _record(server: LiveServer, case: CtCase, seam: Seam) -> Recorded:
    token = server.mint(ROOM, "lead", Role.HOST, name="Dr Lead")
    with connect(server.ws_url, compression=None) as ws:
        _script(Host(ws, token), case, seam.publish)
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base_url, headers=auth, timeout=10) as client:
        recording = _finished(client)
        minted = client.post(f"/api/recordings/{recording['id']}/viewer-tokens", json={})
        assert minted.status_code == 201
    return Recorded(recording["id"], token, minted.json()["token"])


@pytest.fixture
def seam() -> Seam:
    return Seam()


@pytest.fixture
def recording_server(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, ct_case: CtCase, seam: Seam
) -> LiveServer:
    """The web tests' room ``ward`` with its CT, and the recorder."""
    hooks = [*room_hooks(ct_case), recorder_lifespan, seam.hook]
    return live_server_factory(web_dist=web_dist, hooks=hooks)


@pytest.fixture
def recorded(recording_server: LiveServer, ct_case: CtCase, seam: Seam) -> Recorded:
    return _record(recording_server, ct_case, seam)


@pytest.fixture
def playback(recording_server: LiveServer, browser: Browser, recorded: Recorded) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(page, errors)
    # The trainee's path: a recording-viewer token minted by the host, not a room token.
    url = f"{recording_server.base_url}/playback.html#token={recorded.viewer_token}"
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
    assert playback.locator("video.media-tile").count() == 1  # the host's camera track


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


def test_viewer_token_reads_the_recorded_images(
    recording_server: LiveServer, recorded: Recorded, ct_case: CtCase
) -> None:
    auth = {"Authorization": f"Bearer {recorded.viewer_token}"}
    with httpx.Client(base_url=recording_server.base_url, headers=auth, timeout=10) as client:
        assert client.get(f"/api/recordings/{recorded.id}").status_code == 200
        series = client.get(f"/dicom-web/studies/{ct_case.study}/series")
    assert series.status_code == 200


SYNCED = """() => {
  const p = window.__playback, v = document.querySelector('video.media-tile');
  const track = p.recording.tracks[0];
  return v && v.readyState >= 1 && v.videoWidth === 160
    && Math.abs(v.currentTime - (p.position() - track.offset_s)) <= 0.1;
}"""


PRESENTED = """() => {
  window.__presented = [];
  const v = document.querySelector('video.media-tile');
  const seen = (now, meta) => {
    window.__presented.push(meta.mediaTime);
    v.requestVideoFrameCallback(seen);
  };
  v.requestVideoFrameCallback(seen);
}"""

# A frame at the video's position was composited (not only decoded or buffered).
RENDERED_AT_POSITION = """() => {
  const v = document.querySelector('video.media-tile');
  return window.__presented.some((t) => Math.abs(t - v.currentTime) <= 0.1);
}"""


def test_video_follows_the_player_clock(playback: Page) -> None:
    page = playback
    page.evaluate(PRESENTED)
    page.click(".chapter[data-kind=question]")
    page.wait_for_function(
        f"() => document.querySelector('video.media-tile')?.dataset.error || ({SYNCED})()",
        timeout=WAIT_MS,
    )
    error = page.evaluate("() => document.querySelector('video.media-tile').dataset.error")
    assert error is None, error
    page.wait_for_function(RENDERED_AT_POSITION, timeout=WAIT_MS)
    assert page.evaluate("() => document.querySelector('video.media-tile').currentTime") > 0.5
    assert page.evaluate("() => document.querySelector('video.media-tile').paused")
    for speed in ("2", "0.5"):
        page.select_option("#speed", speed)
        page.click("#play-btn")
        page.wait_for_function(
            "(rate) => { const v = document.querySelector('video.media-tile');"
            " return !v.paused && v.playbackRate === rate; }",
            arg=float(speed),
            timeout=WAIT_MS,
        )
        page.click("#play-btn")  # pause: the video stops where the clock stops
        page.wait_for_function(
            f"() => document.querySelector('video.media-tile').paused && ({SYNCED})()",
            timeout=WAIT_MS,
        )
