"""Shared test helpers: a free port, a live uvicorn server on 127.0.0.1, token minting.

Imported by tests as ``from livetools import ...`` (a plain module, so that the several
``conftest.py`` files never shadow each other); the fixtures live in ``tests/conftest.py``.

``live_server`` starts the real app (``server.app.create_app``) under uvicorn in a background
thread on a free loopback port with a temporary data dir and known keys; ``live_server_factory``
does the same with settings overrides (e.g. ``limits=Limits(...)``, ``web_dist=...``) and
lifespan ``hooks``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from server.app import create_app
from server.appstate import AppState
from server.settings import Limits, Settings, SigningKey
from server.tokens import KeyRing, TokenKind, mint_room_token
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId

TEST_API_KEY = "test-api-key-0123456789abcdef"
TEST_KEYS = (
    SigningKey("k2", "active-secret-0123456789abcdef-0123456789"),
    SigningKey("k1", "older-secret-0123456789abcdefgh-0123456789"),
)


async def eventually(check: Callable[[], bool], within: float = 15.0) -> None:
    """Poll a condition another thread or library makes true, with no event to wait on.

    ``within`` is a safety net against hangs, not a timing assertion.
    """
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 - no shared Event: set by the server thread or aiortc
            await asyncio.sleep(0.02)


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
"""Headless Debian Chromium for tests: no sandbox/GPU/background traffic, fake media devices."""

WEBRTC_FLAGS = [
    *CHROMIUM_FLAGS,
    "--allow-loopback-in-peer-connection",  # the SFU's only ICE candidate is 127.0.0.1
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
"""``CHROMIUM_FLAGS`` plus what a WebRTC call with the SFU on loopback needs."""


def chromium_path() -> str | None:
    """The Debian package's Chromium (never ``playwright install``), or None."""
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def wait_for_port(port: int, within: float = 20.0) -> None:
    """Poll until something accepts TCP on 127.0.0.1:``port`` (a safety net, not a timing)."""
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        assert time.monotonic() < deadline, f"nothing listens on port {port}"
        time.sleep(0.05)


def wait_healthy(
    port: int, process: subprocess.Popen[Any], within: float = 120.0
) -> dict[str, object]:
    """Poll a server subprocess's ``/healthz`` until it answers 200; its JSON body.

    ``within`` is a hang guard, not a speed check: a start took > 30 s with both cores busy."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited"
        with contextlib.suppress(httpx.TransportError):
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if response.status_code == 200:
                health: dict[str, object] = response.json()
                return health
        time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    base = Settings(
        host="127.0.0.1",
        port=0,
        data_dir=tmp_path / "var",
        web_dist=tmp_path / "no-dist",
        signing_keys=TEST_KEYS,
        api_key=TEST_API_KEY,
        limits=Limits(hello_timeout_s=2.0),
    )
    return replace(base, **overrides)


class LoopbackUrls:
    """The URLs of a server listening on ``127.0.0.1:port`` (in-process or a child)."""

    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"


@dataclass
class LiveServer(LoopbackUrls):
    """A running server. ``state`` is the app's state (read it only between awaits)."""

    settings: Settings
    app: Starlette
    port: int
    _server: uvicorn.Server = field(repr=False)

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.huizhen
        return state

    def mint(
        self,
        room: str,
        identity: str,
        role: Role = Role.PARTICIPANT,
        *,
        name: str | None = None,
        grants: frozenset[Grant] | None = None,
        ttl_s: float = 3600.0,
        now: float | None = None,
        kind: TokenKind = TokenKind.ROOM,
    ) -> str:
        return mint_room_token(
            KeyRing(self.settings.signing_keys),
            room=RoomId(room),
            identity=ParticipantId(identity),
            name=name or identity,
            role=role,
            ttl_s=ttl_s,
            grants=grants,
            kind=kind,
            now=now,
        )

    def admin(self) -> httpx.Client:
        """An HTTP client carrying the admin API key."""
        headers = {"Authorization": f"Bearer {self.settings.api_key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def create_room(self, room_id: str | None = None, title: str = "") -> str:
        body: dict[str, str] = {"title": title} | ({"id": room_id} if room_id else {})
        with self.admin() as client:
            response = client.post("/api/rooms", json=body)
        response.raise_for_status()
        created: str = response.json()["id"]
        return created


@contextlib.contextmanager
def run_live_server(settings: Settings, **app_kwargs: Any) -> Iterator[LiveServer]:
    from server.cli import uvicorn_config

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = replace(settings, port=port)
    app = create_app(settings, **app_kwargs)
    config = uvicorn_config(settings, app)
    config.log_level = "warning"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.01)
    try:
        yield LiveServer(settings, app, port, server)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
