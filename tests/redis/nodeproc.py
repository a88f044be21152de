"""huizhen server processes (``python -m server serve --redis URL``) for multi-node tests.

Each node is a real process on a free loopback port; ``kill()`` is ``kill -9``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
from livetools import TEST_API_KEY, TEST_KEYS, free_port
from serveproc import ServeProcess


class NodeProcess(ServeProcess):
    def __init__(
        self, redis_url: str, workdir: Path, name: str, web_dist: Path | None = None
    ) -> None:
        node_dir = workdir / name
        node_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(free_port(), node_dir / "var", node_dir / "server.log", f"node {name}")
        self._web_dist = web_dist
        self.name = name
        self._redis_url = redis_url
        self._workdir = node_dir

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            HUIZHEN_SECRET_KEYS=",".join(f"{k.kid}:{k.secret}" for k in TEST_KEYS),
            HUIZHEN_API_KEY=TEST_API_KEY,
            HUIZHEN_LOG_LEVEL="warning",
            HUIZHEN_WEB_DIST=str(self._web_dist or self._workdir / "no-dist"),
            HUIZHEN_MEDIA_ADDRESSES="127.0.0.1",  # the SFU's candidates: loopback only
        )
        self.launch(env, ["--redis", self._redis_url])

    def admin(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TEST_API_KEY}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

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
