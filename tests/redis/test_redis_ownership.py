"""Study ownership with several nodes (real processes, real Redis): ``attach_study`` from a
client bridged to the room's node is checked there, against the store that holds the study."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from nodeproc import running_nodes
from pydicom.data import get_testdata_file
from redisproc import RedisProcess
from room_client import RoomClient
from test_redis_failover import token

from session.commands import AttachStudy
from session.ids import Uid

pytestmark = [pytest.mark.redis, pytest.mark.slow]
MR = Path(str(get_testdata_file("MR_small.dcm")))
DICOM = 'multipart/related; type="application/dicom"; boundary=b0undary'


def _stow_body() -> tuple[str, bytes]:
    """MR_small's Study Instance UID, and a STOW body carrying it."""
    body = b"--b0undary\r\nContent-Type: application/dicom\r\n\r\n" + MR.read_bytes()
    return str(pydicom.dcmread(MR).StudyInstanceUID), body + b"\r\n--b0undary--\r\n"


async def test_a_bridged_attach_is_checked_by_the_rooms_node(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    study, body = _stow_body()
    with running_nodes(redis_proc.url, tmp_path, 2) as (a, b):
        a.create_room("case-own")
        with a.admin() as admin:  # stored on the room's node by the API key: unowned
            stored = admin.post("/dicom-web/studies", content=body, headers={"Content-Type": DICOM})
            assert stored.status_code == 200, stored.text
        host = await RoomClient.connect(b.ws_url, token("case-own", "host"))  # bridged to a
        refused = await host.reply(await host.send(AttachStudy(Uid(study))))
        assert (refused["type"], refused["code"]) == ("error", "study_owned_elsewhere")
        with b.admin() as admin:  # forwarded to node a, whose store shares it with the room
            attach = admin.post("/api/rooms/case-own/studies", json={"uid": study})
            assert attach.status_code == 201, attach.text
            assert admin.delete(f"/api/rooms/case-own/studies/{study}").status_code == 204
        again = await host.reply(await host.send(AttachStudy(Uid(study))))
        assert again["type"] == "ack", again
        await host.close()
