"""A ban is room state: it survives the room's node dying (kill -9) and holds on the node that
takes the room over; every node refuses the banned identity (real processes, real Redis)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from nodeproc import running_nodes
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import reconnect, token

from session.codec import CloseCode, encode_hello
from session.commands import Kick, LiftBan
from session.grants import Role
from session.ids import ParticipantId

pytestmark = [pytest.mark.redis, pytest.mark.slow]


async def refused_join(url: str, tok: str) -> int | None:
    client = await RoomClient.open(url)
    await client.ws.send(encode_hello(tok))
    code, _ = await client.closed()
    return code


async def test_a_ban_survives_the_failover_of_its_room(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("case-1", "Chest CT")
        lead_token = token("case-1", "lead")
        doc_token = token("case-1", "doc", Role.PARTICIPANT)
        lead = await RoomClient.connect(a.ws_url, lead_token)
        doc = await RoomClient.connect(b.ws_url, doc_token)  # bridged to a
        kicked = await lead.reply(await lead.send(Kick(ParticipantId("doc"))))
        assert kicked["type"] == "ack"
        assert (await doc.closed())[0] == CloseCode.KICKED
        assert await refused_join(b.ws_url, doc_token) == CloseCode.BANNED
        async with httpx.AsyncClient(base_url=b.base_url, timeout=10) as http:
            headers = {"Authorization": f"Bearer {doc_token}"}
            read = await http.get("/dicom-web/studies", headers=headers)  # forwarded to a
            assert (read.status_code, read.json()["code"]) == (403, "banned")

        a.kill()
        lead2 = await reconnect([b], lead_token, resume_from=kicked["seq"])
        assert await refused_join(b.ws_url, doc_token) == CloseCode.BANNED
        lifted = await lead2.reply(await lead2.send(LiftBan(ParticipantId("doc"))))
        assert lifted["type"] == "ack"
        back = await RoomClient.connect(b.ws_url, doc_token)
        assert back.welcome["you"] == "doc"
        await back.close()
        await lead2.close()
