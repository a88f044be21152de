"""TURN for browsers behind a hospital's NAT: ``GET /api/session/ice`` hands a room's browsers
the STUN/TURN servers, with time-limited credentials that a real coturn (``use-auth-secret``,
started here on loopback) accepts — and refuses when minted with another secret."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from livetools import LiveServer, free_port, wait_for_port

from server.settings import IceServer
from server.sfu.ice import host_addresses
from server.sfu.turn import TURN_TTL_S, browser_servers
from session.grants import Role

SECRET = "coturn-static-auth-secret-for-tests"
STUN = IceServer(("stun:stun.example.org:3478",))
STATIC = IceServer(("turn:static.example.org",), "user", "pass")


def test_servers_for_browsers() -> None:
    minted = IceServer(("turn:t.example.org:3478?transport=udp", "turns:t.example.org:443"))
    servers = browser_servers((STUN, STATIC, minted), SECRET, "dr-wang", 1_900_000_000.9)
    assert servers[0] == {"urls": ["stun:stun.example.org:3478"]}
    assert servers[1] == {
        "urls": ["turn:static.example.org"],
        "username": "user",
        "credential": "pass",
    }
    assert servers[2]["username"] == "1900000000:dr-wang"
    expected = hmac.new(SECRET.encode(), b"1900000000:dr-wang", hashlib.sha1).digest()
    assert base64.b64decode(servers[2]["credential"]) == expected
    # Without a secret a TURN server without credentials is useless to a browser: left out.
    assert browser_servers((STUN, minted), "", "dr-wang", 1.0) == [servers[0]]


async def test_only_a_room_token_gets_credentials(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    turn = IceServer(("turn:127.0.0.1:3478",))
    server = live_server_factory(ice_servers=(STUN, turn), turn_secret=SECRET)
    room = server.create_room("nat")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await http.get("/api/session/ice")).status_code == 401
        forged = {"Authorization": "Bearer not-a-token"}
        assert (await http.get("/api/session/ice", headers=forged)).status_code == 401
        headers = {"Authorization": f"Bearer {server.mint(room, 'dr-wang', Role.PARTICIPANT)}"}
        body = (await http.get("/api/session/ice", headers=headers)).json()
    servers = body["ice_servers"]
    assert [s["urls"] for s in servers] == [list(STUN.urls), list(turn.urls)]
    assert time.time() < body["expires_at"] <= time.time() + TURN_TTL_S
    assert servers[1]["username"].endswith(":dr-wang")
    assert SECRET not in str(body)


@contextlib.contextmanager
def running_coturn(workdir: Path) -> Iterator[int]:
    path = shutil.which("turnserver")
    if path is None:
        pytest.skip("coturn is not installed")
    port = free_port()
    args = [path, "-n", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1"]
    args += ["--listening-port", str(port), "--use-auth-secret", "--static-auth-secret", SECRET]
    args += ["--realm", "huizhen.test", "--no-tls", "--no-dtls", "--no-cli"]
    args += ["--allow-loopback-peers", "--min-port", "49152", "--max-port", "65535"]
    args += ["--log-file", str(workdir / "turn.log"), "--simple-log", "--no-stdout-log"]
    args += ["--pidfile", str(workdir / "turn.pid")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def relay_candidates(servers: list[dict[str, Any]]) -> list[str]:
    """Gather as a browser would with these servers; the relayed candidates it got."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[RTCIceServer(**s) for s in servers]))
    try:
        pc.addTransceiver("audio")
        with host_addresses(["127.0.0.1"]):
            await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        return [line for line in sdp.splitlines() if "typ relay" in line]
    finally:
        await pc.close()


async def test_coturn_accepts_the_minted_credentials(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    with running_coturn(tmp_path) as port:
        turn = IceServer((f"turn:127.0.0.1:{port}?transport=udp",))
        server = live_server_factory(ice_servers=(turn,), turn_secret=SECRET)
        room = server.create_room("county")
        headers = {"Authorization": f"Bearer {server.mint(room, 'dr-wang', Role.PARTICIPANT)}"}
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            servers = (await http.get("/api/session/ice", headers=headers)).json()["ice_servers"]
        relayed = await relay_candidates(servers)
        assert relayed and all(" 127.0.0.1 " in line for line in relayed), relayed

        forged = browser_servers((turn,), "another-secret", "dr-wang", time.time() + 600)
        assert await relay_candidates(forged) == []  # coturn refuses the allocation
