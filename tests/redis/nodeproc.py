"""huizhen server processes (``python -m server serve --redis URL``) for multi-node tests.

Each node is a real process on a free loopback port; ``kill()`` is ``kill -9``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
from livetools import TEST_API_KEY, TEST_KEYS, free_port

ROOT = Path(__file__).resolve().parents[2]


class NodeProcess:
    def __init__(
        self, redis_url: str, workdir: Path, name: str, web_dist: Path | None = None
    ) -> None:
        self.port = free_port()
        self._web_dist = web_dist
        self.name = name
        self._redis_url = redis_url
        self._workdir = workdir / name
        self._workdir.mkdir(parents=True, exist_ok=True)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            HUIZHEN_SECRET_KEYS=",".join(f"{k.kid}:{k.secret}" for k in TEST_KEYS),
            HUIZHEN_API_KEY=TEST_API_KEY,
            HUIZHEN_LOG_LEVEL="warning",
            HUIZHEN_WEB_DIST=str(self._web_dist or self._workdir / "no-dist"),
            HUIZHEN_MEDIA_ADDRESSES="127.0.0.1",  # the SFU's candidates: loopback only
        )
        args = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--data-dir", str(self._workdir / "var")]
        args += ["--redis", self._redis_url]
        with (self._workdir / "server.log").open("ab") as log:  # the child keeps its own fd
            self._proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"node {self.name} exited: {self.log_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"node {self.name} did not start")
            time.sleep(0.1)

    def log_text(self) -> str:
        path = self._workdir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs, the heartbeat just stops."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(timeout=10)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def admin(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TEST_API_KEY}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def stow(self, paths: Sequence[Path]) -> None:
        """Store DICOM files in this node's study store (STOW-RS, admin key)."""
        parts = [b"--b\r\nContent-Type: application/dicom\r\n\r\n" + p.read_bytes() for p in paths]
        body = b"\r\n".join(parts) + b"\r\n--b--\r\n"
        content_type = 'multipart/related; type="application/dicom"; boundary=b'
        with self.admin() as admin:
            reply = admin.post(
                "/dicom-web/studies", content=body, headers={"Content-Type": content_type}
            )
        assert reply.status_code == 200, reply.text

    @property
    def node_id(self) -> str:
        node: str = httpx.get(self.base_url + "/healthz", timeout=10).json()["node"]
        return node

    def create_room(self, room_id: str, title: str = "") -> None:
        """A room hosted by this node (pinned: placement would pick the least loaded)."""
        body = {"id": room_id, "title": title, "node": self.node_id}
        with self.admin() as client:
            client.post("/api/rooms", json=body).raise_for_status()


@contextlib.contextmanager
def running_nodes(
    redis_url: str, workdir: Path, count: int, web_dist: Path | None = None
) -> Iterator[list[NodeProcess]]:
    nodes = [NodeProcess(redis_url, workdir, f"node{i}", web_dist) for i in range(count)]
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()
