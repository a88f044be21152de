"""A recording is written by its room's node; a trainee reaches it through any node (real
processes, real Redis): the list, the recording, a viewer token and the recorded images."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pydicom
import pytest
from nodeproc import running_nodes
from pydicom.data import get_testdata_file
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import token

from session.commands import SetRecording

pytestmark = [pytest.mark.redis, pytest.mark.slow]
MR, CT = (Path(str(get_testdata_file(n))) for n in ("MR_small.dcm", "CT_small.dcm"))


async def listed(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The cluster's recordings once every one is complete (its manifest written)."""
    async with asyncio.timeout(20):  # a safety net, not a timing assertion
        while True:
            recordings: list[dict[str, Any]] = (await http.get("/api/recordings")).json()[
                "recordings"
            ]
            if recordings and all(r["status"] == "complete" for r in recordings):
                return recordings
            await asyncio.sleep(0.1)


async def test_a_recording_on_one_node_is_played_through_another(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("teach", "Knee MR")
        a.stow([MR, CT])
        mr, ct = pydicom.dcmread(MR), pydicom.dcmread(CT)
        with b.admin() as admin:
            assert admin.post("/api/rooms/teach/studies", json={"uid": mr.StudyInstanceUID})
        host_token = token("teach", "lead")
        lead = await RoomClient.connect(b.ws_url, host_token)  # bridged: the room is on a
        assert (await lead.reply(await lead.send(SetRecording(True))))["type"] == "ack"
        assert (await lead.reply(await lead.send(SetRecording(False))))["type"] == "ack"
        await lead.close()

        as_host = {"Authorization": f"Bearer {host_token}"}
        async with httpx.AsyncClient(base_url=b.base_url, headers=as_host, timeout=10) as http:
            [recording] = await listed(http)  # written on a, listed through b
            assert recording["room"] == "teach"
            one = await http.get(f"/api/recordings/{recording['id']}")
            assert one.status_code == 200 and "chapters" in one.json()
            minted = await http.post(f"/api/recordings/{recording['id']}/viewer-tokens", json={})
            assert minted.status_code == 201, minted.text
            missing = await http.get("/api/recordings/teach-20260101T000000-abcdef")
            assert (missing.status_code, missing.json()["code"]) == (404, "not_found")

        viewer = {"Authorization": f"Bearer {minted.json()['token']}"}
        async with httpx.AsyncClient(base_url=b.base_url, headers=viewer, timeout=10) as http:
            state = await http.get(f"/api/recordings/{recording['id']}/state", params={"t": 0})
            assert state.status_code == 200, state.text
            shown = await http.get(f"/dicom-web/studies/{mr.StudyInstanceUID}/metadata")
            assert shown.status_code == 200
            assert shown.json()[0]["0020000D"]["Value"] == [mr.StudyInstanceUID]
            other = await http.get(f"/dicom-web/studies/{ct.StudyInstanceUID}/metadata")
            assert other.status_code == 403  # stored on a, but never shown in the recording
