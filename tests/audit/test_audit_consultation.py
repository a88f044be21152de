"""A scripted consultation over real uvicorn, websockets and DICOMweb: the audit lists every
join, annotation, control handover, kick, read (aggregated per series), recording and token,
its chain verifies, and an edited or deleted entry is named by ``verify``."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import Any

import httpx
import pydicom
import pytest
from livetools import LiveServer
from pydicom.data import get_testdata_file

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from room_client import RoomClient

from server.audit.chain import canonical
from server.audit.store import FILE_NAME
from session.commands import (
    Command,
    CreateAnnotation,
    DeleteAnnotation,
    GrantControl,
    Kick,
    SetRecording,
    UpdateAnnotation,
)
from session.grants import Role
from session.ids import AnnotationId, ParticipantId, Uid
from session.model import AnnotationKind, ImageRef

CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))
ROOM = "audit-room"


async def act(client: RoomClient, command: Command) -> int:
    reply = await client.reply(await client.send(command))
    assert reply["type"] == "ack", reply
    seq: int = reply["seq"]
    return seq


def series_path(ds: pydicom.Dataset) -> str:
    return f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"


def frame_path(ds: pydicom.Dataset) -> str:
    return f"{series_path(ds)}/instances/{ds.SOPInstanceUID}/frames/1"


async def consultation(server: LiveServer) -> tuple[pydicom.Dataset, pydicom.Dataset]:
    report = server.state.studies.import_paths([CT, MR])
    assert report.ok, report.errors
    ct, mr = pydicom.dcmread(CT), pydicom.dcmread(MR)
    server.create_room(ROOM, "Audit")
    with server.admin() as admin:
        for ds in (ct, mr):
            answer = admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": ds.StudyInstanceUID})
            assert answer.status_code == 201, answer.text
        invite = admin.post(
            f"/api/rooms/{ROOM}/invites", json={"identity": "county", "name": "County doctor"}
        ).json()
    host = await RoomClient.connect(server.ws_url, server.mint(ROOM, "expert", Role.HOST))
    county = await RoomClient.connect(server.ws_url, invite["access_token"])  # an invite buys it
    troll = await RoomClient.connect(server.ws_url, server.mint(ROOM, "troll"))
    uids = (str(ct.StudyInstanceUID), str(ct.SeriesInstanceUID), str(ct.SOPInstanceUID))
    image = ImageRef(*(Uid(u) for u in uids))
    points = ((10.0, 10.0), (40.0, 40.0))
    await act(host, CreateAnnotation(AnnotationId("a1"), AnnotationKind.LENGTH, image, points))
    await act(host, UpdateAnnotation(AnnotationId("a1"), 1, ((10.0, 10.0), (50.0, 50.0))))
    await act(host, DeleteAnnotation(AnnotationId("a1"), 2))
    await act(host, GrantControl(ParticipantId("county")))
    await act(host, Kick(ParticipantId("troll")))
    await troll.closed()
    await act(host, SetRecording(True))
    headers = {"Authorization": f"Bearer {invite['access_token']}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as http:
        for _ in range(3):
            answer = await http.get(series_path(ct) + "/metadata")
            assert answer.status_code == 200, answer.text
        for _ in range(2):
            answer = await http.get(frame_path(mr), headers={"Accept": "*/*"})
            assert answer.status_code == 200, answer.text
    await act(host, SetRecording(False))
    await county.ws.close()
    await host.ws.close()
    return ct, mr


def get(server: LiveServer, path: str, **params: Any) -> Any:
    with server.admin() as admin:
        answer = admin.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def actions(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["action"], e["actor"]) for e in entries]


async def test_the_audit_lists_a_whole_consultation(live_server: LiveServer) -> None:
    ct, mr = await consultation(live_server)
    entries = get(live_server, "/api/audit", room=ROOM)["entries"]
    seen = actions(entries)
    for expected in [
        ("study.attached", "system"),
        ("token.minted", "admin"),
        ("participant.joined", "expert"),
        ("participant.joined", "county"),
        ("annotation.created", "expert"),
        ("annotation.updated", "expert"),
        ("annotation.deleted", "expert"),
        ("control.changed", "expert"),
        ("participant.kicked", "expert"),
        ("recording.started", "expert"),
        ("recording.stopped", "expert"),
        ("series.read", "county"),
        ("participant.offline", "county"),
    ]:
        assert expected in seen, (expected, seen)
    kicked = next(e for e in entries if e["action"] == "participant.kicked")
    assert kicked["subject"] == {"participant": "troll"} and kicked["role"] == "host"
    minted = next(e for e in entries if e["action"] == "token.minted")
    assert minted["subject"]["participant"] == "county" and minted["subject"]["jti"]
    attached = [e for e in entries if e["action"] == "study.attached"]
    assert {e["subject"]["patient"] for e in attached} == {ct.PatientID, mr.PatientID}

    reads = get(live_server, "/api/audit/reads", room=ROOM)["reads"]
    counts = {(r["actor"], r["subject"]["series"]): r["count"] for r in reads}
    assert counts == {("county", ct.SeriesInstanceUID): 3, ("county", mr.SeriesInstanceUID): 2}
    ct_read = next(r for r in reads if r["subject"]["series"] == ct.SeriesInstanceUID)
    assert ct_read["first"] <= ct_read["last"] and ct_read["subject"]["patient"] == ct.PatientID
    # not per frame: two entries at most per key (the first read, then the counted rest)
    assert sum(1 for e in entries if e["action"] == "series.read") <= 4

    by_patient = get(live_server, "/api/audit", patient=mr.PatientID)["entries"]
    assert {e["action"] for e in by_patient} == {"study.attached", "series.read"}
    by_person = get(live_server, "/api/audit", person="troll")["entries"]
    assert {e["action"] for e in by_person} >= {"participant.joined", "participant.kicked"}
    assert get(live_server, "/api/audit/verify")["ok"] is True


def _rows(server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(server.settings.data_dir / FILE_NAME, isolation_level=None)


async def test_an_edited_entry_fails_verification_by_name(live_server: LiveServer) -> None:
    await consultation(live_server)
    assert get(live_server, "/api/audit/verify")["ok"] is True
    with _rows(live_server) as db:
        seq, text = db.execute(
            "SELECT seq, body FROM entries WHERE body LIKE '%participant.kicked%'"
        ).fetchone()
        body = __import__("json").loads(text)
        body["actor"] = "county"  # blame someone else
        db.execute("UPDATE entries SET body = ? WHERE seq = ?", (canonical(body), seq))
    verdict = get(live_server, "/api/audit/verify")
    assert verdict["ok"] is False
    (chain,) = verdict["chains"]
    assert chain["problem"]["seq"] == seq and "edited" in chain["problem"]["reason"]


async def test_a_deleted_entry_fails_verification_by_name(live_server: LiveServer) -> None:
    await consultation(live_server)
    with _rows(live_server) as db:
        (seq,) = db.execute(
            "SELECT seq FROM entries WHERE body LIKE '%annotation.deleted%'"
        ).fetchone()
        db.execute("DELETE FROM entries WHERE seq = ?", (seq,))
    (chain,) = get(live_server, "/api/audit/verify")["chains"]
    assert chain["problem"]["seq"] == seq + 1
    assert f"{seq}..{seq} missing" in chain["problem"]["reason"]


@pytest.mark.parametrize("path", ["/api/audit", "/api/audit/reads", "/api/audit/verify"])
def test_the_audit_endpoints_need_the_api_key(live_server: LiveServer, path: str) -> None:
    token = live_server.mint(ROOM, "expert", Role.HOST)
    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        answer = httpx.get(live_server.base_url + path, headers=headers)
        assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"


def test_bad_filters_are_refused(live_server: LiveServer) -> None:
    with live_server.admin() as admin:
        for params in ({"since": "yesterday"}, {"format": "xml"}):
            answer = admin.get("/api/audit", params=params)
            assert answer.status_code == 400 and answer.json()["code"] == "bad_request"
        csv = admin.get("/api/audit", params={"format": "csv", "since": "2020-01-01T00:00"})
    assert csv.status_code == 200 and csv.text.startswith("time,at,chain,seq")


async def test_recording_reads_viewer_tokens_exports_and_deletes(
    live_server: LiveServer,
) -> None:
    ct, _ = await consultation(live_server)
    host = {"Authorization": f"Bearer {live_server.mint(ROOM, 'expert', Role.HOST)}"}
    async with httpx.AsyncClient(base_url=live_server.base_url, headers=host) as http:
        await eventually_complete(http)
        [recording] = (await http.get("/api/recordings")).json()["recordings"]
        one = f"/api/recordings/{recording['id']}"
        for _ in range(2):
            assert (await http.get(one)).status_code == 200
        assert (await http.post(one + "/viewer-tokens", json={})).status_code == 201
        exported = await http.post(one + "/teaching-copy", json={})
        assert exported.status_code == 200, exported.text
        assert (await http.delete(one)).status_code == 204
        redaction = f"/api/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}/redaction"
        assert (await http.put(redaction, json={"rectangles": [[0, 0, 8, 8]]})).status_code == 200
    entries = get(live_server, "/api/audit", room=ROOM, person="expert")["entries"]
    by_action = {e["action"]: e for e in entries}
    assert by_action["recording.deleted"]["subject"] == {"recording": recording["id"]}
    assert by_action["export.teaching_copy"]["subject"] == {"recording": recording["id"]}
    viewer = [e for e in entries if e["action"] == "token.minted"]
    assert [e["details"]["kind"] for e in viewer] == ["recording-viewer"]
    assert by_action["redaction.set"]["subject"]["patient"] == ct.PatientID
    reads = get(live_server, "/api/audit/reads", room=ROOM, person="expert")["reads"]
    [watched] = [r for r in reads if r["action"] == "recording.read"]
    assert watched["subject"] == {"recording": recording["id"]} and watched["count"] >= 4
    assert get(live_server, "/api/audit/verify")["ok"] is True


async def eventually_complete(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(20):  # a safety net, not a timing assertion
        while True:
            listed = (await http.get("/api/recordings")).json()["recordings"]
            if listed and all(r["status"] == "complete" for r in listed):
                return
            await asyncio.sleep(0.05)


async def test_the_rooms_moderators_see_its_access_log(live_server: LiveServer) -> None:
    ct, mr = await consultation(live_server)
    path = f"{live_server.base_url}/api/rooms/{ROOM}/audit/reads"

    def as_(token: str | None) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.get(path, headers=headers)

    answer = as_(live_server.mint(ROOM, "expert", Role.HOST))
    assert answer.status_code == 200, answer.text
    counts = {r["subject"]["series"]: r["count"] for r in answer.json()["reads"]}
    assert counts == {ct.SeriesInstanceUID: 3, mr.SeriesInstanceUID: 2}
    refused = as_(live_server.mint(ROOM, "county"))  # a participant: no moderate grant
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert as_(live_server.mint("elsewhere", "expert", Role.HOST)).status_code == 401
    assert as_(None).status_code == 401
    viewed = get(live_server, "/api/audit", action="audit.viewed")["entries"]
    assert [(e["actor"], e["room"]) for e in viewed] == [("expert", ROOM)]


def test_refreshes_and_revocations_are_audited(live_server: LiveServer) -> None:
    room = live_server.create_room("audit-tokens")
    with live_server.admin() as admin:
        invite = admin.post(f"/api/rooms/{room}/invites", json={"name": "li", "identity": "li"})
        assert invite.status_code == 201, invite.text
        link = invite.json()["token"]
        refreshed = httpx.post(
            live_server.base_url + "/api/token", headers={"Authorization": f"Bearer {link}"}
        )
        assert refreshed.status_code == 200, refreshed.text
        revoked = admin.post("/api/revocations", json={"identity": "li", "room": room})
        assert revoked.status_code == 201, revoked.text
    entries = get(live_server, "/api/audit", room=room)["entries"]
    minted = [e["subject"]["jti"] for e in entries if e["action"] == "token.minted"]
    assert len(minted) >= 2 and len(set(minted)) == len(minted)  # the invite and the refresh
    (revocation,) = [e for e in entries if e["action"] == "token.revoked"]
    assert (revocation["actor"], revocation["subject"]) == ("admin", {"participant": "li"})
    assert get(live_server, "/api/audit/verify")["ok"] is True
