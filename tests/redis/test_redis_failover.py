"""Several real server processes on one real redis-server: a room survives ``kill -9`` of
its node; clients resume on another node with their last seq and lose nothing acked."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from livetools import TEST_KEYS
from nodeproc import NodeProcess, running_nodes
from redisproc import RedisProcess
from room_client import RoomClient
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.tokens import KeyRing, mint_room_token
from session.codec import CloseCode, resume_hint, state_from_wire
from session.commands import CreateAnnotation, PostChat
from session.grants import Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef

pytestmark = [pytest.mark.redis, pytest.mark.slow]

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


async def reconnect(
    nodes: list[NodeProcess],
    tok: str,
    resume_from: int | None,
    refusals: list[int | None] | None = None,
) -> RoomClient:
    """Try every live node until one hosts the room again (a client's retry loop); the close
    codes of the refused attempts go to ``refusals``."""
    deadline = time.monotonic() + FAILOVER_BUDGET_S
    last_error: Exception | None = None
    while True:
        for node in nodes:
            try:
                return await RoomClient.connect(node.ws_url, tok, resume_from=resume_from)
            except ConnectionClosed as exc:
                last_error = exc
                if refusals is not None:
                    refusals.append(exc.rcvd.code if exc.rcvd else None)
            except (InvalidStatus, OSError) as exc:
                last_error = exc
        assert time.monotonic() < deadline, f"no node took the room over in time: {last_error!r}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("how", ["kill -9", "SIGTERM"])
async def test_losing_the_rooms_node_loses_nothing(
    redis_proc: RedisProcess, tmp_path: Path, how: str
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("case-1", "Chest CT")
        lead_token = token("case-1", "lead")
        lead = await RoomClient.connect(a.ws_url, lead_token)
        seqs = [await acked(lead, annotation(i)) for i in range(5)]
        last = await acked(lead, PostChat("the last thing acked"))
        assert seqs == sorted(seqs) and last > seqs[-1]

        if how == "kill -9":
            a.kill()
        else:  # a clean shutdown: the node leaves at once, the room moves on
            await asyncio.to_thread(a.stop)
        refusals: list[int | None] = []
        lead2 = await reconnect([b], lead_token, resume_from=last, refusals=refusals)
        # While the room moves, b says "try again later", never "no such room" (a browser
        # stops reconnecting on 4004).
        assert set(refusals) <= {CloseCode.TRY_AGAIN_LATER}, refusals
        if how == "kill -9":  # a's beat outlives it by up to 2 s: b must have refused first
            assert refusals, "b let the client in before the room moved"
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


async def health(node: NodeProcess) -> tuple[int, dict[str, object]]:
    async with httpx.AsyncClient(base_url=node.base_url, timeout=5) as http:
        response = await http.get("/healthz")
    body: dict[str, object] = response.json()
    return response.status_code, body


async def until_health(node: NodeProcess, status: int) -> dict[str, object]:
    async with asyncio.timeout(20):  # a safety net, not a timing assertion
        while True:
            code, body = await health(node)
            if code == status:
                return body
            await asyncio.sleep(0.1)


async def test_redis_restarted_mid_session(redis_proc: RedisProcess, tmp_path: Path) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("case-4")
        lead_token = token("case-4", "lead")
        lead = await RoomClient.connect(a.ws_url, lead_token)
        county_token = token("case-4", "county", Role.PARTICIPANT)
        county = await RoomClient.connect(b.ws_url, county_token)  # bridged to a
        await acked(lead, annotation(0))

        redis_proc.stop()
        ref = await lead.send(annotation(1))  # applied by the room, held until logged
        body = await until_health(a, 503)
        assert body["status"] == "degraded"
        assert "redis" in body["failing"]  # type: ignore[operator]

        redis_proc.start()  # same port, and (no persistence) every key is gone
        # The bridge could not vouch for what it carried: county was closed to resume. Back
        # at once, before a has written its room back, it is told to retry, never "no room".
        code, reason = await county.closed()
        assert code == CloseCode.GOING_AWAY and "resume_from=" in reason
        refusals: list[int | None] = []
        county = await reconnect([b], county_token, resume_hint(reason), refusals)
        assert set(refusals) <= {CloseCode.TRY_AGAIN_LATER}, refusals
        await county.close()
        reply = await lead.reply(ref)
        assert reply["type"] == "ack"  # nothing dropped: the held ack arrives
        assert (await until_health(a, 200))["status"] == "ok"
        await until_health(b, 200)

        # node a wrote back what Redis forgot: the room still survives a's death
        a.kill()
        fresh = await reconnect([b], token("case-4", "county", Role.PARTICIPANT), None)
        state = state_from_wire(fresh.welcome["snapshot"])
        assert sorted(state.annotations) == ["ann-0", "ann-1"]
        await fresh.close()
