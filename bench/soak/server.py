"""The server under soak: ``huizhen serve`` on a temp data dir, killed and restarted in place."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.fanout.procstat import cpu_seconds, rss_bytes
from bench.fanout.servers import ROOT, free_port
from server.settings import parse_signing_keys
from server.tokens import KeyRing, mint_room_token
from session.grants import Role
from session.ids import ParticipantId, RoomId


class SoakServer:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.log = log
        self.api_key = secrets.token_urlsafe(24)
        self.key_text = f"soak:{secrets.token_urlsafe(32)}"
        self.keys = KeyRing(parse_signing_keys(self.key_text))
        self.proc: subprocess.Popen[bytes] | None = None
        self.cpu_before = 0.0  # CPU of earlier processes (before a restart)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start (again, same port and data dir); returns seconds until /healthz answered."""
        started = time.monotonic()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HUIZHEN_SECRET_KEYS": self.key_text,
            "HUIZHEN_API_KEY": self.api_key,
            "HUIZHEN_LOG_LEVEL": "warning",
        }
        args = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--data-dir", str(self.data_dir)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)

    def restart(self, how: str) -> float:
        """``kill`` (-9) or ``term`` (SIGTERM, wait for exit); returns the downtime in s."""
        assert self.proc is not None
        down = time.monotonic()
        self.cpu_before += self.cpu()
        self.proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.start()
        return time.monotonic() - down

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu(self) -> float:
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)

    def rss(self) -> int:
        assert self.proc is not None
        return rss_bytes(self.proc.pid)

    def create_room(self, room_id: str) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        reply = httpx.post(
            self.base_url + "/api/rooms", json={"id": room_id, "title": room_id}, headers=headers
        )
        reply.raise_for_status()

    def mint(self, room: str, who: str, role: Role, ttl_s: float) -> str:
        return mint_room_token(
            self.keys,
            room=RoomId(room),
            identity=ParticipantId(who),
            name=who,
            role=role,
            ttl_s=ttl_s,
        )
