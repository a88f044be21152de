"""``huizhen serve`` as a real process on one data dir, for restart tests (``kill -9`` or
SIGTERM, then start again on the same port and data dir).

No keys are passed in: the server makes ``<data dir>/secrets.json`` on first start and
reuses it, so invites minted before a restart are checked by the restarted server with the
keys it reads back from disk (``mint`` reads the same file)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from livetools import free_port

from server.settings import settings_from_env
from server.tokens import KeyRing, mint_room_token
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.data_dir = workdir / "var"
        self._log_path = workdir / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._web_dist: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def start(self, web_dist: Path | None = None) -> None:
        """Start (again): ``web_dist`` is remembered for the restarts."""
        self._web_dist = web_dist or self._web_dist
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
        env.update(
            HUIZHEN_LOG_LEVEL="warning",
            HUIZHEN_WEB_DIST=str(self._web_dist or self.data_dir.parent / "no-dist"),
            HUIZHEN_MEDIA_ADDRESSES="127.0.0.1",
            PYTHONPATH=str(ROOT),
        )
        args = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--data-dir", str(self.data_dir)]
        with self._log_path.open("ab") as log:  # the child keeps its own fd
            self._proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log_text()[-3000:]}")
            time.sleep(0.1)

    def log_text(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs at all."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM (no wait): the graceful restart path."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30) -> int:
        assert self._proc is not None
        return self._proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def admin(self) -> httpx.Client:
        api_key = settings_from_env(data_dir=self.data_dir).with_secrets().api_key
        headers = {"Authorization": f"Bearer {api_key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def create_room(self, room_id: str, title: str = "") -> str:
        with self.admin() as client:
            client.post("/api/rooms", json={"id": room_id, "title": title}).raise_for_status()
        return room_id

    def mint(
        self, room: str, identity: str, role: Role, grants: frozenset[Grant] | None = None
    ) -> str:
        keys = KeyRing(settings_from_env(data_dir=self.data_dir).with_secrets().signing_keys)
        return mint_room_token(
            keys,
            room=RoomId(room),
            identity=ParticipantId(identity),
            name=identity,
            role=role,
            grants=grants,
            ttl_s=3600.0,
        )


@contextlib.contextmanager
def running_server(workdir: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
