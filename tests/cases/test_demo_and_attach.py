"""The store inside a running server: the demo case, and ``huizhen import --room --server``."""

from __future__ import annotations

from collections.abc import Callable

import pydicom
from typer.testing import CliRunner

from samples import SamplePaths
from server.cases.store import Access
from server.cli import app
from server.demo import DEMO_SLICE, SOFT_TISSUE
from session.ids import RoomId


def test_demo_room_gets_the_sample_ct_on_screen(
    live_server_factory: Callable[..., object], samples: SamplePaths
) -> None:
    server = live_server_factory(demo=True)
    ct = pydicom.dcmread(samples.ct_files[0], stop_before_pixels=True)
    with server.admin() as client:  # type: ignore[attr-defined]
        room = client.get("/api/rooms/demo").json()
    assert room["studies"] == [ct.StudyInstanceUID]
    owners = server.state.studies.rooms_of(ct.StudyInstanceUID)  # type: ignore[attr-defined]
    assert owners == {"demo": Access.OWNER}
    host = server.state.rooms.get(RoomId("demo"))  # type: ignore[attr-defined]
    viewport = host.room.snapshot().state.viewports[0]
    assert viewport.image is not None
    assert viewport.image.series == ct.SeriesInstanceUID
    shown = pydicom.dcmread(samples.ct_files[DEMO_SLICE - 1], stop_before_pixels=True)
    assert viewport.image.sop == shown.SOPInstanceUID
    assert viewport.voi == SOFT_TISSUE


def test_import_attaches_to_a_room_of_a_running_server(
    live_server_factory: Callable[..., object], samples: SamplePaths
) -> None:
    server = live_server_factory()
    server.create_room("teaching", "Teaching")  # type: ignore[attr-defined]
    args = [
        "import",
        str(samples.mr),
        "--room",
        "teaching",
        "--server",
        server.base_url,  # type: ignore[attr-defined]
        "--api-key",
        server.settings.api_key,  # type: ignore[attr-defined]
        "--data-dir",
        str(server.settings.data_dir),  # type: ignore[attr-defined]
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    mr = pydicom.dcmread(samples.mr, stop_before_pixels=True)
    with server.admin() as client:  # type: ignore[attr-defined]
        assert client.get("/api/rooms/teaching").json()["studies"] == [mr.StudyInstanceUID]
    owners = server.state.studies.rooms_of(mr.StudyInstanceUID)  # type: ignore[attr-defined]
    assert owners == {"teaching": Access.OWNER}
    again = CliRunner().invoke(app, args)  # re-import: duplicates, already attached
    assert again.exit_code == 0, again.output
    assert "already attached" in again.output
    wrong_room = CliRunner().invoke(app, [*args[:3], "nope", *args[4:]])
    assert wrong_room.exit_code == 2
