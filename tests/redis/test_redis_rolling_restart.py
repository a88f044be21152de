"""A rolling restart of one node in Redis mode moves its rooms first (issue 13): on SIGTERM
the node hands each room to another live node, and only then tells its clients to come back
(1012 + ``resume_from``); they reconnect to the new node and resume with no gap."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from nodeproc import running_nodes
from redis.asyncio import Redis
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import acked, annotation, reconnect, token

from server.redis import keys
from session.codec import CloseCode, resume_hint
from session.commands import PostChat
from session.grants import Role
from session.ids import RoomId

pytestmark = [pytest.mark.redis, pytest.mark.slow]
ROOM = RoomId("case-13")


async def owner(redis: Redis, room_id: RoomId) -> str | None:
    value = await redis.get(keys.room_owner(room_id))
    return None if value is None else bytes(value).decode()


async def until_owned_by(redis: Redis, node_id: str) -> float:
    """When (monotonic) the room's owner became ``node_id``."""
    async with asyncio.timeout(20):  # a safety net, not a timing assertion
        while await owner(redis, ROOM) != node_id:  # noqa: ASYNC110 - another process sets it
            await asyncio.sleep(0.01)
    return time.monotonic()


def seqs(client: RoomClient) -> list[int]:
    return [int(m["seq"]) for m in client.events()]


async def test_sigterm_moves_the_room_before_clients_are_told_to_go(
    redis_proc: RedisProcess, redis_client: Redis, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room(ROOM, "Chest CT")
        b_id = b.node_id
        lead_token, county_token = token(ROOM, "lead"), token(ROOM, "county", Role.PARTICIPANT)
        lead = await RoomClient.connect(a.ws_url, lead_token)
        county = await RoomClient.connect(a.ws_url, county_token)
        last = max([await acked(lead, annotation(i)) for i in range(5)])
        await county.until_seq(last)
        assert await owner(redis_client, ROOM) == a.node_id

        watcher = asyncio.create_task(until_owned_by(redis_client, b_id))
        sigterm_at = time.monotonic()
        stopping = asyncio.create_task(asyncio.to_thread(a.stop))
        closes = await asyncio.gather(lead.closed(), county.closed())
        # The room is hosted by b before (or as) a's clients hear 1012.
        assert await owner(redis_client, ROOM) == b_id
        owned_at = await watcher
        print(f"\nSIGTERM to the room owned by node b: {owned_at - sigterm_at:.3f} s")
        for code, reason in closes:
            assert code == CloseCode.SERVICE_RESTART and resume_hint(reason) is not None

        # Straight to b, once: the room is there already, no "try again later".
        lead2 = await RoomClient.connect(b.ws_url, lead_token, resume_hint(closes[0][1]))
        county2 = await RoomClient.connect(b.ws_url, county_token, resume_hint(closes[1][1]))
        after = await acked(lead2, PostChat("on node b"))
        await county2.until_seq(after)
        await stopping

        # Every event once and in order, across the two connections of each client.
        for first, second in ((lead, lead2), (county, county2)):
            seen = seqs(first) + seqs(second)
            assert seen == sorted(set(seen)), seen
            assert seen[-1] == after
        whole = seqs(county) + seqs(county2)
        assert whole == list(range(whole[0], after + 1)), whole  # no gap for a watcher
        assert "rooms moved" in a.log_text()
        await lead2.close()
        await county2.close()


async def test_sigterm_alone_moves_nothing_and_the_room_comes_back(
    redis_proc: RedisProcess, redis_client: Redis, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 1) as (a,):
        a.create_room(ROOM)
        lead_token = token(ROOM, "lead")
        lead = await RoomClient.connect(a.ws_url, lead_token)
        last = await acked(lead, annotation(0))
        stopping = asyncio.create_task(asyncio.to_thread(a.stop))
        code, reason = await lead.closed()
        assert code == CloseCode.SERVICE_RESTART and resume_hint(reason) == last
        await stopping
        assert "rooms moved" not in a.log_text()  # nowhere to go: as before

        a.start()  # the restarted node takes the room back from Redis
        lead2 = await reconnect([a], lead_token, resume_from=last)
        assert lead2.welcome["seq"] >= last
        after = await acked(lead2, PostChat("back"))
        assert after > last
        await lead2.close()
