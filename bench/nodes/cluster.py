"""A redis-server and K huizhen nodes sharing its URL and one set of keys (127.0.0.1 only)."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.fanout import servers

ROOM = "bench"


@dataclass
class Cluster:
    redis_port: int
    api_key: str
    nodes: list[servers.Running] = field(default_factory=list)

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start_node(self, workdir: Path, name: str, *, redis: bool = True) -> servers.Running:
        port = servers.free_port()
        spec = servers.SERVERS["huizhen"]
        command = spec.command(port, workdir / name)
        if redis:
            command += ["--redis", self.redis_url]
        with open(workdir / f"{name}.log", "wb") as out:
            process = subprocess.Popen(
                command, cwd=servers.ROOT, env=self._env(), stdout=out, stderr=subprocess.STDOUT
            )
        node = servers.Running(spec, port, process, self.api_key)
        servers.wait_listening(node)
        _wait_healthy(node)
        self.nodes.append(node)
        return node

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(servers.ROOT),
            "HUIZHEN_SECRET_KEYS": self._keys,
            "HUIZHEN_API_KEY": self.api_key,
            "HUIZHEN_LOG_LEVEL": "warning",
        }

    _keys: str = field(default_factory=lambda: f"bench:{secrets.token_urlsafe(32)}")


def _wait_healthy(node: servers.Running, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{node.port}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"node on port {node.port} not healthy")


@contextlib.contextmanager
def cluster(workdir: Path) -> Iterator[Cluster]:
    """Redis on a free port (temp dir, no persistence); every process stopped at the end."""
    port = servers.free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    redis = subprocess.Popen(
        [*args, "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    running = Cluster(port, secrets.token_urlsafe(24))
    try:
        _wait_port(port)
        yield running
    finally:
        for node in running.nodes:
            servers.stop(node.process)
        servers.stop(redis)


def _wait_port(port: int) -> None:
    import socket

    for _ in range(200):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")
