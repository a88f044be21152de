"""A recording-viewer token (a trainee's) reads over DICOMweb exactly the studies its room
showed while recording — even once they are detached from the live room — and nothing else:
not another room's study, not one attached after the recording, never a write."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pydicom
from livetools import LiveServer, eventually
from pydicom.data import get_testdata_file
from rec_support import RoomClient

from recorder.format import RECORDINGS_DIR, Status, read_manifest
from server.cases.store import StudyStore
from server.tokens import TokenKind
from session.commands import SetRecording
from session.grants import Role
from session.ids import RoomId

CT, MR, J2K = (
    Path(str(get_testdata_file(n))) for n in ("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm")
)


async def wait_complete(server: LiveServer) -> None:
    root = server.settings.data_dir / RECORDINGS_DIR

    def complete() -> bool:
        dirs = [d for d in root.iterdir() if d.is_dir()] if root.exists() else []
        try:
            return len(dirs) == 1 and read_manifest(dirs[0]).status is Status.COMPLETE
        except OSError:
            return False  # the directory is there, its manifest not yet

    await eventually(complete)


def attach(server: LiveServer, room: str, ds: pydicom.Dataset) -> None:
    with server.admin() as admin:
        response = admin.post(f"/api/rooms/{room}/studies", json={"uid": ds.StudyInstanceUID})
        assert response.status_code == 201, response.text


def dicomweb(server: LiveServer, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=f"{server.base_url}/dicom-web", headers=headers, timeout=30)


def mint_viewer(server: LiveServer, room: str) -> str:
    """What the room's host does for a trainee: a viewer token for the room's recording."""
    headers = {"Authorization": f"Bearer {server.mint(room, 'host', Role.HOST)}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as as_host:
        [recording] = as_host.get("/api/recordings").json()["recordings"]
        minted = as_host.post(f"/api/recordings/{recording['id']}/viewer-tokens", json={})
    assert minted.status_code == 201, minted.text
    token: str = minted.json()["token"]
    return token


async def test_viewer_token_reads_only_the_recorded_rooms_studies(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    store: StudyStore = server.state.studies
    assert store.import_paths([CT, MR, J2K]).ok
    ct, mr, j2k = (pydicom.dcmread(p) for p in (CT, MR, J2K))
    room, other = server.create_room("teach"), server.create_room("other")
    attach(server, room, ct)
    attach(server, other, mr)
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    assert (await host.reply(await host.send(SetRecording(True))))["type"] == "ack"
    assert (await host.reply(await host.send(SetRecording(False))))["type"] == "ack"
    await host.close()
    await wait_complete(server)
    with server.admin() as admin:  # the live room moves on: CT detached, J2K attached
        assert admin.delete(f"/api/rooms/{room}/studies/{ct.StudyInstanceUID}").status_code == 204
    attach(server, room, j2k)

    viewer = mint_viewer(server, room)
    series = f"/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}"
    instance = f"{series}/instances/{ct.SOPInstanceUID}"
    with dicomweb(server, viewer) as http:
        found = {s["0020000D"]["Value"][0] for s in http.get("/studies").json()}
        assert found == {ct.StudyInstanceUID}, "QIDO lists the recorded study only"
        assert http.get(f"/studies/{ct.StudyInstanceUID}/metadata").status_code == 200
        whole = http.get(
            instance, headers={"Accept": 'multipart/related; type="application/dicom"'}
        )
        assert whole.status_code == 200 and ct.SOPInstanceUID.encode() in whole.content
        rendered = http.get(instance + "/rendered", headers={"Accept": "image/png"})
        assert rendered.status_code == 200 and rendered.content[:4] == b"\x89PNG"
        assert http.get(instance + "/thumbnail", headers={"Accept": "image/png"}).status_code == 200
        assert http.get(f"/studies/{mr.StudyInstanceUID}/metadata").status_code == 403
        assert http.get(f"/studies/{j2k.StudyInstanceUID}/metadata").status_code == 403
        stow = http.post(
            "/studies",
            content=b"--b\r\nContent-Type: application/dicom\r\n\r\n"
            + MR.read_bytes()
            + b"\r\n--b--\r\n",
            headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=b'},
        )
        assert stow.status_code == 401, "a viewer token never writes"
    live = server.state.rooms.get(RoomId(room))
    assert live is not None and mr.StudyInstanceUID not in live.room.snapshot().state.studies

    past = time.time() - 7200
    expired = server.mint(room, "v", kind=TokenKind.RECORDING_VIEWER, ttl_s=60, now=past)
    head, payload, signature = viewer.split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    for refused in (expired, forged):
        with dicomweb(server, refused) as http:
            assert http.get(f"/studies/{ct.StudyInstanceUID}/metadata").status_code == 401
            assert http.get("/studies").status_code == 401
    other_viewer = server.mint(other, "v", kind=TokenKind.RECORDING_VIEWER)
    with dicomweb(server, other_viewer) as http:  # a room that recorded nothing shows nothing
        assert http.get(f"/studies/{mr.StudyInstanceUID}/metadata").status_code == 403
        assert http.get("/studies").json() == []
