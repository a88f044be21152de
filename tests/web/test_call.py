"""The web client's call panel through the live SFU: pages of the real client from invite links.

Dr Li (host) joins the call with the fake camera and microphone; Dr Wang (participant) and a
trainee (observer) join and see Dr Li's tile video advancing (``requestVideoFrameCallback`` on
the tile's own ``<video>``) and receive Dr Li's audio (``totalAudioEnergy`` grows: the fake
microphone beeps, so it is sound, not silence). Dr Li shares the screen (headless Chromium's
fake screen via ``getDisplayMedia``) and mutes; Dr Wang sees both. The trainee has no publish
buttons, and an offer it forges on its own connection is refused. A raised hand given the floor
gets the buttons and is heard; kicked, its call ends. A page whose WebSocket drops resumes
and receives again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from livetools import WEBRTC_FLAGS, LiveServer
from playwright.sync_api import Browser, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from server.settings import IceServer
from server.sfu.ice import host_addresses
from server.sfu.lifespan import sfu_lifespan
from server.sfu.signalling import Sfu
from session.grants import Role
from session.ids import ParticipantId, RoomId
from web.case import CtCase
from web.conftest import ROOM, Pages, launch_chromium, room_hooks

pytestmark = pytest.mark.browser

CALL_FLAGS = WEBRTC_FLAGS
WAIT_MS = 20_000  # a safety net against hangs, not a timing assertion
PUBLISH = ("toggle-mic", "toggle-camera", "toggle-screen")

# Counts frames presented by the element (installed once per element, so a tile element that
# got replaced by a re-render would stop counting and fail the wait).
FRAMES_JS = """([sel, more]) => {
  const v = document.querySelector(sel);
  if (!v) return false;
  if (!v.__frames) {
    v.__frames = {n: 0};
    const tick = () => { v.__frames.n++; v.requestVideoFrameCallback(tick); };
    v.requestVideoFrameCallback(tick);
  }
  return v.__frames.n > more ? v.__frames.n : false;
}"""


def shot(page: Page, name: str) -> None:
    """Keep screenshots for a human to look at when HUIZHEN_SCREENSHOTS names a folder."""
    folder = os.environ.get("HUIZHEN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def tile(who: str, source: str = "camera") -> str:
    return f".media-tile[data-participant='{who}'][data-source='{source}']"


def frames_advance(page: Page, selector: str) -> int:
    """At least 10 frames, then 10 more: a live picture, not one still frame."""
    try:
        first = page.wait_for_function(FRAMES_JS, arg=[selector, 10], timeout=WAIT_MS)
        more = int(first.json_value()) + 10
        later = page.wait_for_function(FRAMES_JS, arg=[selector, more], timeout=WAIT_MS)
    except PlaywrightError as exc:
        raise AssertionError(f"{selector} not advancing: {call_state(page)}") from exc
    return int(later.json_value())


def call_state(page: Page) -> str:
    """What the page's call holds, for a failure message."""
    return str(page.evaluate(STATE_JS))


STATE_JS = """() => {
  const m = window.__huizhen.media, pc = m.neg && m.neg.pc;
  return JSON.stringify({
    inCall: m.inCall, remote: m.remote.map((r) => [r.participant, r.source, r.track.readyState]),
    pc: pc && [pc.connectionState, pc.signalingState, pc.getTransceivers().map(
      (t) => [t.mid, t.direction, t.currentDirection])],
    stats: [...m.neg.pc.getReceivers()].map((r) => [r.track.kind, r.track.muted]),
    tiles: [...document.querySelectorAll('.media-tile')].map((t) => {
      const v = t.querySelector('video');
      return [t.className, v.paused, v.readyState, v.videoWidth, v.__frames && v.__frames.n,
        v.srcObject && v.srcObject.getTracks().map((k) => [k.readyState, k.muted])];
    }),
    me: window.__huizhen.ctx.state.participants.get('dr-li'),
    toast: document.querySelector('#toast').textContent,
  });
}"""


def audio_stats(page: Page) -> dict[str, float]:
    stats: dict[str, float] = page.evaluate("window.__huizhen.media.audioStats()")
    return stats


def hears_sound(page: Page) -> dict[str, float]:
    """Received audio bytes, samples and energy all grow (energy > 0: not silence)."""
    start = audio_stats(page)
    deadline = time.monotonic() + WAIT_MS / 1000
    now = start
    while not all(now[k] > start[k] for k in ("bytes", "samples", "energy")) or now["energy"] <= 0:
        assert time.monotonic() < deadline, f"no audible audio: {now}, {call_state(page)}"
        page.wait_for_timeout(250)
        now = audio_stats(page)
    return now


def join(page: Page) -> None:
    page.click("[data-action='join-call']")
    page.locator("[data-action='leave-call']").wait_for(timeout=WAIT_MS)


def sfu_of(server: LiveServer) -> Sfu:
    media = server.state.media
    assert isinstance(media, Sfu)
    return media


def published(server: LiveServer, who: str) -> set[str]:
    room = sfu_of(server).rooms.get(RoomId(ROOM))
    peer = room.peers.get(ParticipantId(who)) if room else None
    return {str(source) for source in peer.publications} if peer else set()


@pytest.fixture(scope="module")
def call_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright, CALL_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def call_server(
    live_server_factory: Callable[..., LiveServer], web_dist: Path, ct_case: CtCase
) -> LiveServer:
    """``room_server`` plus the SFU (the web fixtures' hooks leave media out)."""
    return live_server_factory(web_dist=web_dist, hooks=[*room_hooks(ct_case), sfu_lifespan])


@pytest.fixture
def call_pages(call_server: LiveServer, call_browser: Browser) -> Iterator[Pages]:
    with host_addresses(["127.0.0.1"]):  # process-wide: the live server runs in this process
        pages = Pages(call_server, call_browser)
        yield pages
        pages.close()
    assert not pages.errors, pages.errors


def test_three_pages_hold_a_call(call_pages: Pages, call_server: LiveServer) -> None:
    host = call_pages.open("dr-li", Role.HOST, name="Dr Li")
    county = call_pages.open("dr-wang", Role.PARTICIPANT, name="Dr Wang")
    trainee = call_pages.open("trainee", Role.OBSERVER, name="Trainee")
    assert "microphone" in host.inner_text("#media-hint")  # what joining will ask for
    assert "microphone" not in trainee.inner_text("#media-hint")  # an observer only listens
    for page in (host, county, trainee):
        join(page)
    county.click("[data-action='toggle-mic']")  # both fake mics beep alike: Dr Li speaks alone

    # The observer listens: no publish buttons, a hint saying how to get the floor.
    for action in PUBLISH:
        assert trainee.locator(f"[data-action='{action}']").count() == 0
        assert host.locator(f"[data-action='{action}']").count() == 1
    assert "raise your hand" in trainee.inner_text("#media-hint")

    for page in (county, trainee):
        frames_advance(page, f"{tile('dr-li')} video")
        size = page.evaluate(f'[document.querySelector("{tile("dr-li")} video").videoWidth]')
        assert size[0] > 0
        hears_sound(page)
        audio = page.locator("#media-audio audio[data-participant='dr-li']")
        playing = "a => !a.paused && a.srcObject.getAudioTracks()[0].readyState"
        assert audio.evaluate(playing) == "live"
    assert county.inner_text(f"{tile('dr-li')} figcaption").startswith("Dr Li")
    county.locator(f"{tile('dr-li')}.speaking").wait_for(timeout=WAIT_MS)  # active speaker
    assert published(call_server, "dr-li") == {"mic", "camera"}

    host.click("[data-action='toggle-screen']")
    host.locator("[data-action='toggle-screen'][aria-pressed='true']").wait_for(timeout=WAIT_MS)
    frames_advance(county, f"#media-screen {tile('dr-li', 'screen')} video")
    assert published(call_server, "dr-li") == {"mic", "camera", "screen"}

    # A dropped WebSocket: the page resumes the room and starts its media afresh.
    county.evaluate("window.__oldPc = window.__huizhen.media.neg.pc")
    county.evaluate("window.__huizhen.ctx.conn.ws.close()")
    county.wait_for_function(
        "document.querySelector('#status-overlay').dataset.status === 'reconnecting'"
    )
    county.wait_for_function(
        "document.querySelector('#status-overlay').dataset.status === 'connected'",
        timeout=WAIT_MS,
    )
    frames_advance(county, f"{tile('dr-li')} video")
    hears_sound(county)
    frames_advance(county, f"{tile('dr-li', 'screen')} video")
    restarted = "[window.__huizhen.media.neg.pc !== __oldPc, __oldPc.connectionState]"
    assert county.evaluate(restarted) == [True, "closed"]
    frames_advance(host, f"{tile('dr-wang')} video")  # Dr Wang publishes again, too

    host.click("[data-action='toggle-mic']")
    county.locator(f"{tile('dr-li')}.mic-muted .mic-off-icon").wait_for(timeout=WAIT_MS)
    trainee.locator(f"{tile('dr-li')}.mic-muted").wait_for(timeout=WAIT_MS)
    shot(county, "call-county")

    forged = trainee.evaluate(FORGE_JS)
    assert forged["code"] == "forbidden", forged
    assert published(call_server, "trainee") == set()
    frames_advance(trainee, f"{tile('dr-li')} video")  # its own call is untouched
    assert county.locator(tile("trainee")).count() == 0

    host.click("[data-action='toggle-camera']")
    county.locator(f"{tile('dr-li')}.camera-off .camera-off-icon").wait_for(timeout=WAIT_MS)
    assert county.locator(f"{tile('dr-li')} video").is_hidden()
    assert host.evaluate("window.__huizhen.media.local.camera === undefined")  # light off
    host.click("[data-action='toggle-screen']")
    county.locator(tile("dr-li", "screen")).wait_for(state="detached", timeout=WAIT_MS)
    host.click("[data-action='leave-call']")
    county.locator(tile("dr-li")).wait_for(state="detached", timeout=WAIT_MS)
    deadline = time.monotonic() + WAIT_MS / 1000
    while published(call_server, "dr-li"):  # the closed connection ends Dr Li's server peer
        assert time.monotonic() < deadline, "Dr Li's tracks are still forwarded after leaving"
        host.wait_for_timeout(100)


# An observer's page offers a send section with its real microphone over its own room
# connection: what a modified client could do.
FORGE_JS = """async () => {
  const pc = new RTCPeerConnection({iceServers: []});
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  pc.addTransceiver(stream.getAudioTracks()[0], {direction: 'sendonly'});
  await pc.setLocalDescription(await pc.createOffer());
  const offer = {type: 'rtc_offer', sdp: pc.localDescription.sdp};
  const result = await window.__huizhen.ctx.conn.send(offer);
  pc.close();
  stream.getTracks().forEach((t) => t.stop());
  return result;
}"""


def test_raised_hand_gets_the_floor(call_pages: Pages, call_server: LiveServer) -> None:
    host = call_pages.open("dr-li", Role.HOST, name="Dr Li")
    trainee = call_pages.open("trainee", Role.OBSERVER, name="Trainee", locale="zh-CN")
    join(host)
    join(trainee)
    assert trainee.locator("[data-action='toggle-mic']").count() == 0
    trainee.click("#hand-btn")
    host.click(".floor-row[data-participant='trainee'] [data-action='give-floor']")
    mic = trainee.locator("[data-action='toggle-mic']")
    mic.wait_for(timeout=WAIT_MS)
    assert mic.inner_text() == "开麦"  # zh-CN labels
    mic.click()
    trainee.locator("[data-action='toggle-mic'][aria-pressed='true']").wait_for(timeout=WAIT_MS)
    host.locator(tile("trainee")).wait_for(timeout=WAIT_MS)
    hears_sound(host)
    assert published(call_server, "trainee") == {"mic"}

    host.click(".floor-row[data-participant='trainee'] [data-action='take-floor']")
    mic.wait_for(state="detached", timeout=WAIT_MS)
    host.locator(tile("trainee")).wait_for(state="detached", timeout=WAIT_MS)
    assert published(call_server, "trainee") == set()

    # The floor again: the revoked sections stay inactive, so the page starts a new connection.
    trainee.click("#hand-btn")
    host.click(".floor-row[data-participant='trainee'] [data-action='give-floor']")
    mic.click()
    host.locator(tile("trainee")).wait_for(timeout=WAIT_MS)
    hears_sound(host)
    assert published(call_server, "trainee") == {"mic"}

    # Kicked while listening: the call ends on the kicked page and on the server.
    assert trainee.locator("#media-audio audio").count() == 1
    kicked = host.evaluate(
        "window.__huizhen.ctx.send({type: 'kick', participant: 'trainee', reason: 'test'})"
    )
    assert kicked["ok"], kicked
    trainee.wait_for_function("!window.__huizhen.media.inCall", timeout=WAIT_MS)
    assert trainee.locator("#media-audio audio, .media-tile").count() == 0
    assert trainee.locator("[data-action='join-call']").count() == 1
    room = sfu_of(call_server).rooms[RoomId(ROOM)]
    deadline = time.monotonic() + WAIT_MS / 1000
    while ParticipantId("trainee") in room.peers:  # the SFU's leave runs off the room task
        assert time.monotonic() < deadline, "the kicked participant's peer stayed"
        host.wait_for_timeout(100)


def test_the_call_uses_the_rooms_turn_servers(
    live_server_factory: Callable[..., LiveServer],
    web_dist: Path,
    ct_case: CtCase,
    call_browser: Browser,
) -> None:
    """A county browser behind NAT needs the TURN server: the page's peer connection gets the
    room's list, with credentials minted for this participant (``GET /api/session/ice``)."""
    turn = IceServer(("turn:127.0.0.1:3478?transport=udp",))
    server = live_server_factory(
        web_dist=web_dist,
        hooks=[*room_hooks(ct_case), sfu_lifespan],
        ice_servers=(turn,),
        turn_secret="coturn-static-auth-secret",
    )
    pages = Pages(server, call_browser)
    try:
        trainee = pages.open("trainee", Role.OBSERVER)
        join(trainee)
        config = trainee.evaluate("window.__huizhen.media.neg.pc.getConfiguration().iceServers")
    finally:
        pages.close()
    assert [s["urls"] for s in config] == [list(turn.urls)]
    assert config[0]["username"].endswith(":trainee") and config[0]["credential"]
