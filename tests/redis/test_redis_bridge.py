"""Clients of one room on different nodes (real processes, real Redis): the room lives on
one node, the others bridge to it; everyone sees the same events in the same order."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from nodeproc import NodeProcess, running_nodes
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import acked, annotation, reconnect, token

from session.commands import PostChat
from session.grants import Role

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def room_node(node: NodeProcess, room_token: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {room_token}"}
    response = httpx.get(node.base_url + "/api/session/node", headers=headers, timeout=10)
    response.raise_for_status()
    body: dict[str, object] = response.json()
    return body


def event_log(client: RoomClient) -> list[tuple[int, str]]:
    return [(m["seq"], m["type"]) for m in client.events()]


async def test_clients_on_three_nodes_see_the_same_ordered_events(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 3) as (a, b, c):
        a.create_room("case-2")
        lead = await RoomClient.connect(a.ws_url, token("case-2", "lead"))
        county = await RoomClient.connect(b.ws_url, token("case-2", "county", Role.PARTICIPANT))
        trainee = await RoomClient.connect(c.ws_url, token("case-2", "trainee", Role.OBSERVER))
        assert county.welcome["room"] == trainee.welcome["room"] == "case-2"
        # media goes to the room's node: every node tells where that is
        for node, here in ((a, True), (b, False), (c, False)):
            where = room_node(node, token("case-2", "county", Role.PARTICIPANT))
            assert (where["url"], where["here"]) == (a.base_url, here)

        last = 0
        for i in range(3):
            last = max(last, await acked(lead, annotation(i)))
            last = max(last, await acked(county, PostChat(f"from node b {i}")))
        # the observer may not annotate: refused by the room's node, answered through the bridge
        reply = await trainee.reply(await trainee.send(annotation(99)))
        assert reply["type"] == "error" and reply["code"] == "forbidden"

        for client in (lead, county, trainee):
            await client.until_seq(last)
        since = max(c.welcome["seq"] for c in (lead, county, trainee))  # all three in
        logs = [[e for e in event_log(c) if e[0] > since] for c in (lead, county, trainee)]
        assert logs[0] == logs[1] == logs[2]
        assert [seq for seq, _ in logs[0]] == list(range(since + 1, last + 1))
        for client in (lead, county, trainee):
            await client.close()


async def test_a_bridged_client_resumes_after_the_rooms_node_is_killed(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("case-3")
        county_token = token("case-3", "county", Role.PARTICIPANT)
        county = await RoomClient.connect(b.ws_url, county_token)  # bridged to node a
        last = await acked(county, PostChat("acked through the bridge"))
        a.kill()
        code, reason = await county.closed()
        assert code == 1001 and f"resume_from={last}" in reason
        again = await reconnect([b], county_token, resume_from=last)
        assert again.welcome["seq"] >= last
        assert await acked(again, PostChat("after failover")) > again.welcome["seq"]
        await again.close()
