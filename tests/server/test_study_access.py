"""Issue 12, findings 1, 2 and 5 against the live server (real uvicorn, httpx, websockets):
a room cannot STOW into another room's study, nor attach a study it may not see, and a
series-restricted attach holds at every DICOMweb level."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import httpx
import pydicom
import pytest
from livetools import LiveServer
from pydicom.data import get_testdata_file
from room_client import RoomClient

from server.cases.store import Access, StudyStore, Uploader
from session.commands import AttachStudy
from session.grants import Role
from session.ids import RoomId, Uid

CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))
ROOM_A, ROOM_B = "radiology-a", "cardiology-b"
SECOND_SERIES = "1.2.826.0.1.3680043.8.498.77"
DICOM = 'multipart/related; type="application/dicom"; boundary=b0undary'


def _p10(ds: pydicom.Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _variant(source: Path, sop: str, series: str | None = None) -> pydicom.Dataset:
    """An instance of the same study (a forgery, or a second series) with a new SOP UID."""
    ds = pydicom.dcmread(source)
    ds.SOPInstanceUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    if series is not None:
        ds.SeriesInstanceUID = series
        ds.SeriesNumber = 2
    return ds


def _stow(client: httpx.Client, data: bytes, path: str = "/dicom-web/studies") -> httpx.Response:
    body = b"--b0undary\r\nContent-Type: application/dicom\r\n\r\n" + data
    body += b"\r\n--b0undary--\r\n"
    return client.post(path, content=body, headers={"Content-Type": DICOM})


@dataclass
class Rooms:
    server: LiveServer
    ct: pydicom.Dataset  # room A's study: two series (CT_small's and a second one)
    second: pydicom.Dataset  # the instance of the second series
    mr: pydicom.Dataset  # unowned: imported by the admin naming no room

    @property
    def store(self) -> StudyStore:
        return self.server.state.studies

    def http(self, room: str, role: Role = Role.HOST, who: str = "dr-x") -> httpx.Client:
        token = self.server.mint(room, who, role)
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.server.base_url, headers=headers, timeout=30)

    def state_of(self, room: str) -> tuple[int, dict[Uid, object]]:
        host = self.server.state.rooms.get(RoomId(room))
        assert host is not None
        snapshot = host.room.snapshot()
        return snapshot.seq, dict(snapshot.state.studies)


@pytest.fixture
def rooms(live_server: LiveServer) -> Iterator[Rooms]:
    ct, mr = pydicom.dcmread(CT), pydicom.dcmread(MR)
    second = _variant(CT, "1.2.826.0.1.3680043.8.498.78", SECOND_SERIES)
    store: StudyStore = live_server.state.studies
    owned = store.import_bytes(
        [("ct", CT.read_bytes()), ("second", _p10(second))], Uploader(ROOM_A, enforce=False)
    )
    assert owned.ok and owned.studies == (ct.StudyInstanceUID,)
    assert store.import_paths([MR]).ok
    live_server.create_room(ROOM_A, "Radiology")
    live_server.create_room(ROOM_B, "Cardiology")
    with live_server.admin() as admin:
        body = {"uid": ct.StudyInstanceUID}
        assert admin.post(f"/api/rooms/{ROOM_A}/studies", json=body).status_code == 201
    yield Rooms(live_server, ct, second, mr)


# --- finding 1: STOW into another room's study ---------------------------------------------
def test_stow_into_another_rooms_study_is_refused_new_or_duplicate(rooms: Rooms) -> None:
    study = rooms.ct.StudyInstanceUID
    before = rooms.state_of(ROOM_A)
    stored = [r.sop_uid for r in rooms.store.instances(study)]
    forged = _p10(_variant(CT, "1.2.826.0.1.3680043.8.498.666"))
    with rooms.http(ROOM_B) as b:
        for body in (forged, CT.read_bytes()):  # a new instance, then a duplicate
            for path in ("/dicom-web/studies", f"/dicom-web/studies/{study}"):
                answer = _stow(b, body, path)
                assert answer.status_code == 403, answer.text
                assert answer.json()["code"] == "study_owned_elsewhere"
        assert b.get(f"/dicom-web/studies/{study}/metadata").status_code == 403
    assert [r.sop_uid for r in rooms.store.instances(study)] == stored
    assert rooms.state_of(ROOM_A) == before
    assert rooms.state_of(ROOM_B)[1] == {}
    assert rooms.store.rooms_of(study) == {ROOM_A: Access.OWNER}


def test_stow_into_an_unowned_study_is_refused_and_the_api_key_may_store(rooms: Rooms) -> None:
    with rooms.http(ROOM_B) as b:
        refused = _stow(b, MR.read_bytes())
    assert (refused.status_code, refused.json()["code"]) == (403, "study_owned_elsewhere")
    forged = _p10(_variant(CT, "1.2.826.0.1.3680043.8.498.667"))
    with rooms.server.admin() as admin:
        stored = _stow(admin, forged)
    assert stored.status_code == 200, stored.text
    assert rooms.store.rooms_of(rooms.ct.StudyInstanceUID) == {ROOM_A: Access.OWNER}


def test_stow_by_the_owner_room_still_adds_to_its_study(rooms: Rooms) -> None:
    forged = _p10(_variant(CT, "1.2.826.0.1.3680043.8.498.668"))
    with rooms.http(ROOM_A) as a:
        answer = _stow(a, forged)
    assert answer.status_code == 200, answer.text


# --- finding 5: attach_study of a study the room may not see --------------------------------
async def test_attach_of_a_study_not_owned_or_shared_is_refused_to_the_sender(
    rooms: Rooms,
) -> None:
    server, study = rooms.server, str(rooms.ct.StudyInstanceUID)
    host_b = await RoomClient.connect(server.ws_url, server.mint(ROOM_B, "host-b", Role.HOST))
    viewer_b = await RoomClient.connect(server.ws_url, server.mint(ROOM_B, "viewer-b"))
    before = rooms.state_of(ROOM_B)
    try:
        for uid in (study, str(rooms.mr.StudyInstanceUID), "1.2.3.4.5.6"):
            error = await host_b.reply(await host_b.send(AttachStudy(Uid(uid))))
            assert (error["type"], error["code"]) == ("error", "study_owned_elsewhere")
        viewer_try = await viewer_b.reply(await viewer_b.send(AttachStudy(Uid(study))))
        assert viewer_try["code"] == "forbidden"  # no manage_case: the core answers, as before
        assert rooms.state_of(ROOM_B) == before
        with rooms.http(ROOM_A) as a:  # room A's host shares it with room B
            shared = a.post(f"/api/rooms/{ROOM_A}/studies/{study}/shares", json={"room": ROOM_B})
        assert shared.status_code == 201, shared.text
        ack = await host_b.reply(await host_b.send(AttachStudy(Uid(study))))
        assert ack["type"] == "ack"
        assert Uid(study) in rooms.state_of(ROOM_B)[1]
    finally:
        await host_b.ws.close()
        await viewer_b.ws.close()


async def test_an_admin_attach_lets_the_room_attach_again_after_a_detach(rooms: Rooms) -> None:
    server, uid = rooms.server, str(rooms.mr.StudyInstanceUID)
    with server.admin() as admin:
        assert admin.post(f"/api/rooms/{ROOM_B}/studies", json={"uid": uid}).status_code == 201
        assert admin.delete(f"/api/rooms/{ROOM_B}/studies/{uid}").status_code == 204
    host_b = await RoomClient.connect(server.ws_url, server.mint(ROOM_B, "host-b", Role.HOST))
    try:
        ack = await host_b.reply(await host_b.send(AttachStudy(Uid(uid))))
        assert ack["type"] == "ack"
    finally:
        await host_b.ws.close()


def test_only_an_owner_rooms_manager_or_the_admin_shares(rooms: Rooms) -> None:
    study = rooms.ct.StudyInstanceUID
    path = f"/api/rooms/{ROOM_A}/studies/{study}/shares"
    with rooms.http(ROOM_B) as b:  # a token of another room
        assert b.post(path, json={"room": ROOM_B}).json()["code"] == "forbidden"
        own = b.post(f"/api/rooms/{ROOM_B}/studies/{study}/shares", json={"room": ROOM_B})
        assert (own.status_code, own.json()["code"]) == (403, "study_owned_elsewhere")
    with rooms.http(ROOM_A, Role.PARTICIPANT) as viewer:
        assert viewer.post(path, json={"room": ROOM_B}).status_code == 403
    with rooms.http(ROOM_A) as a:
        assert a.post(path, json={"room": "not a room!"}).status_code == 400
        assert a.post(path, json={"room": ROOM_B}).status_code == 201
        assert a.get(path).json() == {"study": study, "owners": [ROOM_A], "shared": [ROOM_B]}
        assert a.delete(f"{path}/{ROOM_B}").status_code == 204
        assert a.delete(f"{path}/{ROOM_B}").status_code == 404
    with rooms.server.admin() as admin:
        unowned = f"/api/rooms/{ROOM_B}/studies/{rooms.mr.StudyInstanceUID}/shares"
        assert admin.post(unowned, json={"room": ROOM_B}).status_code == 201
        assert admin.get(f"/api/rooms/{ROOM_B}/studies/1.2.3/shares").status_code == 404
    assert rooms.store.may_attach(ROOM_B, rooms.mr.StudyInstanceUID)


# --- finding 2: a series restriction holds at every level -----------------------------------
@pytest.fixture
def restricted(rooms: Rooms) -> Iterator[tuple[Rooms, httpx.Client]]:
    """Room A has the CT study attached again with only CT_small's series admitted."""
    study = rooms.ct.StudyInstanceUID
    with rooms.server.admin() as admin:
        assert admin.delete(f"/api/rooms/{ROOM_A}/studies/{study}").status_code == 204
        body = {"uid": study, "series": [rooms.ct.SeriesInstanceUID]}
        assert admin.post(f"/api/rooms/{ROOM_A}/studies", json=body).status_code == 201
    with rooms.http(ROOM_A, Role.PARTICIPANT) as client:
        yield rooms, client


def _series_in_multipart(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    boundary = response.headers["content-type"].split("boundary=")[1].split(";")[0].strip('"')
    parts = response.content.split(f"--{boundary}".encode())[1:-1]
    bodies = [part.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n") for part in parts]
    return {str(pydicom.dcmread(BytesIO(body)).SeriesInstanceUID) for body in bodies}


def test_study_level_retrieve_metadata_and_search_hold_only_the_admitted_series(
    restricted: tuple[Rooms, httpx.Client],
) -> None:
    rooms, client = restricted
    study, admitted = rooms.ct.StudyInstanceUID, rooms.ct.SeriesInstanceUID
    web = f"/dicom-web/studies/{study}"
    json_accept = {"Accept": "application/dicom+json"}
    assert _series_in_multipart(client.get(web)) == {admitted}
    metadata = client.get(f"{web}/metadata", headers=json_accept).json()
    assert {m["0020000E"]["Value"][0] for m in metadata} == {admitted}
    for path in (f"{web}/series", "/dicom-web/series"):
        found = client.get(path, headers=json_accept).json()
        assert {f["0020000E"]["Value"][0] for f in found} == {admitted}, path
    for path in (f"{web}/instances", "/dicom-web/instances"):
        found = client.get(path, headers=json_accept).json()
        assert {f["00080018"]["Value"][0] for f in found} == {rooms.ct.SOPInstanceUID}, path
    (summary,) = client.get("/dicom-web/studies", headers=json_accept).json()
    assert summary["00201206"]["Value"] == [1]  # NumberOfStudyRelatedSeries
    assert summary["00201208"]["Value"] == [1]  # NumberOfStudyRelatedInstances
    with rooms.server.admin() as admin:  # the API key still sees both series
        assert len(_series_in_multipart(admin.get(web))) == 2


def test_every_resource_of_another_series_is_refused(
    restricted: tuple[Rooms, httpx.Client],
) -> None:
    rooms, client = restricted
    other = rooms.second
    series = f"/dicom-web/studies/{other.StudyInstanceUID}/series/{other.SeriesInstanceUID}"
    instance = f"{series}/instances/{other.SOPInstanceUID}"
    for path in (
        series,
        f"{series}/metadata",
        f"{series}/instances",
        instance,
        f"{instance}/metadata",
        f"{instance}/frames/1",
        f"{instance}/rendered",
        f"{instance}/frames/1/rendered",
        f"{instance}/thumbnail",
        f"{instance}/bulkdata/7FE00010",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert answer.json()["code"] == "forbidden", path
    ct = rooms.ct
    admitted = (
        f"/dicom-web/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}"
        f"/instances/{ct.SOPInstanceUID}"
    )
    for path in (admitted, f"{admitted}/frames/1", f"{admitted}/thumbnail"):
        assert client.get(path).status_code == 200, path
