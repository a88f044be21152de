"""``huizhen serve`` as a real process on one data dir, for restart tests (``kill -9`` or
SIGTERM, then start again on the same port and data dir).

No keys are passed in: the server makes ``<data dir>/secrets.json`` on first start and
reuses it, so invites minted before a restart are checked by the restarted server with the
keys it reads back from disk (``mint`` reads the same file)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
from livetools import free_port
from serveproc import ROOT, ServeProcess

from server.settings import settings_from_env
from server.tokens import KeyRing, mint_room_token
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId


class ServerProcess(ServeProcess):
    def __init__(self, workdir: Path) -> None:
        super().__init__(free_port(), workdir / "var", workdir / "server.log", "server")
        self._web_dist: Path | None = None

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
        self.launch(env)

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
