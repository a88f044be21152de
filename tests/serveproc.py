"""One ``python -m server serve`` child process on a free loopback port.

The restart tests (``durable/serverproc.py``) and the multi-node tests
(``redis/nodeproc.py``) both start, health-check, kill and stop real servers the
same way; they differ only in the environment and arguments, which they pass in.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
from livetools import LoopbackUrls

ROOT = Path(__file__).resolve().parents[1]


class ServeProcess(LoopbackUrls):
    """``start`` runs the server and returns once ``/healthz`` answers 200."""

    def __init__(self, port: int, data_dir: Path, log_path: Path, label: str) -> None:
        self.port = port
        self.data_dir = data_dir
        self.label = label
        self._log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def launch(self, env: Mapping[str, str], extra_args: Sequence[str] = ()) -> None:
        args = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--data-dir", str(self.data_dir), *extra_args]
        with self._log_path.open("ab") as log:  # the child keeps its own fd
            self._proc = subprocess.Popen(args, cwd=ROOT, env=dict(env), stdout=log, stderr=log)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited: {self.log_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.label} did not start: {self.log_text()[-3000:]}")
            time.sleep(0.1)

    def log_text(self) -> str:
        path = self._log_path
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs at all."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM (no wait): the graceful shutdown path."""
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
        raise NotImplementedError

    def stow(self, paths: Sequence[Path]) -> None:
        """Store DICOM files in this server's study store (STOW-RS, admin key)."""
        parts = [b"--b\r\nContent-Type: application/dicom\r\n\r\n" + p.read_bytes() for p in paths]
        body = b"\r\n".join(parts) + b"\r\n--b--\r\n"
        content_type = 'multipart/related; type="application/dicom"; boundary=b'
        with self.admin() as admin:
            reply = admin.post(
                "/dicom-web/studies", content=body, headers={"Content-Type": content_type}
            )
        assert reply.status_code == 200, reply.text
