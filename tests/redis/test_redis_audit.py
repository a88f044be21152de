"""The audit with several nodes (real processes, real Redis): each node writes its own chain
(its node id) to the shared Redis, any node lists and verifies them all, and an entry edited
in Redis is named by ``verify``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from nodeproc import NodeProcess, running_nodes
from redis.asyncio import Redis
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import token

from server.audit.chain import canonical
from session.commands import Kick
from session.grants import Role
from session.ids import ParticipantId

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def admin_get(node: NodeProcess, path: str) -> Any:
    with node.admin() as admin:
        answer = admin.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def joined_on_every_node(node: NodeProcess, want: set[str]) -> list[dict[str, Any]]:
    """The cluster's entries once every node's joins are there (each node writes its own)."""
    async with asyncio.timeout(20):  # a safety net, not a timing assertion
        while True:
            entries: list[dict[str, Any]] = admin_get(node, "/api/audit")["entries"]
            if {e["actor"] for e in entries if e["action"] == "participant.joined"} >= want:
                return entries
            await asyncio.sleep(0.1)


async def test_two_nodes_write_their_chains_and_any_node_verifies_all(
    redis_proc: RedisProcess, redis_client: Redis, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("ra")
        b.create_room("rb")
        for node in (a, b):
            with node.admin() as admin:
                room = "ra" if node is a else "rb"
                invite = admin.post(
                    f"/api/rooms/{room}/invites",
                    json={"identity": f"guest-{room}", "name": "Guest"},
                )
                assert invite.status_code == 201, invite.text
        host_a = await RoomClient.connect(a.ws_url, token("ra", "host-a"))
        host_b = await RoomClient.connect(a.ws_url, token("rb", "host-b"))  # bridged to b
        troll = await RoomClient.connect(b.ws_url, token("rb", "troll", Role.PARTICIPANT))
        assert (await host_b.reply(await host_b.send(Kick(ParticipantId("troll")))))[
            "type"
        ] == "ack"
        await troll.closed()
        entries = await joined_on_every_node(b, {"host-a", "host-b", "troll"})
        for client in (host_a, host_b):
            await client.ws.close()

        chain_of = {(e["action"], e["actor"], e["room"]): e["chain"] for e in entries}
        assert chain_of[("participant.joined", "host-a", "ra")] == a.node_id
        assert chain_of[("participant.joined", "host-b", "rb")] == b.node_id  # the room's node
        assert chain_of[("participant.kicked", "host-b", "rb")] == b.node_id
        minted = {e["room"]: e["chain"] for e in entries if e["action"] == "token.minted"}
        assert minted == {"ra": a.node_id, "rb": b.node_id}
        for node in (a, b):
            verdict = admin_get(node, "/api/audit/verify")
            assert verdict["ok"] is True
            assert {c["chain"] for c in verdict["chains"]} == {a.node_id, b.node_id}

        stream = f"hz:audit:{b.node_id}"
        stored = await redis_client.xrange(stream)
        body = json.loads(stored[1][1][b"text"])
        body["actor"] = "someone-else"
        stored[1][1][b"text"] = canonical(body).encode()
        await redis_client.delete(stream)  # a stream cannot be edited in place: rewrite it
        for entry_id, fields in stored:
            await redis_client.xadd(stream, fields, id=entry_id)
        verdict = admin_get(a, "/api/audit/verify")
        assert verdict["ok"] is False
        bad = next(c for c in verdict["chains"] if c["chain"] == b.node_id)
        assert bad["problem"]["seq"] == 2 and "edited" in bad["problem"]["reason"]
