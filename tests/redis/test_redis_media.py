"""Media in a room whose clients are on different nodes (real processes, real Redis, aiortc).

A bridged client's WebRTC signalling travels to the room's node, whose SFU answers with its
own candidates: every participant's media meets in that one SFU, whichever node the room
WebSocket is on. Without the relay, a publisher on node B and a viewer on node A would each
talk to their own node's SFU and never see each other.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiortc.mediastreams import AudioStreamTrack
from nodeproc import NodeProcess, running_nodes
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import token
from test_sfu import Participant

from server.sfu.ice import host_addresses
from session.grants import Role

sys.path.insert(0, str(Path(__file__).parents[1] / "sfu"))
from sfu_peers import PatternTrack, received

pytestmark = [pytest.mark.redis, pytest.mark.slow]
ROOM = "case-media"


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with host_addresses(["127.0.0.1"]):  # the aiortc clients in this process
        yield


async def joined(node: NodeProcess, who: str, role: Role) -> Participant:
    return Participant(await RoomClient.connect(node.ws_url, token(ROOM, who, role)))


async def test_a_bridged_publisher_reaches_viewers_on_both_nodes(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room(ROOM)  # hosted on a: b's clients are bridged
        county = await joined(b, "county", Role.PARTICIPANT)
        lead = await joined(a, "lead", Role.HOST)
        trainee = await joined(b, "trainee", Role.OBSERVER)
        try:
            await county.media.publish(AudioStreamTrack(), PatternTrack())
            await asyncio.wait_for(county.media.answered.wait(), 10)
            assert county.media.errors == []
            for viewer in (lead, trainee):
                await viewer.media.offer()
                await asyncio.wait_for(viewer.media.answered.wait(), 10)
                # Decoded frames of the bridged publisher's camera, on the room's node's SFU.
                frames = await received(viewer.media.queue("county", "camera"), 5, within=20)
                assert len(frames) == 5
                assert viewer.media.errors == []

            # An observer's publish, relayed like any signal, is refused by the room's node.
            await trainee.media.publish(PatternTrack())
            await asyncio.wait_for(trainee.media.answered.wait(), 10)
            assert [e["code"] for e in trainee.media.errors] == ["forbidden"]
        finally:
            for participant in (county, lead, trainee):
                await participant.close()
        assert "Traceback" not in a.log_text() + b.log_text()
