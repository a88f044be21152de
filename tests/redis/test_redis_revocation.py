"""A revocation made on one node holds on every node (real processes, real Redis): node B
refuses the token over HTTP and at the hello, and closes its live sockets with 4014, because
the entry reached it over pub/sub — well before the 10 s resync."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from livetools import eventually
from nodeproc import running_nodes
from redisproc import RedisProcess
from room_client import RoomClient

from server.redis.revocations import RESYNC_S
from session.codec import CloseCode, encode_hello

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def session_code(base_url: str, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(base_url + "/api/session", headers=headers, timeout=10)
    return "ok" if response.is_success else str(response.json()["code"])


def refresh_code(base_url: str, invite: str) -> str:
    headers = {"Authorization": f"Bearer {invite}"}
    response = httpx.post(base_url + "/api/token", headers=headers, timeout=10)
    return "ok" if response.is_success else str(response.json()["code"])


async def test_revoked_on_node_a_is_refused_and_closed_on_node_b(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        b.create_room("rv")  # hosted by B: B answers for it from its own list
        with a.admin() as admin:
            made = admin.post("/api/rooms/rv/invites", json={"name": "Dr Li", "identity": "li"})
            link = made.raise_for_status().json()
            wang = admin.post("/api/rooms/rv/invites", json={"name": "Wang", "identity": "wang"})
        on_b = await RoomClient.connect(b.ws_url, link["access_token"])
        bridged = await RoomClient.connect(a.ws_url, link["access_token"])  # replaces on_b
        assert (await on_b.closed())[0] == CloseCode.REPLACED
        on_b = await RoomClient.connect(b.ws_url, wang.json()["access_token"])
        assert session_code(b.base_url, link["access_token"]) == "ok"

        with a.admin() as admin:
            admin.post("/api/revocations", json={"identity": "li"}).raise_for_status()
        revoked_at = time.monotonic()
        await eventually(
            lambda: session_code(b.base_url, link["access_token"]) == "token_revoked",
            within=RESYNC_S / 2,  # sooner than any resync: pub/sub carried it
        )
        print(f"node B refused the token {time.monotonic() - revoked_at:.3f} s after the revoke")
        assert (await bridged.closed())[0] == CloseCode.TOKEN_REVOKED
        refused = await RoomClient.open(b.ws_url)
        await refused.ws.send(encode_hello(link["access_token"], None))
        assert (await refused.closed())[0] == CloseCode.TOKEN_REVOKED
        assert refresh_code(b.base_url, link["token"]) == "token_revoked"
        assert session_code(b.base_url, wang.json()["access_token"]) == "ok"
        await on_b.close()


async def test_a_live_socket_on_node_b_is_closed_by_a_revocation_on_node_a(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("rv2")
        with b.admin() as admin:
            made = admin.post("/api/rooms/rv2/invites", json={"name": "Li", "identity": "li"})
            link = made.raise_for_status().json()
        on_b = await RoomClient.connect(b.ws_url, link["access_token"])  # bridged to A
        with a.admin() as admin:
            admin.post("/api/revocations", json={"jti": link["jti"]}).raise_for_status()
            listed = admin.get("/api/revocations").json()["revocations"]
        code, reason = await on_b.closed()
        assert code == CloseCode.TOKEN_REVOKED and link["jti"] in reason
        with b.admin() as admin:  # the same list on both nodes
            assert admin.get("/api/revocations").json()["revocations"] == listed
            lifted = admin.delete(f"/api/revocations/{listed[0]['id']}")
            assert lifted.status_code == 204
        await eventually(lambda: session_code(a.base_url, link["access_token"]) == "ok", within=5)
