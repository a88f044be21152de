"""Several real server processes on one real redis-server: a room survives ``kill -9`` of
its node; clients resume on another node with their last seq and lose nothing acked."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from livetools import TEST_KEYS
from nodeproc import NodeProcess, running_nodes
from redisproc import RedisProcess
from room_client import RoomClient
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.tokens import KeyRing, mint_room_token
from session.codec import state_from_wire
from session.commands import CreateAnnotation, PostChat
from session.grants import Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef

IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))
FAILOVER_BUDGET_S = 5.0  # issue 7: "clients resume on another node within 5 s"


def token(room: str, who: str, role: Role = Role.HOST) -> str:
    return mint_room_token(
        KeyRing(TEST_KEYS),
        room=RoomId(room),
        identity=ParticipantId(who),
        name=who,
        role=role,
        ttl_s=600.0,
    )


def annotation(i: int) -> CreateAnnotation:
    points = ((0.0, 0.0), (float(i), 1.0))
    return CreateAnnotation(AnnotationId(f"ann-{i}"), AnnotationKind.LENGTH, IMAGE, points)


async def acked(client: RoomClient, command: CreateAnnotation | PostChat) -> int:
    reply = await client.reply(await client.send(command))
    assert reply["type"] == "ack", reply
    seq: int = reply["seq"]
    return seq


async def reconnect(nodes: list[NodeProcess], tok: str, resume_from: int) -> RoomClient:
    """Try every live node until one hosts the room again (a client's retry loop)."""
    deadline = time.monotonic() + FAILOVER_BUDGET_S
    while True:
        for node in nodes:
            try:
                return await RoomClient.connect(node.ws_url, tok, resume_from=resume_from)
            except (ConnectionClosed, InvalidStatus, OSError):
                pass
        assert time.monotonic() < deadline, "no node took the room over in time"
        await asyncio.sleep(0.1)


async def test_kill_9_of_the_rooms_node_loses_nothing(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("case-1", "Chest CT")
        lead_token = token("case-1", "lead")
        lead = await RoomClient.connect(a.ws_url, lead_token)
        seqs = [await acked(lead, annotation(i)) for i in range(5)]
        last = await acked(lead, PostChat("the last thing acked"))
        assert seqs == sorted(seqs) and last > seqs[-1]

        a.kill()
        lead2 = await reconnect([b], lead_token, resume_from=last)
        welcome = lead2.welcome
        assert welcome["seq"] >= last  # seq continues from where node A stopped

        # everything acked on A is in the room B rebuilt
        fresh = await RoomClient.connect(b.ws_url, token("case-1", "county", Role.PARTICIPANT))
        state = state_from_wire(fresh.welcome["snapshot"])
        assert sorted(state.annotations) == [f"ann-{i}" for i in range(5)]
        assert state.chat[-1].text == "the last thing acked"

        after = await acked(lead2, PostChat("on node B"))
        assert after > welcome["seq"]
        await lead2.close()
        await fresh.close()
