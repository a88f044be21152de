"""Access that ends (issue 12, findings 3 and 4), against a real server over real sockets.

A kick bans the identity from the room until a moderator lifts it: its joins (any token) are
refused with close 4013, its DICOMweb reads, recordings, viewer tokens and TURN credentials
with 403 ``banned``. Grants a moderator cut stay cut across the grace and a reconnection. A
recording is read against the room's grants now, deleted only by a holder of record and
moderate, and deleting hides it at once while its bytes wait for the purge.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pydicom
from livetools import LiveServer, eventually, make_settings, run_live_server
from pydicom.data import get_testdata_file
from rec_support import RoomClient
from test_viewer_dicomweb import attach, dicomweb, wait_complete

from recorder.format import RECORDINGS_DIR
from recorder.retention import TOMBSTONE
from server.cases.store import StudyStore
from session.codec import CloseCode, encode_hello
from session.commands import Kick, LiftBan, SetGrants, SetRecording
from session.grants import Grant, Role
from session.ids import ParticipantId

CT = Path(str(get_testdata_file("CT_small.dcm")))


def bearer(server: LiveServer, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


async def refused_join(server: LiveServer, token: str) -> int | None:
    client = await RoomClient.open(server.ws_url)
    await client.ws.send(encode_hello(token))
    code, _ = await client.closed()
    return code


async def ack(client: RoomClient, command: object) -> None:
    reply = await client.reply(await client.send(command))  # type: ignore[arg-type]
    assert reply["type"] == "ack", reply


async def test_a_kick_bans_the_identity_everywhere_until_lifted(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    store: StudyStore = server.state.studies
    assert store.import_paths([CT]).ok
    uid = pydicom.dcmread(CT).StudyInstanceUID
    room = server.create_room("consult")
    attach(server, room, pydicom.dcmread(CT))
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    token = server.mint(room, "doc")
    doc = await RoomClient.connect(server.ws_url, token)
    with dicomweb(server, token) as web:
        assert web.get(f"/studies/{uid}/metadata").status_code == 200
    await ack(host, Kick(ParticipantId("doc")))
    assert (await doc.closed())[0] == CloseCode.KICKED
    assert [e["banned"] for e in host.events() if e["type"] == "ban_changed"] == [True]
    assert await refused_join(server, token) == CloseCode.BANNED
    fresh = server.mint(room, "doc", Role.HOST, grants=frozenset(Grant))  # any token for it
    assert await refused_join(server, fresh) == CloseCode.BANNED
    for kicked in (token, fresh):
        with dicomweb(server, kicked) as web:
            read = web.get(f"/studies/{uid}/metadata")
            assert (read.status_code, read.json()["code"]) == (403, "banned")
        with bearer(server, kicked) as http:
            assert http.get("/api/session/ice").json()["code"] == "banned"
            assert http.get("/api/session").json()["code"] == "banned"
    await ack(host, LiftBan(ParticipantId("doc")))
    back = await RoomClient.connect(server.ws_url, token)
    with dicomweb(server, token) as web:
        assert web.get(f"/studies/{uid}/metadata").status_code == 200
    await back.close()
    await host.close()


async def test_cut_grants_survive_the_grace_and_a_new_token(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(offline_grace_s=0.2)
    room = server.create_room("consult")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    doc = await RoomClient.connect(server.ws_url, server.mint(room, "doc", Role.PRESENTER))
    await ack(host, SetGrants(ParticipantId("doc"), frozenset({Grant.CHAT})))
    await doc.close()
    live = server.state.rooms.get(room)  # type: ignore[arg-type]
    assert live is not None
    await eventually(lambda: live.room.participant(ParticipantId("doc")) is None)  # timed out
    again = server.mint(room, "doc", Role.PRESENTER, grants=frozenset(Grant))
    back = await RoomClient.connect(server.ws_url, again)
    assert back.welcome["grants"] == ["chat"]
    with bearer(server, again) as http:  # the HTTP edge asks the room too: no manage_case
        assert http.get("/api/session").json()["grants"] == ["chat"]
        stow = http.post(
            "/dicom-web/studies",
            content=b"--x--",
            headers={"Content-Type": "multipart/related; type=application/dicom; boundary=x"},
        )
        assert stow.status_code == 403 and "manage_case" in stow.json()["message"]
    await back.close()
    await host.close()


async def test_recordings_follow_the_room_not_the_token(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    room = server.create_room("consult")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    cohost_token = server.mint(room, "cohost", Role.HOST)
    cohost = await RoomClient.connect(server.ws_url, cohost_token)
    recorder_token = server.mint(room, "rec", Role.PRESENTER, grants=frozenset({Grant.RECORD}))
    await ack(host, SetRecording(True))
    await ack(host, SetRecording(False))
    await wait_complete(server)
    with bearer(server, cohost_token) as as_cohost:
        [listed] = as_cohost.get("/api/recordings").json()["recordings"]
    rid = listed["id"]
    one = f"/api/recordings/{rid}"

    def refused(token: str, code: str) -> None:
        with bearer(server, token) as http:
            for answer in (
                http.get("/api/recordings"),
                http.get(one),
                http.post(f"{one}/viewer-tokens", json={}),
                http.delete(one),
            ):
                assert (answer.status_code, answer.json()["code"]) == (403, code), answer.text

    await ack(host, SetGrants(ParticipantId("cohost"), frozenset({Grant.CHAT})))
    refused(cohost_token, "forbidden")  # cut: the token still says host, the room does not
    await ack(host, Kick(ParticipantId("cohost")))
    await cohost.closed()
    refused(cohost_token, "banned")
    refused(server.mint(room, "cohost", Role.HOST), "banned")
    with bearer(server, recorder_token) as as_recorder:  # record alone reads, cannot delete
        assert as_recorder.get(one).status_code == 200
        assert as_recorder.delete(one).json()["code"] == "forbidden"
    directory = server.settings.data_dir / RECORDINGS_DIR / rid
    with bearer(server, server.mint(room, "host", Role.HOST)) as as_host:
        assert as_host.delete(one).status_code == 204
        assert as_host.get("/api/recordings").json()["recordings"] == []
        assert as_host.get(one).status_code == 404
        assert as_host.delete(one).status_code == 404
    assert (directory / TOMBSTONE).is_file()  # soft: the bytes wait for the retention
    with server.admin() as admin:
        assert admin.get("/api/recordings").json()["recordings"] == []
        with bearer(server, server.mint(room, "host", Role.HOST)) as as_host:
            assert as_host.delete("/api/recordings").status_code == 401  # the API key only
        assert admin.delete("/api/recordings").json() == {"purged": [rid]}
    assert not directory.exists()
    await host.close()


async def test_a_room_not_hosted_here_answers_from_its_stored_log(tmp_path: Path) -> None:
    """A recording outlives its room: after the room closed and the server restarted (a
    closed room is not hosted again), the room's durable log still says who is banned."""
    with run_live_server(make_settings(tmp_path)) as first:  # stopped: its log drained
        room = first.create_room("consult")
        host = await RoomClient.connect(first.ws_url, first.mint(room, "host", Role.HOST))
        cohost_token = first.mint(room, "cohost", Role.HOST)
        cut_token = first.mint(room, "cut", Role.HOST)
        for token in (cohost_token, cut_token):
            await (await RoomClient.connect(first.ws_url, token)).close()
        await ack(host, SetRecording(True))
        await ack(host, SetRecording(False))
        await ack(host, SetGrants(ParticipantId("cut"), frozenset({Grant.CHAT})))
        await ack(host, Kick(ParticipantId("cohost")))
        await wait_complete(first)
        with first.admin() as admin:
            assert admin.delete(f"/api/rooms/{room}").status_code in (200, 204)
        await host.close()
    with run_live_server(make_settings(tmp_path)) as again:  # its store and its recordings
        assert again.state.rooms.get(room) is None  # type: ignore[arg-type]
        with bearer(again, cohost_token) as http:
            assert http.get("/api/recordings").json()["code"] == "banned"
        with bearer(again, cut_token) as http:
            assert http.get("/api/recordings").json()["code"] == "forbidden"
        with bearer(again, again.mint(room, "host", Role.HOST)) as http:
            assert len(http.get("/api/recordings").json()["recordings"]) == 1


async def test_the_server_purges_deleted_recordings_past_their_retention_at_start(
    tmp_path: Path,
) -> None:
    with run_live_server(make_settings(tmp_path)) as first:  # the default retention: a week
        room = first.create_room("consult")
        host = await RoomClient.connect(first.ws_url, first.mint(room, "host", Role.HOST))
        await ack(host, SetRecording(True))
        await ack(host, SetRecording(False))
        await host.close()
        await wait_complete(first)
        with first.admin() as admin:
            [listed] = admin.get("/api/recordings").json()["recordings"]
            assert admin.delete(f"/api/recordings/{listed['id']}").status_code == 204
        directory = first.settings.data_dir / RECORDINGS_DIR / listed["id"]
        assert directory.is_dir()  # kept for the retention period
    with run_live_server(make_settings(tmp_path, recording_retention_s=0.0)):
        await eventually(lambda: not directory.exists())  # purged at start: no retention
