"""Placing rooms on the least loaded node, and one address for everything (real processes,
real Redis): the admin API, invites and DICOMweb of a room work through any node."""

from __future__ import annotations

from pathlib import Path

import httpx
import pydicom
import pytest
from nodeproc import NodeProcess, running_nodes
from pydicom.data import get_testdata_file
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import token

from session.codec import CloseCode
from session.grants import Role

pytestmark = [pytest.mark.redis, pytest.mark.slow]
MR = Path(str(get_testdata_file("MR_small.dcm")))


def hosted(node: NodeProcess) -> int:
    rooms: int = httpx.get(node.base_url + "/healthz", timeout=10).json()["rooms"]
    return rooms


def test_new_rooms_go_to_the_least_loaded_node(redis_proc: RedisProcess, tmp_path: Path) -> None:
    with running_nodes(redis_proc.url, tmp_path, 3) as nodes:
        a = nodes[0]
        ids = {node.node_id: node for node in nodes}
        placed: dict[str, str] = {}
        with a.admin() as admin:
            for i in range(6):
                reply = admin.post("/api/rooms", json={"id": f"r{i}", "title": f"Case {i}"})
                assert reply.status_code == 201, reply.text
                node = reply.json()["node"]
                assert node["url"] == ids[node["id"]].base_url
                placed[f"r{i}"] = node["id"]
            # Each placement saw the last one's load: two rooms per node, none all on a.
            assert sorted(hosted(node) for node in nodes) == [2, 2, 2]
            assert sorted(placed.values()) == sorted(list(ids) * 2)

            listed = {room["id"]: room for room in admin.get("/api/rooms").json()["rooms"]}
            assert set(listed) == set(placed)
            assert listed["r3"]["title"] == "Case 3"
            mine = {r for r, node in placed.items() if node == nodes[0].node_id}
            assert {r for r, room in listed.items() if room.get("here", True)} == mine

            pinned = admin.post("/api/rooms", json={"id": "p", "node": nodes[2].node_id})
            assert pinned.json()["node"]["id"] == nodes[2].node_id and hosted(nodes[2]) == 3
            unknown = admin.post("/api/rooms", json={"id": "q", "node": "no-such-node"})
            assert (unknown.status_code, unknown.json()["code"]) == (400, "bad_request")
            taken = admin.post("/api/rooms", json={"id": "r1"})
            assert (taken.status_code, taken.json()["code"]) == (409, "conflict")


async def test_a_room_on_another_node_is_managed_and_read_through_any_node(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    with running_nodes(redis_proc.url, tmp_path, 3) as (a, b, c):
        b.create_room("case-b", "Knee MR")
        c.create_room("case-c")
        b.stow([MR])  # the case is in b's study store, where its room lives
        study = pydicom.dcmread(MR).StudyInstanceUID
        with a.admin() as admin:
            # Admin calls through a reach the room on b.
            assert admin.get("/api/rooms/case-b").json()["title"] == "Knee MR"
            attach = admin.post("/api/rooms/case-b/studies", json={"uid": study})
            assert attach.status_code == 201, attach.text
            invite = admin.post("/api/rooms/case-b/invites", json={"name": "Dr Wang"})
            assert invite.status_code == 201, invite.text
            assert admin.get("/api/rooms/nowhere").status_code == 404

        # A room token's DICOMweb through c is answered by b, with b's bytes.
        path = f"/dicom-web/studies/{study}/metadata"
        ward = {"Authorization": f"Bearer {token('case-b', 'county', Role.PARTICIPANT)}"}
        other = {"Authorization": f"Bearer {token('case-c', 'county', Role.PARTICIPANT)}"}
        async with httpx.AsyncClient(timeout=10) as http:
            via_c = await http.get(c.base_url + path, headers=ward)
            direct = await http.get(b.base_url + path, headers=ward)
            assert via_c.status_code == 200 and via_c.content == direct.content
            assert via_c.json()[0]["0020000D"]["Value"] == [study]
            refused = await http.get(a.base_url + path, headers=other)  # case-c lacks it
            assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
            session = (await http.get(c.base_url + "/api/session", headers=ward)).json()
            assert (session["room_exists"], session["room_title"]) == (True, "Knee MR")

        # The invite's access token works on any node; closing through a ends the room on b.
        county = await RoomClient.connect(c.ws_url, invite.json()["access_token"])
        assert study in str(county.welcome["snapshot"]["studies"])
        with a.admin() as admin:
            assert admin.delete("/api/rooms/case-b").json()["closed"] is True
        assert (await county.closed())[0] == CloseCode.ROOM_CLOSED
