"""``huizhen serve --certfile --keyfile`` as a real process: HTTPS and WSS on one port with a
self-signed certificate made here, HSTS on every answer, the policy's WebSocket source wss.
Also ``/metrics``: behind the API key on the main port, or alone on ``HUIZHEN_METRICS_BIND``."""

from __future__ import annotations

import contextlib
import os
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from livetools import TEST_API_KEY, TEST_KEYS, LiveServer, free_port
from room_client import RoomClient
from serveproc import ROOT, ServeProcess
from tlstools import self_signed

from server.tokens import KeyRing, mint_room_token
from session.grants import Role
from session.ids import ParticipantId, RoomId


class TlsServeProcess(ServeProcess):
    """``ServeProcess`` over HTTPS: health-checked with the test's own certificate."""

    def __init__(self, port: int, workdir: Path, trust: ssl.SSLContext) -> None:
        super().__init__(port, workdir / "var", workdir / "server.log", "tls server")
        self.trust = trust

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/healthz", verify=self.trust).status_code == 200:
                    return
            assert time.monotonic() < deadline, self.log_text()[-3000:]
            time.sleep(0.1)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServeProcess]:
    certfile, keyfile = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(certfile))
    process = TlsServeProcess(free_port(), tmp_path, trust)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
    env.update(
        HUIZHEN_LOG_LEVEL="warning",
        HUIZHEN_WEB_DIST=str(tmp_path / "no-dist"),
        HUIZHEN_API_KEY=TEST_API_KEY,
        HUIZHEN_SECRET_KEYS=",".join(f"{k.kid}:{k.secret}" for k in TEST_KEYS),
        PYTHONPATH=str(ROOT),
    )
    process.launch(env, ["--certfile", str(certfile), "--keyfile", str(keyfile)])
    try:
        yield process
    finally:
        process.stop()
        process.wait()


async def test_https_and_wss_with_hsts(tls_server: TlsServeProcess) -> None:
    admin = {"Authorization": f"Bearer {TEST_API_KEY}"}
    async with httpx.AsyncClient(base_url=tls_server.base_url, verify=tls_server.trust) as http:
        created = await http.post("/api/rooms", json={"id": "tls"}, headers=admin)
        assert created.status_code == 201, created.text
        page = await http.get("/")
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    assert f"wss://127.0.0.1:{tls_server.port}" in page.headers["content-security-policy"]
    token = mint_room_token(
        KeyRing(TEST_KEYS),
        room=RoomId("tls"),
        identity=ParticipantId("dr-li"),
        name="Dr Li",
        role=Role.HOST,
        ttl_s=600,
    )
    url = f"wss://127.0.0.1:{tls_server.port}/ws"
    client = await RoomClient.connect(url, token, ssl=tls_server.trust)
    assert client.welcome["type"] == "welcome"
    await client.ws.close()
    async with httpx.AsyncClient(timeout=5) as plain:
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not spoken on the TLS port
            await plain.get(f"http://127.0.0.1:{tls_server.port}/healthz")


async def test_metrics_need_the_api_key(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        anonymous = await http.get("/metrics")
        assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")
        room_token = live_server.mint("any", "dr-li", Role.HOST)
        with_token = await http.get("/metrics", headers={"Authorization": f"Bearer {room_token}"})
        assert with_token.status_code == 401
        admin = {"Authorization": f"Bearer {live_server.settings.api_key}"}
        scraped = await http.get("/metrics", headers=admin)
        assert scraped.status_code == 200 and "huizhen_rooms" in scraped.text


async def test_metrics_on_their_own_address(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    metrics_port = free_port()
    server = live_server_factory(metrics_bind=f"127.0.0.1:{metrics_port}")
    server.create_room("counted")
    async with httpx.AsyncClient() as http:
        admin = {"Authorization": f"Bearer {server.settings.api_key}"}
        main = await http.get(server.base_url + "/metrics", headers=admin)
        assert (main.status_code, main.json()["code"]) == (404, "not_found")
        scraped = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert scraped.status_code == 200 and "huizhen_rooms 1.0" in scraped.text
        other = await http.get(f"http://127.0.0.1:{metrics_port}/api/rooms", headers=admin)
        assert other.status_code == 404  # the metrics address serves nothing else
